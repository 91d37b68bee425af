// pgBackRest's configs read back as INI (repository, stanza, member), its timers, Patroni's archiving, replica
// creation and pg_pitr bootstrap read back as YAML, the Prometheus job, and the repository host's helper
// (render/host/pigsty-backup.py) run by the real python3 with pgBackRest faked inside it.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { loadInventory } from "../../config/load";
import type { ClusterModel, Model } from "../../config/model";
import { renderPatroniYml } from "../../render/patroni";
import { renderBackupHelper, renderBackupService, renderBackupTimer, renderMemberConf, renderRepoConf, renderStanzaConf } from "../../render/pgbackrest";
import { placeholdersIn } from "../../render/placeholders";
import { renderPrometheusYml } from "../../render/prometheus";
import { serverCert } from "../../render/tls";
import { FAKE_HOST_KEY, pgTest, pinHostKeys, rawFixture } from "../helpers/inventoryFixtures";

type Ini = Record<string, Record<string, string | string[]>>;

/** pgBackRest's INI: `[section]` headers and key=value lines; a repeated key collects its values in a list. */
function parseIni(text: string): Ini {
  const out: Ini = {};
  let section: Record<string, string | string[]> | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      if (out[header[1]]) throw new Error(`section [${header[1]}] twice`);
      section = out[header[1]] = {};
      continue;
    }
    const eq = line.indexOf("=");
    if (eq <= 0 || !section) throw new Error(`not an INI line: ${JSON.stringify(line)}`);
    const [key, value] = [line.slice(0, eq), line.slice(eq + 1)];
    const seen = section[key];
    section[key] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return out;
}

/** Every value of a key as a list (one line or many). */
const all = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

type RawInventory = { ssh: { host_keys: Record<string, string> }; vars: Record<string, unknown>; clusters: Record<string, { hosts: Record<string, Record<string, unknown>>; vars: Record<string, unknown> }> };
const raw = () => rawFixture("pg-test.stack.yaml") as RawInventory;
const load = (inv: RawInventory) => loadInventory(pinHostKeys(inv)).model;
const clusterOf = (model: Model, name: string): ClusterModel => model.clusters.find((c) => c.name === name)!;

const PITR_TIME = "2026-12-02 10:15:00+00";
/** pg-test and pg-pitr (10.10.10.14), created from pg-test's backups at PITR_TIME. */
function withPitr(pitr: Record<string, unknown> = { cluster: "pg-test", time: PITR_TIME }): Model {
  const inv = raw();
  inv.clusters["pg-pitr"] = { hosts: { "10.10.10.14": { pg_seq: 1, pg_role: "primary" } }, vars: { pg_pitr: pitr } };
  return load(inv);
}

const { model } = pgTest();
const cluster = model.clusters[0];
const REPO = "backup-10-10-10-10";
const REPO_CERT = serverCert("pgbackrest");
const MEMBER_CERT = serverCert("patroni");

describe("the repository host's pgbackrest.conf", () => {
  const text = renderRepoConf(model, model.backupRepos[0]);
  const conf = parseIni(text);
  const g = conf.global;

  test("one [global] section: the repository, its cipher, the TLS server on the host's own address", () => {
    expect(Object.keys(conf)).toEqual(["global"]);
    expect(g["repo1-path"]).toBe("/var/lib/pgbackrest");
    expect(g["repo1-cipher-type"]).toBe("aes-256-cbc");
    expect(g["repo1-cipher-pass"]).toBe(`{{secret:backup/${REPO}/cipher|raw}}`);
    expect(placeholdersIn(text)).toEqual([`backup/${REPO}/cipher`]);
    expect(g["tls-server-address"]).toBe("10.10.10.10");
    expect(g["tls-server-port"]).toBe("8432");
    expect(g["tls-server-cert-file"]).toBe(REPO_CERT.cert);
    expect(g["tls-server-key-file"]).toBe(REPO_CERT.key);
    expect(g["tls-server-ca-file"]).toBe("/etc/pigsty/tls/ca.crt");
  });

  test("one tls-server-auth line per member, each naming its cluster's stanza only", () => {
    expect(all(g["tls-server-auth"])).toEqual(["pg-test-1=pg-test", "pg-test-2=pg-test", "pg-test-3=pg-test"]);
  });

  test("no cipher lines and no secret with cipher: none", () => {
    const inv = raw();
    inv.clusters["pg-test"].vars.pgbackrest_repo = { cipher: "none", path: "/srv/pgbackrest" };
    const m = load(inv);
    const noCipher = renderRepoConf(m, m.backupRepos[0]);
    const gg = parseIni(noCipher).global;
    expect(Object.keys(gg).filter((k) => k.includes("cipher"))).toEqual([]);
    expect(placeholdersIn(noCipher)).toEqual([]);
    expect(gg["repo1-path"]).toBe("/srv/pgbackrest");
  });

  test("a pg_pitr cluster's members may reach its own stanza and its source's", () => {
    const m = withPitr();
    expect(m.backupRepos.map((r) => [r.ip, r.clusters])).toEqual([["10.10.10.10", ["pg-pitr", "pg-test"]]]);
    const gg = parseIni(renderRepoConf(m, m.backupRepos[0])).global;
    expect(all(gg["tls-server-auth"]).sort()).toEqual(["pg-pitr-1=pg-pitr,pg-test", "pg-test-1=pg-test", "pg-test-2=pg-test", "pg-test-3=pg-test"]);
  });

  test("a repository host off the infra node listens on its own address", () => {
    const inv = raw();
    inv.clusters["pg-test"].vars.pgbackrest_repo = { host: "10.10.10.20" };
    inv.ssh.host_keys["10.10.10.20"] = FAKE_HOST_KEY;
    const m = load(inv);
    const repo = m.backupRepos[0];
    expect(repo.name).toBe("backup-10-10-10-20");
    const gg = parseIni(renderRepoConf(m, repo)).global;
    expect(gg["tls-server-address"]).toBe("10.10.10.20");
    expect(gg["repo1-cipher-pass"]).toBe("{{secret:backup/backup-10-10-10-20/cipher|raw}}");
    expect(parseIni(renderMemberConf(m.clusters[0], m.clusters[0].instances[0])).global["repo1-host"]).toBe("backup-10-10-10-20");
  });
});

describe("the stanza on the repository host", () => {
  test("every member as pgN-host by NAME, in pg_seq order, over TLS with the repository host's certificate", () => {
    // Hosts listed out of seq order (and IP order): pg-test-1 is 10.10.10.13.
    const inv = raw();
    inv.clusters["pg-test"].hosts = {
      "10.10.10.11": { pg_seq: 3, pg_role: "replica" },
      "10.10.10.13": { pg_seq: 1, pg_role: "primary" },
      "10.10.10.12": { pg_seq: 2, pg_role: "replica" },
    };
    const c = load(inv).clusters[0];
    const conf = parseIni(renderStanzaConf(c));
    expect(Object.keys(conf)).toEqual(["pg-test"]);
    const s = conf["pg-test"];
    expect([1, 2, 3].map((n) => s[`pg${n}-host`])).toEqual(["pg-test-1", "pg-test-2", "pg-test-3"]);
    expect(s["pg4-host"]).toBeUndefined();
    for (const n of [1, 2, 3]) {
      expect(s[`pg${n}-host-type`]).toBe("tls");
      expect(s[`pg${n}-host-port`]).toBe("8432");
      expect(s[`pg${n}-host-cert-file`]).toBe(REPO_CERT.cert);
      expect(s[`pg${n}-host-key-file`]).toBe(REPO_CERT.key);
      expect(s[`pg${n}-host-ca-file`]).toBe("/etc/pigsty/tls/ca.crt");
      expect(s[`pg${n}-path`]).toBe("/pg/data");
      expect(s[`pg${n}-port`]).toBe("5432");
    }
    // No address anywhere: pgBackRest 2.45 checks the certificate's names.
    expect(Object.values(s).flat().filter((v) => /\b\d+\.\d+\.\d+\.\d+\b/.test(v))).toEqual([]);
  });

  test("retention, backup-standby, and the cluster's data dir and port", () => {
    const inv = raw();
    Object.assign(inv.clusters["pg-test"].vars, { pgbackrest_repo: { retention_full: 5 }, pgbackrest_backup_standby: true, pg_data: "/data/pg", pg_port: 5444 });
    const c = load(inv).clusters[0];
    const s = parseIni(renderStanzaConf(c))["pg-test"];
    expect(s["repo1-retention-full"]).toBe("5");
    expect(s["backup-standby"]).toBe("y");
    expect(s["pg2-path"]).toBe("/data/pg");
    expect(s["pg2-port"]).toBe("5444");
    expect(parseIni(renderStanzaConf(cluster))["pg-test"]["backup-standby"]).toBe("n");
  });
});

describe("a member's pgbackrest.conf", () => {
  const conf = parseIni(renderMemberConf(cluster, cluster.instances[1]));
  const g = conf.global;

  test("the repository by its DNS name over TLS, with the member's own certificate", () => {
    expect(g["repo1-host"]).toBe(REPO);
    expect(g["repo1-host"]).not.toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(g["repo1-host-type"]).toBe("tls");
    expect(g["repo1-host-port"]).toBe("8432");
    expect(g["repo1-host-cert-file"]).toBe(MEMBER_CERT.cert);
    expect(g["repo1-host-key-file"]).toBe(MEMBER_CERT.key);
    // The repository's path and passphrase stay on the repository host.
    expect(Object.keys(g).filter((k) => k.startsWith("repo1-") && !k.startsWith("repo1-host"))).toEqual([]);
  });

  test("its TLS server on its own address, for the repository host and this cluster's stanza only", () => {
    expect(g["tls-server-address"]).toBe("10.10.10.12");
    expect(g["tls-server-port"]).toBe("8432");
    expect(g["tls-server-cert-file"]).toBe(MEMBER_CERT.cert);
    expect(all(g["tls-server-auth"])).toEqual([`${REPO}=pg-test`]);
  });

  test("asynchronous archive-push with the queue limit from pgbackrest_archive_queue_max", () => {
    expect(g["archive-async"]).toBe("y");
    expect(g["archive-push-queue-max"]).toBe("4GB");
    const inv = raw();
    inv.clusters["pg-test"].vars.pgbackrest_archive_queue_max = "512MB";
    const c = load(inv).clusters[0];
    expect(parseIni(renderMemberConf(c, c.instances[0])).global["archive-push-queue-max"]).toBe("512MB");
  });

  test("the stanza section gives the data dir, and no secret is in the file", () => {
    expect(Object.keys(conf)).toEqual(["global", "pg-test"]);
    expect(conf["pg-test"]).toEqual({ "pg1-path": "/pg/data", "pg1-port": "5432", "pg1-socket-path": "/var/run/postgresql" });
    expect(placeholdersIn(renderMemberConf(cluster, cluster.instances[1]))).toEqual([]);
  });

  test("a pg_pitr cluster's member lets the repository host reach only its own stanza", () => {
    const m = withPitr();
    const c = clusterOf(m, "pg-pitr");
    const cc = parseIni(renderMemberConf(c, c.instances[0]));
    expect(all(cc.global["tls-server-auth"])).toEqual([`${REPO}=pg-pitr`]);
    expect(cc.global["repo1-host"]).toBe(REPO);
    expect(Object.keys(cc)).toEqual(["global", "pg-pitr"]);
  });
});

describe("the backup timers", () => {
  test("OnCalendar from pgbackrest_schedule, the service runs the helper for the stanza and type", () => {
    const inv = raw();
    inv.clusters["pg-test"].vars.pgbackrest_schedule = { full: "Sat *-*-* 02:30:00", diff: "daily" };
    const c = load(inv).clusters[0];
    expect(parseIni(renderBackupTimer(c, "full")).Timer.OnCalendar).toBe("Sat *-*-* 02:30:00");
    expect(parseIni(renderBackupTimer(c, "diff")).Timer.OnCalendar).toBe("daily");
    expect(parseIni(renderBackupTimer(cluster, "full")).Timer.OnCalendar).toBe("Sun *-*-* 01:00:00");
    expect(parseIni(renderBackupTimer(cluster, "diff")).Timer.OnCalendar).toBe("Mon..Sat *-*-* 01:00:00");
    expect(parseIni(renderBackupService(cluster, "diff")).Service).toEqual({ Type: "oneshot", ExecStart: "/usr/local/bin/pigsty-backup backup pg-test diff" });
  });
});

describe("Patroni with backups", () => {
  // Patroni reads YAML with PyYAML (1.1): parse the same way, so a bare on/off would show as a boolean.
  const yml = (m: Model, c: ClusterModel, n = 0) => parse(renderPatroniYml(m, c, c.instances[n]), { version: "1.1" });
  const y = yml(model, cluster, 1);

  test("WAL archiving into the cluster's own stanza", () => {
    const p = y.bootstrap.dcs.postgresql.parameters;
    expect(p.archive_mode).toBe("on");
    expect(p.archive_command).toBe("pgbackrest --stanza=pg-test archive-push %p");
  });

  test("replicas from the repository first, then by basebackup", () => {
    expect(y.postgresql.create_replica_methods).toEqual(["pgbackrest", "basebackup"]);
    expect(y.postgresql.pgbackrest).toEqual({ command: "/usr/bin/pgbackrest --stanza=pg-test --delta restore", keep_data: true, no_params: true });
    expect(y.postgresql.basebackup).toBeDefined();
    expect(y.postgresql.recovery_conf).toEqual({ restore_command: 'pgbackrest --stanza=pg-test archive-get %f "%p"' });
    expect(y.bootstrap.initdb).toEqual([{ encoding: "UTF8" }, { locale: "C" }, "data-checksums"]);
    expect(y.bootstrap.method).toBeUndefined();
  });

  test("with pgbackrest_enabled: false, no archiving and basebackup only", () => {
    const inv = raw();
    inv.clusters["pg-test"].vars.pgbackrest_enabled = false;
    const m = load(inv);
    expect(m.backupRepos).toEqual([]);
    const off = yml(m, m.clusters[0], 1);
    const p = off.bootstrap.dcs.postgresql.parameters;
    expect(p.archive_mode).toBeUndefined();
    expect(p.archive_command).toBeUndefined();
    expect(off.postgresql.create_replica_methods).toEqual(["basebackup"]);
    expect(off.postgresql.pgbackrest).toBeUndefined();
    expect(off.postgresql.recovery_conf).toBeUndefined();
    expect(renderPatroniYml(m, m.clusters[0], m.clusters[0].instances[1])).not.toContain("pgbackrest");
  });

  describe("a pg_pitr cluster", () => {
    const m = withPitr();
    const c = clusterOf(m, "pg-pitr");
    const py = yml(m, c);

    test("bootstraps by pgBackRest's restore of the source stanza at the target, not by initdb", () => {
      expect(py.bootstrap.method).toBe("pgbackrest");
      expect(py.bootstrap.initdb).toBeUndefined();
      expect(py.bootstrap.pgbackrest.keep_existing_recovery_conf).toBe(true);
      expect(py.bootstrap.pgbackrest.no_params).toBe(true);
    });

    test("the restore command, split as Patroni splits it (python's shlex), keeps the time as one word", () => {
      const command = py.bootstrap.pgbackrest.command as string;
      const r = spawnSync("/usr/bin/python3", ["-c", "import json,shlex,sys; print(json.dumps(shlex.split(sys.argv[1])))", command], { encoding: "utf8" });
      expect(r.stderr).toBe("");
      expect(JSON.parse(r.stdout)).toEqual([
        "/usr/bin/pgbackrest",
        "--stanza=pg-test",
        "--pg1-path=/pg/data",
        "--type=time",
        `--target=${PITR_TIME}`,
        "--target-action=promote",
        "restore",
      ]);
    });

    test.each([
      [{ lsn: "0/3000060" }, ["--type=lsn", "--target=0/3000060"]],
      [{ xid: 1234 }, ["--type=xid", "--target=1234"]],
      [{ name: "before-upgrade" }, ["--type=name", "--target=before-upgrade"]],
      [{ immediate: true }, ["--type=immediate"]],
      [{ time: "2026-12-02 10:15:00 UTC" }, ["--type=time", "--target=2026-12-02 10:15:00 UTC"]],
    ])("the target %j reaches the restore as %j", (target, args) => {
      const mm = withPitr({ cluster: "pg-test", ...target });
      const cc = clusterOf(mm, "pg-pitr");
      const command = yml(mm, cc).bootstrap.pgbackrest.command as string;
      const r = spawnSync("/usr/bin/python3", ["-c", "import json,shlex,sys; print(json.dumps(shlex.split(sys.argv[1])))", command], { encoding: "utf8" });
      expect(JSON.parse(r.stdout)).toEqual(["/usr/bin/pgbackrest", "--stanza=pg-test", "--pg1-path=/pg/data", ...args, "--target-action=promote", "restore"]);
    });

    test("archives into its own stanza from its first start, and its replicas restore from its own stanza", () => {
      expect(py.bootstrap.dcs.postgresql.parameters.archive_command).toBe("pgbackrest --stanza=pg-pitr archive-push %p");
      expect(py.postgresql.pgbackrest.command).toBe("/usr/bin/pgbackrest --stanza=pg-pitr --delta restore");
      expect(py.postgresql.recovery_conf.restore_command).toBe('pgbackrest --stanza=pg-pitr archive-get %f "%p"');
    });

    test("the source cluster is unchanged by being restored from", () => {
      expect(renderPatroniYml(m, clusterOf(m, "pg-test"), clusterOf(m, "pg-test").instances[1])).toBe(renderPatroniYml(model, cluster, cluster.instances[1]));
    });
  });
});

describe("Prometheus", () => {
  test("a pgbackrest job scrapes each repository host's node exporter once", () => {
    const inv = raw();
    inv.clusters["pg-two"] = { hosts: { "10.10.10.14": { pg_seq: 1, pg_role: "primary" } }, vars: {} };
    const jobs = parse(renderPrometheusYml(load(inv))).scrape_configs as { job_name: string; static_configs?: { targets: string[] }[] }[];
    expect(jobs.filter((j) => j.job_name === "pgbackrest")).toEqual([{ job_name: "pgbackrest", static_configs: [{ targets: ["10.10.10.10:9100"] }] }]);
  });

  test("no repository, no pgbackrest job", () => {
    const inv = raw();
    inv.clusters["pg-test"].vars.pgbackrest_enabled = false;
    const jobs = parse(renderPrometheusYml(load(inv))).scrape_configs as { job_name: string }[];
    expect(jobs.map((j) => j.job_name)).toEqual(["prometheus", "etcd", "pgsql", "node", "patroni", "pgbouncer"]);
  });
});

describe("the repository host's helper (pigsty-backup.py) under the real python3", () => {
  const PYTHON = "/usr/bin/python3";
  let dir = "";
  let helper = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "pigsty-backup-"));
    helper = join(dir, "pigsty-backup");
    writeFileSync(helper, renderBackupHelper("postgres"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs `body` with the helper's functions in scope (imported by exec, not run as a program); prints JSON. */
  function py(body: string, args: string[] = []): unknown {
    const program = `
import json, sys, types
ns = {"__name__": "pigsty_backup"}
exec(compile(open(sys.argv[1], encoding="utf-8").read(), "pigsty-backup", "exec"), ns)
${body}`;
    // A host time zone that is not UTC: the helper must read every time by its own zone.
    const r = spawnSync(PYTHON, ["-c", program, helper, ...args], { encoding: "utf8", env: { ...process.env, TZ: "America/St_Johns" } });
    if (r.status !== 0) throw new Error(`python3 failed (${r.status}): ${r.stderr}`);
    return JSON.parse(r.stdout.trim().split("\n").pop()!);
  }

  test("its settings line is written: the dbsu runs pgBackRest", () => {
    expect(py('print(json.dumps([ns["SETTINGS"], ns["PGBACKREST"]]))')).toEqual([
      { dbsu: "postgres", textfiles: "/var/lib/prometheus/node-exporter" },
      ["runuser", "-u", "postgres", "--", "pgbackrest"],
    ]);
  });

  test.each([
    ["2026-12-02 10:15:00+00", Date.UTC(2026, 11, 2, 10, 15) / 1000],
    ["2026-12-02 10:15:00+05:30", Date.UTC(2026, 11, 2, 4, 45) / 1000],
    ["2026-12-02 10:15:00+0530", Date.UTC(2026, 11, 2, 4, 45) / 1000],
    ["2026-12-02 10:15:00-03", Date.UTC(2026, 11, 2, 13, 15) / 1000],
    ["2026-12-02 10:15:00Z", Date.UTC(2026, 11, 2, 10, 15) / 1000],
    ["2026-12-02 10:15:00 UTC", Date.UTC(2026, 11, 2, 10, 15) / 1000],
    ["2026-12-02T10:15:00.5+00", Date.UTC(2026, 11, 2, 10, 15) / 1000 + 0.5],
    ["2026-12-02T10:15:00.123456-0130", Date.UTC(2026, 11, 2, 11, 45) / 1000 + 0.123456],
  ])("parse_time(%j) is %d, whatever the host's time zone", (text, seconds) => {
    expect(py('print(json.dumps(ns["parse_time"](sys.argv[2])))', [text])).toBeCloseTo(seconds, 6);
  });

  test("lsn_value orders WAL locations as Postgres does", () => {
    expect(py('print(json.dumps([ns["lsn_value"](x) for x in sys.argv[2:]]))', ["0/3000060", "1/0", "0/FFFFFFFF", "A/b"])).toEqual([0x3000060, 2 ** 32, 0xffffffff, 10 * 2 ** 32 + 11]);
  });

  /** check_target with pgBackRest faked: `check` exits `checkRc`, `info` returns these backups. Its exit message and output. */
  function checkTarget(backups: unknown[], kind: string, target: string | null, checkRc = 0): { exit: string | null; out: string } {
    return py(
      `
import contextlib, io
backups = json.loads(sys.argv[2])
calls = []
def fake_pgbackrest(stanza, *args, capture=False):
    calls.append([stanza, *args])
    return types.SimpleNamespace(returncode=int(sys.argv[5]), stdout="", stderr="")
ns["pgbackrest"] = fake_pgbackrest
ns["info"] = lambda stanza: {"name": stanza, "backup": backups}
out = io.StringIO()
exit = None
with contextlib.redirect_stdout(out):
    try:
        ns["check_target"]("pg-test", sys.argv[3], json.loads(sys.argv[4]))
    except SystemExit as e:
        exit = str(e.code)
assert calls == [["pg-test", "check"]], calls
print(json.dumps({"exit": exit, "out": out.getvalue()}))`,
      [JSON.stringify(backups), kind, JSON.stringify(target), String(checkRc)],
    ) as { exit: string | null; out: string };
  }

  // Two backups, listed newest first: the first one ended at 2023-11-14 22:13:20 UTC at LSN 0/5000100.
  const FIRST_STOP = 1700000000;
  const BACKUPS = [
    { type: "diff", timestamp: { start: FIRST_STOP + 86000, stop: FIRST_STOP + 86400 }, lsn: { start: "0/9000028", stop: "0/9000100" } },
    { type: "full", timestamp: { start: FIRST_STOP - 600, stop: FIRST_STOP }, lsn: { start: "0/5000028", stop: "0/5000100" } },
  ];

  test("a stanza without a backup is refused", () => {
    expect(checkTarget([], "time", "2024-01-01 00:00:00+00")).toEqual({
      exit: "error: stanza pg-test holds no backup, so there is nothing to restore from; take one first (npm run pg -- backup pg-test)",
      out: "pg-test runs: its current WAL is archived\n",
    });
    expect(checkTarget([], "immediate", null).exit).toMatch(/^error: stanza pg-test holds no backup/);
  });

  test("a time before the end of the first backup is refused, in any zone", () => {
    const refused = "error: pg_pitr.time %s is before the end of pg-test's first backup (2023-11-14T22:13:20+00:00): no backup can reach it. Pick a later time.";
    for (const t of ["2023-11-14 22:13:19+00", "2023-11-15 03:43:19+05:30", "2023-11-14 22:13:19.999Z", "2020-01-01 00:00:00 UTC"]) {
      expect(checkTarget(BACKUPS, "time", t).exit).toBe(refused.replace("%s", t));
    }
  });

  test("a time in the future is refused", () => {
    expect(checkTarget(BACKUPS, "time", "2999-01-01 00:00:00+00").exit).toBe(
      "error: pg_pitr.time 2999-01-01 00:00:00+00 is in the future: the repository holds WAL only up to now. Pick a time that has passed.",
    );
  });

  test("an lsn before the end of the first backup is refused", () => {
    expect(checkTarget(BACKUPS, "lsn", "0/50000FF").exit).toBe("error: pg_pitr.lsn 0/50000FF is before the end of pg-test's first backup (0/5000100): no backup can reach it.");
    expect(checkTarget(BACKUPS, "lsn", "0/FFFFFFF").exit).toBeNull();
  });

  test("a reachable target is accepted, and says from how many backups", () => {
    for (const t of ["2023-11-14 22:13:20+00", "2023-11-15 03:43:20+0530", "2024-06-01 12:00:00Z"]) {
      expect(checkTarget(BACKUPS, "time", t)).toEqual({ exit: null, out: `pg-test runs: its current WAL is archived\nrestore target time ${t} of pg-test: reachable from 2 backup(s)\n` });
    }
    expect(checkTarget(BACKUPS, "lsn", "0/5000100")).toEqual({ exit: null, out: "pg-test runs: its current WAL is archived\nrestore target lsn 0/5000100 of pg-test: reachable from 2 backup(s)\n" });
    expect(checkTarget(BACKUPS, "immediate", null).out).toContain("restore target immediate  of pg-test: reachable from 2 backup(s)\n");
  });

  /** Runs backup(stanza, kind) for each of `runs` ([kind, pgBackRest's exit]) with pgBackRest faked; the .prom file after each. */
  function backupRuns(runs: [string, number][], textfiles: string): { exit: string | null; prom: string }[] {
    return py(
      `
import contextlib, io, os
ns["SETTINGS"]["textfiles"] = sys.argv[2]
backups = json.loads(sys.argv[3])
runs = json.loads(sys.argv[4])
rc = {}
def fake_pgbackrest(stanza, *args, capture=False):
    kind = [a[7:] for a in args if a.startswith("--type=")]
    return types.SimpleNamespace(returncode=rc[kind[0]] if kind else 0, stdout="", stderr="")
ns["pgbackrest"] = fake_pgbackrest
ns["info"] = lambda stanza: {"name": stanza, "backup": backups}
results = []
for kind, code in runs:
    rc[kind] = code
    exit = None
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            ns["backup"]("pg-test", kind)
        except SystemExit as e:
            exit = str(e.code)
    results.append({"exit": exit, "prom": open(os.path.join(sys.argv[2], "pgbackrest_pg-test.prom"), encoding="utf-8").read()})
print(json.dumps(results))`,
      [textfiles, JSON.stringify(BACKUPS), JSON.stringify(runs)],
    ) as { exit: string | null; prom: string }[];
  }
  /** The samples of a textfile, `name{labels}` -> value (timestamps of the run left out). */
  const samples = (prom: string) =>
    Object.fromEntries(prom.split("\n").filter((l) => l !== "" && !l.startsWith("#") && !l.startsWith("pigsty_backup_last_run_timestamp_seconds")).map((l) => [l.split(" ")[0], Number(l.split(" ")[1])]));

  test("a backup writes the stanza's metrics for node_exporter, its own run's result included", () => {
    const textfiles = join(dir, "textfiles-1");
    const [failed] = backupRuns([["full", 1]], textfiles);
    expect(failed.exit).toBe("error: full backup of pg-test failed (pgbackrest exit 1); see /var/log/pgbackrest/pg-test-backup.log");
    expect(samples(failed.prom)).toEqual({
      'pigsty_backup_count{cls="pg-test"}': 2,
      'pigsty_backup_last_success_timestamp_seconds{cls="pg-test",type="full"}': FIRST_STOP,
      'pigsty_backup_last_success_timestamp_seconds{cls="pg-test",type="diff"}': FIRST_STOP + 86400,
      'pigsty_backup_last_size_bytes{cls="pg-test"}': 0,
      'pigsty_backup_last_run_success{cls="pg-test",type="full"}': 0,
    });
    expect(failed.prom).toMatch(/^pigsty_backup_last_run_timestamp_seconds\{cls="pg-test",type="full"\} \d+$/m);
  });

  // The file is rewritten whole with only the current run's type: a failed full backup's
  // pigsty_backup_last_run_success{type="full"} 0 disappears at the next diff backup (or at the next `metrics`, which
  // every pulumi up runs), so an alert on it resolves while the full backup is still failing.
  it("a failed full backup is still reported as failed after a later diff backup succeeds", () => {
    const runs = backupRuns([["full", 1], ["diff", 0]], join(dir, "textfiles-2"));
    expect(runs[1].exit).toBeNull();
    expect(samples(runs[1].prom)).toMatchObject({
      'pigsty_backup_last_run_success{cls="pg-test",type="diff"}': 1,
      'pigsty_backup_last_run_success{cls="pg-test",type="full"}': 0,
    });
  });

  test("a source that does not answer pgbackrest check is restored from what the repository holds", () => {
    const r = checkTarget(BACKUPS, "xid", "1234", 1);
    expect(r.exit).toBeNull();
    expect(r.out).toBe("pg-test did not answer pgbackrest check (is it down?): restoring from what its repository holds\nrestore target xid 1234 of pg-test: reachable from 2 backup(s)\n");
  });
});
