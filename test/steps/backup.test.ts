// pgBackRest's host steps: every script parses (bash -n); the repository's and a member's steps run on a fake host
// (test/helpers/fakeHost.ts: config, keys, passphrase, /etc/hosts); the stanza's creation and removal run by bash
// against a faked pgBackRest; the restore-target check; the real hosts_block function against a temporary hosts file.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadInventory } from "../../config/load";
import type { ClusterModel, Model } from "../../config/model";
import { BACKUP_HELPER, ETC_HOSTS, PGBACKREST_CONF_D } from "../../render/paths";
import { renderMemberConf, renderRepoConf } from "../../render/pgbackrest";
import { backupRepoStep, clusterBackupStep, memberBackupStep, pitrCheckStep } from "../../steps/backup";
import { hostsBlock } from "../../steps/hosts";
import { libraryFunctionText } from "../helpers/stepLibrary";
import { quote } from "../../steps/shell";
import type { HostStep } from "../../steps/step";
import { expectRanCleanly, fakeHost } from "../helpers/fakeHost";
import { pgTest, pinHostKeys, rawFixture } from "../helpers/inventoryFixtures";
import { unwrapScript } from "../helpers/shellRegions";

type RawInventory = { clusters: Record<string, { hosts: Record<string, Record<string, unknown>>; vars: Record<string, unknown> }> };
const raw = () => rawFixture("pg-test.stack.yaml") as RawInventory;
const load = (inv: RawInventory) => loadInventory(pinHostKeys(inv)).model;
const clusterOf = (model: Model, name: string): ClusterModel => model.clusters.find((c) => c.name === name)!;

/** pg-test and pg-pitr (10.10.10.14, created from pg-test's backups at `pitr`), both with `vars` merged. */
function fleet(vars: Record<string, unknown> = {}, pitr: Record<string, unknown> = { time: "2026-12-02 10:15:00+00" }): Model {
  const inv = raw();
  Object.assign(inv.clusters["pg-test"].vars, vars);
  inv.clusters["pg-pitr"] = { hosts: { "10.10.10.14": { pg_seq: 1, pg_role: "primary" } }, vars: { ...vars, pg_pitr: { cluster: "pg-test", ...pitr } } };
  return load(inv);
}

const { model } = pgTest();
const cluster = model.clusters[0];
const CIPHER_SLOT = "backup/backup-10-10-10-10/cipher";

const bashSyntax = (text: string) => spawnSync("bash", ["-n"], { input: text, encoding: "utf8" });

describe("every script parses with bash -n", () => {
  const variants: [string, Model][] = [
    ["defaults", model],
    ["cipher none", fleet({ pgbackrest_repo: { cipher: "none" } })],
    ["rm_backup", fleet({ rm_backup: true })],
    ["pgbackrest_clean", fleet({ pgbackrest_clean: true })],
    ["rm_backup and pgbackrest_clean", fleet({ rm_backup: true, pgbackrest_clean: true })],
    ["pg_pitr immediate", fleet({}, { immediate: true })],
    ["pg_pitr lsn", fleet({}, { lsn: "0/3000060" })],
  ];
  const scripts: [string, string][] = [];
  for (const [variant, m] of variants) {
    const steps: [string, HostStep][] = [
      ...m.backupRepos.map((r) => [`backupRepoStep ${r.name}`, backupRepoStep(m, r)] as [string, HostStep]),
      ...m.clusters.filter((c) => c.backup).flatMap((c) => [
        [`clusterBackupStep ${c.name}`, clusterBackupStep(c)] as [string, HostStep],
        ...c.instances.map((i) => [`memberBackupStep ${i.name}`, memberBackupStep(c, i)] as [string, HostStep]),
      ]),
      ...m.clusters.filter((c) => c.pitr).map((c) => [`pitrCheckStep ${c.name}`, pitrCheckStep(c)] as [string, HostStep]),
    ];
    for (const [name, step] of steps) {
      scripts.push([`${variant}: ${name} (create)`, step.create]);
      if (step.delete) scripts.push([`${variant}: ${name} (delete)`, step.delete]);
    }
  }

  test("all four step kinds are here", () => {
    for (const kind of ["backupRepoStep", "clusterBackupStep", "memberBackupStep", "pitrCheckStep"]) expect(scripts.some(([n]) => n.includes(kind))).toBe(true);
    expect(scripts.length).toBeGreaterThan(50);
  });

  test.each(scripts)("%s", (_name, wrapper) => {
    const inner = unwrapScript(wrapper);
    const check = bashSyntax(inner);
    expect(check.stderr).toBe("");
    expect(check.status).toBe(0);
    expect(bashSyntax(wrapper).status).toBe(0);
  });
});

describe("the repository's and a member's steps on a fake host", () => {
  const onHost = fakeHost();
  const HOSTS = "127.0.0.1 localhost\n";
  /** Runs `script` where the packages are installed and pgBackRest's server runs; /etc/hosts holds only localhost. */
  function run(script: string, secrets: Record<string, string> = {}) {
    const h = onHost();
    h.stub("dpkg-query", "echo 'install ok installed'");
    h.stub("systemctl");
    h.write(ETC_HOSTS, HOSTS);
    return h.run(script, { stdin: JSON.stringify(secrets) });
  }
  const tlsSecrets = { "tls/ca": "CA", "tls/pgbackrest/backup-10-10-10-10/cert": "CERT", "tls/pgbackrest/backup-10-10-10-10/key": "KEY" };
  const CONF = "/etc/pgbackrest/pgbackrest.conf";

  test("the repository: its config with the cipher passphrase filled (root and postgres only), its key the server's, every member in /etc/hosts", () => {
    const m = fleet();
    const step = backupRepoStep(m, m.backupRepos[0]);
    expect(step.secrets).toContain(CIPHER_SLOT);
    const r = run(step.create, { ...tlsSecrets, [CIPHER_SLOT]: "c1pher-SECRET" });
    expectRanCleanly(r);
    expect(onHost().read(CONF)).toBe(renderRepoConf(m, m.backupRepos[0]).replace(`{{secret:${CIPHER_SLOT}|raw}}`, "c1pher-SECRET"));
    expect(onHost().read(CONF)).toContain("repo1-cipher-pass=c1pher-SECRET\n");
    const owners = onHost().owners(r.calls);
    expect([onHost().mode(CONF), owners[CONF]]).toEqual(["0640", "root:postgres"]);
    expect([onHost().read("/etc/pigsty/tls/pgbackrest.key"), onHost().mode("/etc/pigsty/tls/pgbackrest.key"), owners["/etc/pigsty/tls/pgbackrest.key"]]).toEqual(["KEY\n", "0600", "postgres:postgres"]);
    expect(onHost().read(ETC_HOSTS)).toBe(`${HOSTS}# BEGIN pigsty pgbackrest-repo\n10.10.10.14 pg-pitr-1\n10.10.10.11 pg-test-1\n10.10.10.12 pg-test-2\n10.10.10.13 pg-test-3\n# END pigsty pgbackrest-repo\n`);
    expect(onHost().exists("/run/pigsty-hosts.lock")).toBe(true);
    expect(r.calls.filter((c) => c.startsWith("systemctl"))).toEqual(["systemctl reload-or-restart pgbackrest", "systemctl enable -q pgbackrest", "systemctl -q is-active pgbackrest"]);
  });

  test("an unencrypted repository: no passphrase asked for or written", () => {
    const m = fleet({ pgbackrest_repo: { cipher: "none" } });
    const off = backupRepoStep(m, m.backupRepos[0]);
    expect(off.secrets.filter((s) => s.startsWith("backup/"))).toEqual([]);
    expect(run(off.create, tlsSecrets).status).toBe(0);
    expect(onHost().read(CONF)).not.toContain("cipher");
    // Its TLS identity is the host's own, as with a passphrase.
    expect([...off.secrets].sort()).toEqual(Object.keys(tlsSecrets).sort());
  });

  test("the repository's removal takes its names out of /etc/hosts and stops the server, and keeps the repository", () => {
    const m = fleet();
    const step = backupRepoStep(m, m.backupRepos[0]);
    expect(run(step.create, { ...tlsSecrets, [CIPHER_SLOT]: "x" }).status).toBe(0);
    onHost().write("/var/lib/pgbackrest/archive/pg-test/archive.info", "kept\n");
    const r = onHost().run(step.delete!, { stdin: "{}" });
    expect(r.status).toBe(0);
    expect(onHost().read(ETC_HOSTS)).toBe(HOSTS);
    expect(r.calls).toEqual(["systemctl disable --now pgbackrest"]);
    expect(onHost().exists(CONF)).toBe(false);
    expect(onHost().read("/var/lib/pgbackrest/archive/pg-test/archive.info")).toBe("kept\n");
  });

  test("a member: its config, and only the repository host in /etc/hosts, taken out again by its removal", () => {
    const step = memberBackupStep(cluster, cluster.instances[2]);
    const r = run(step.create);
    expect(r.status).toBe(0);
    expect(onHost().read(CONF)).toBe(renderMemberConf(cluster, cluster.instances[2]));
    expect(onHost().owners(r.calls)[CONF]).toBe("root:postgres");
    expect(onHost().read(ETC_HOSTS)).toBe(`${HOSTS}# BEGIN pigsty pgbackrest\n10.10.10.10 backup-10-10-10-10\n# END pigsty pgbackrest\n`);
    expect(onHost().run(step.delete!).status).toBe(0);
    expect(onHost().read(ETC_HOSTS)).toBe(HOSTS);
  });
});

describe("secret slots", () => {
  test("a member's step declares no secret slot at all, and neither do the stanza's and the target check", () => {
    const m = fleet();
    for (const c of m.clusters) {
      for (const i of c.instances) expect(memberBackupStep(c, i).secrets).toEqual([]);
      expect(clusterBackupStep(c).secrets).toEqual([]);
    }
    expect(pitrCheckStep(clusterOf(m, "pg-pitr")).secrets).toEqual([]);
  });
});

/** A scratch dir with a fake pgBackRest (runuser), systemctl and backup helper; their calls are logged. */
class FakeHost {
  readonly dir = mkdtempSync(join(tmpdir(), "pigsty-backup-step-"));
  readonly helper = join(this.dir, "pigsty-backup");
  readonly confD = join(this.dir, "conf.d");
  readonly units = join(this.dir, "units");
  readonly calls = join(this.dir, "calls");

  constructor() {
    mkdirSync(this.confD);
    mkdirSync(this.units);
    writeFileSync(this.calls, "");
    // The helper: has-backup exits HAS_BACKUP; other commands print a line and exit HELPER_RC.
    writeFileSync(
      this.helper,
      [
        "#!/bin/bash",
        `{ printf 'helper'; printf ' [%s]' "$@"; echo; } >>${quote(this.calls)}`,
        'if [ "$1" = has-backup ]; then exit "${HAS_BACKUP:-1}"; fi',
        'echo "helper says $1"; echo "second line"',
        'exit "${HELPER_RC:-0}"',
      ].join("\n"),
    );
    chmodSync(this.helper, 0o755);
  }

  /** Fakes defined as bash functions. pgBackRest, like 2.45, needs pg1-path (the stanza's conf) for stanza-delete. */
  private fakes(): string[] {
    const calls = quote(this.calls);
    return [
      'say() { echo "SAY: $*"; }',
      `systemctl() { { printf 'systemctl'; printf ' [%s]' "$@"; echo; } >>${calls}; }`,
      "runuser() {",
      '  [ "$1 $2 $3 $4" = "-u postgres -- pgbackrest" ] || { echo "unexpected runuser $*" >&2; return 99; }',
      "  shift 4",
      `  { printf 'pgbackrest'; printf ' [%s]' "$@"; echo; } >>${calls}`,
      '  local stanza=${1#--stanza=} cmd=${!#}',
      '  case "$cmd" in',
      // The first stanza-create answers CREATE_OUT and CREATE_RC, a later one (after a stanza-delete) succeeds.
      `    stanza-create) [ ! -e ${quote(join(this.dir, "created"))} ] || return 0; touch ${quote(join(this.dir, "created"))}; [ -z "\${CREATE_OUT:-}" ] || echo "$CREATE_OUT"; return "\${CREATE_RC:-0}" ;;`,
      '    check) echo "check output"; return "${CHECK_RC:-0}" ;;',
      '    stanza-delete)',
      `      if [ ! -f ${quote(this.confD)}/"$stanza.conf" ] && [[ " $* " != *" --pg1-path="* ]]; then`,
      `        echo "ERROR: [037]: stanza-delete command requires option: pg1-path" >&2; echo "stanza-delete failed" >>${calls}; return 37`,
      "      fi",
      `      echo "stanza-delete done" >>${calls} ;;`,
      "  esac",
      "}",
    ];
  }

  /** Runs `lines` (a step's body with its host paths moved here) under the prologue's strict mode. */
  run(lines: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string; calls: string[] } {
    const body = lines
      .join("\n")
      .split(quote(BACKUP_HELPER))
      .join(quote(this.helper))
      .split("/etc/systemd/system/")
      .join(`${this.units}/`)
      .split(`${PGBACKREST_CONF_D}/`)
      .join(`${this.confD}/`);
    const text = ["set -euo pipefail", `work=$(mktemp -d ${quote(join(this.dir, "work.XXXXXX"))})`, ...this.fakes(), body].join("\n");
    const r = spawnSync("/bin/bash", ["-c", text], { encoding: "utf8", env: { ...process.env, ...env } });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, calls: readFileSync(this.calls, "utf8").split("\n").filter((l) => l !== "") };
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The script after its prologue (for a filesStep, after its files are installed). */
function bodyOf(wrapper: string, after: string | RegExp): string[] {
  const lines = unwrapScript(wrapper).split("\n");
  const matches = (l: string) => (typeof after === "string" ? l === after : after.test(l));
  const at = lines.findIndex(matches);
  if (at < 0 || lines.slice(at + 1).some(matches)) throw new Error(`no single line ${after}`);
  return lines.slice(at + 1);
}
/** The prologue's last line sources the step library. */
const PROLOGUE_END = /^\. "\$pigsty_lib\/step\.sh" /;
const FILES_END = 'rm -f "$pending" "$pending".*';

describe("the stanza's creation on the repository host, against a faked pgBackRest", () => {
  let host: FakeHost;
  beforeEach(() => (host = new FakeHost()));
  afterEach(() => host.remove());
  const create = (vars: Record<string, unknown> = {}) => bodyOf(clusterBackupStep(clusterOf(fleet(vars), "pg-test")).create, FILES_END);

  test("a new stanza: created, checked, a first full backup, then the timers", () => {
    const r = host.run(create());
    expectRanCleanly(r);
    expect(r.calls).toEqual([
      "pgbackrest [--stanza=pg-test] [stanza-create]",
      "helper [has-backup] [pg-test]",
      "pgbackrest [--stanza=pg-test] [check]",
      "helper [first] [pg-test]",
      "systemctl [enable] [-q] [--now] [pigsty-backup-pg-test-full.timer] [pigsty-backup-pg-test-diff.timer]",
      "helper [metrics] [pg-test]",
    ]);
    // The first backup's output reaches the engine's output line by line (the metrics' stays in the log).
    expect(r.stdout.split("\n").filter((l) => l.startsWith("SAY: "))).toEqual(["SAY: helper says first", "SAY: second line"]);
  });

  test("once the stanza has a backup, no check", () => {
    const r = host.run(create(), { HAS_BACKUP: "0" });
    expect(r.status).toBe(0);
    expect(r.calls.filter((c) => c.includes("[check]"))).toEqual([]);
  });

  test("a failed check stops the step, with the check's last lines", () => {
    const r = host.run(create(), { CHECK_RC: "1" });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("error: pgbackrest check of pg-test failed, so WAL does not reach the repository: check output. See /var/log/pgbackrest on backup-10-10-10-10 and on the leader.\n");
    expect(r.calls.some((c) => c.startsWith("helper [first]"))).toBe(false);
  });

  test("a failed first backup stops the step", () => {
    const r = host.run(create(), { HELPER_RC: "3" });
    expect(r.status).not.toBe(0);
    expect(r.calls.some((c) => c.startsWith("systemctl [enable]"))).toBe(false);
  });

  const MISMATCH = "ERROR: [028]: backup and archive info files exist but do not match the database\nHINT: is this the correct stanza?";

  test("a stanza of another database is refused without pgbackrest_clean, and nothing is deleted", () => {
    const r = host.run(create(), { CREATE_RC: "28", CREATE_OUT: MISMATCH });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      "error: the repository on backup-10-10-10-10 already holds a stanza pg-test of another database (an earlier cluster of that name), which this cluster cannot archive into; nothing was changed. Keep those backups by giving this cluster another name, or set clusters.pg-test.vars.pgbackrest_clean: true to delete them (dangerous), then run pulumi up again.\n",
    );
    expect(r.calls).toEqual(["pgbackrest [--stanza=pg-test] [stanza-create]"]);
  });

  test("with pgbackrest_clean: true, that stanza is deleted and created again", () => {
    writeFileSync(join(host.confD, "pg-test.conf"), "[pg-test]\npg1-path=/pg/data\n");
    const r = host.run(create({ pgbackrest_clean: true }), { CREATE_RC: "28", CREATE_OUT: MISMATCH });
    expectRanCleanly(r);
    expect(r.calls.slice(0, 6)).toEqual([
      "pgbackrest [--stanza=pg-test] [stanza-create]",
      "pgbackrest [--stanza=pg-test] [stop]",
      "pgbackrest [--stanza=pg-test] [--force] [stanza-delete]",
      "stanza-delete done",
      "pgbackrest [--stanza=pg-test] [start]",
      "pgbackrest [--stanza=pg-test] [stanza-create]",
    ]);
    expect(r.stdout).toContain("SAY: pgbackrest_clean is set: deleting stanza pg-test and its backups\n");
  });

  test("rm_backup acts at removal only: a stanza of another database is still refused, and nothing is deleted", () => {
    const r = host.run(create({ rm_backup: true }), { CREATE_RC: "28", CREATE_OUT: MISMATCH });
    expect(r.status).toBe(1);
    expect(r.calls).toEqual(["pgbackrest [--stanza=pg-test] [stanza-create]"]);
  });

  test("any other stanza-create failure stops the step with pgBackRest's words", () => {
    const r = host.run(create({ pgbackrest_clean: true }), { CREATE_RC: "41", CREATE_OUT: "ERROR: [041]: unable to open file" });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("error: stanza-create of pg-test failed: ERROR: [041]: unable to open file\n");
    expect(r.calls).toEqual(["pgbackrest [--stanza=pg-test] [stanza-create]"]);
  });
});

describe("the stanza's removal on the repository host, against a faked pgBackRest", () => {
  let host: FakeHost;
  beforeEach(() => {
    host = new FakeHost();
    // What the step's creation left: the stanza's conf (pg1-path...) and its units.
    writeFileSync(join(host.confD, "pg-test.conf"), "[pg-test]\npg1-path=/pg/data\n");
    for (const u of ["full.service", "full.timer", "diff.service", "diff.timer"]) writeFileSync(join(host.units, `pigsty-backup-pg-test-${u}`), "");
  });
  afterEach(() => host.remove());
  const removal = (vars: Record<string, unknown>) => bodyOf(clusterBackupStep(clusterOf(fleet(vars), "pg-test")).delete!, PROLOGUE_END);

  test("without rm_backup: timers stopped, units and stanza conf removed, the backups kept", () => {
    const r = host.run(removal({}));
    expect(r.status).toBe(0);
    expect(r.calls).toEqual([
      "systemctl [disable] [--now] [pigsty-backup-pg-test-full.timer] [pigsty-backup-pg-test-diff.timer]",
      "systemctl [daemon-reload]",
    ]);
    expect(existsSync(join(host.confD, "pg-test.conf"))).toBe(false);
    expect(existsSync(join(host.units, "pigsty-backup-pg-test-full.timer"))).toBe(false);
    expect(r.stdout).toBe('SAY: kept stanza pg-test and its backups in /var/lib/pgbackrest (README: "Backups and restore" says how to delete them)\n');
  });

  test("pgbackrest_clean acts at creation only: its removal keeps the backups", () => {
    const r = host.run(removal({ pgbackrest_clean: true }));
    expect(r.status).toBe(0);
    expect(r.calls.filter((c) => c.startsWith("pgbackrest"))).toEqual([]);
  });

  test("with rm_backup, a failed stanza-delete fails the removal (it runs again), never said to be done", () => {
    rmSync(join(host.confD, "pg-test.conf"));
    const r = host.run(removal({ rm_backup: true }));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("error: stanza-delete of pg-test failed; its backups are still in /var/lib/pgbackrest (see /var/log/pgbackrest on backup-10-10-10-10)\n");
    expect(r.stdout).not.toContain("deleted stanza");
  });

  test("with rm_backup: the stanza is stopped, deleted and started again", () => {
    const r = host.run(removal({ rm_backup: true }));
    expect(r.status).toBe(0);
    expect(r.calls.filter((c) => c.startsWith("pgbackrest"))).toEqual([
      "pgbackrest [--stanza=pg-test] [stop]",
      "pgbackrest [--stanza=pg-test] [--force] [stanza-delete]",
      "pgbackrest [--stanza=pg-test] [start]",
    ]);
    expect(r.stdout).toContain("SAY: rm_backup is set: deleted stanza pg-test and its backups\n");
  });

  // pgBackRest 2.45 requires pg1-path for stanza-delete (src/build/config/config.yaml: pg-path is required for every
  // command it lists but archive-push and manifest). The removal deletes /etc/pgbackrest/conf.d/<stanza>.conf, where
  // pg1-path is, BEFORE it runs stanza-delete without --pg1-path; the `|| true` then hides the failure and the step
  // says "deleted stanza ... and its backups" while every backup is still in the repository.
  it("with rm_backup, stanza-delete runs while pgBackRest still knows the stanza's pg1-path (so the backups are really deleted)", () => {
    const r = host.run(removal({ rm_backup: true }));
    expect(r.calls).toContain("stanza-delete done");
    expect(r.calls).not.toContain("stanza-delete failed");
  });
});

describe("the restore-target check before a pg_pitr cluster is created", () => {
  let host: FakeHost;
  beforeEach(() => (host = new FakeHost()));
  afterEach(() => host.remove());
  const check = (pitr?: Record<string, unknown>) => bodyOf(pitrCheckStep(clusterOf(fleet({}, pitr), "pg-pitr")).create, PROLOGUE_END);

  test("the helper checks the source's stanza at the target, passed as separate words; its lines are said", () => {
    const r = host.run(check());
    expectRanCleanly(r);
    expect(r.calls).toEqual(["helper [has-backup] [pg-pitr]", "helper [check-target] [pg-test] [time] [2026-12-02 10:15:00+00]"]);
    expect(r.stdout).toBe("SAY: helper says check-target\nSAY: second line\n");
  });

  test("a target without a value passes none", () => {
    expect(host.run(check({ immediate: true })).calls).toEqual(["helper [has-backup] [pg-pitr]", "helper [check-target] [pg-test] [immediate]"]);
  });

  test("a refused target fails the step", () => {
    const r = host.run(check(), { HELPER_RC: "1" });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("SAY: helper says check-target\n");
  });

  test("once the cluster has backups of its own, pg_pitr is not checked again", () => {
    const r = host.run(check(), { HAS_BACKUP: "0", HELPER_RC: "1" });
    expect(r.status).toBe(0);
    expect(r.calls).toEqual(["helper [has-backup] [pg-pitr]"]);
    expect(r.stdout).toBe("SAY: pg-pitr already has backups of its own: it was created, and pg_pitr acts only at creation\n");
  });
});

describe("hosts_block, the real function against a temporary hosts file", () => {
  let dir = "";
  let hosts = "";
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "pigsty-hosts-"));
    hosts = join(dir, "hosts");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** The step library's function (render/host/pigsty-step.sh), with /etc/hosts and its lock moved into the temp dir. */
  const fn = () => `etc_hosts=${quote(hosts)} hosts_lock=${quote(join(dir, "hosts.lock"))}\n${libraryFunctionText("hosts_block")}`;

  /** Runs `hosts_block name` with `lines` as steps/hosts.ts writes the call; returns what it said. */
  function block(name: string, lines: string[]): string {
    const text = ["set -euo pipefail", `work=$(mktemp -d ${quote(join(dir, "work.XXXXXX"))})`, 'say() { echo "SAY: $*"; }', fn(), hostsBlock(name, lines)].join("\n");
    const r = spawnSync("/bin/bash", ["-c", text], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`hosts_block failed (${r.status}): ${r.stderr}`);
    return r.stdout;
  }
  const read = () => readFileSync(hosts, "utf8");

  const FOREIGN = "127.0.0.1 localhost\n::1 localhost ip6-localhost\n10.10.10.11 pg-test-1.example pg-test-1-alias\n";

  // That the function as written uses /etc/hosts and a lock under /run is shown by the steps' runs above.
  test("these runs never touch the real /etc/hosts", () => {
    expect(fn()).not.toContain("/etc/hosts");
  });

  test("adds a block after the foreign lines, and says so", () => {
    writeFileSync(hosts, FOREIGN);
    expect(block("pgbackrest", ["10.10.10.10 backup-10-10-10-10"])).toBe(`SAY: changed ${hosts} (pgbackrest)\n`);
    expect(read()).toBe(`${FOREIGN}# BEGIN pigsty pgbackrest\n10.10.10.10 backup-10-10-10-10\n# END pigsty pgbackrest\n`);
  });

  test("the same lines again change nothing and say nothing", () => {
    writeFileSync(hosts, FOREIGN);
    block("pgbackrest", ["10.10.10.10 backup-10-10-10-10"]);
    const before = read();
    expect(block("pgbackrest", ["10.10.10.10 backup-10-10-10-10"])).toBe("");
    expect(read()).toBe(before);
  });

  test("replaces its block whole, keeping other blocks and foreign lines", () => {
    writeFileSync(hosts, FOREIGN);
    block("other", ["10.10.10.99 other-1"]);
    block("pgbackrest-repo", ["10.10.10.11 pg-test-1", "10.10.10.12 pg-test-2", "10.10.10.13 pg-test-3"]);
    expect(block("pgbackrest-repo", ["10.10.10.11 pg-test-1", "10.10.10.13 pg-test-3", "10.10.10.14 pg-test-4"])).toBe(`SAY: changed ${hosts} (pgbackrest-repo)\n`);
    expect(read()).toBe(
      `${FOREIGN}# BEGIN pigsty other\n10.10.10.99 other-1\n# END pigsty other\n` +
        "# BEGIN pigsty pgbackrest-repo\n10.10.10.11 pg-test-1\n10.10.10.13 pg-test-3\n10.10.10.14 pg-test-4\n# END pigsty pgbackrest-repo\n",
    );
  });

  test("no lines remove its block only, and say so; removing an absent block says nothing", () => {
    writeFileSync(hosts, FOREIGN);
    block("other", ["10.10.10.99 other-1"]);
    block("pgbackrest", ["10.10.10.10 backup-10-10-10-10"]);
    expect(block("pgbackrest", [])).toBe(`SAY: changed ${hosts} (pgbackrest)\n`);
    expect(read()).toBe(`${FOREIGN}# BEGIN pigsty other\n10.10.10.99 other-1\n# END pigsty other\n`);
    expect(block("pgbackrest", [])).toBe("");
    expect(read()).toBe(`${FOREIGN}# BEGIN pigsty other\n10.10.10.99 other-1\n# END pigsty other\n`);
  });

  test("a block whose name is a prefix of another's leaves that one alone", () => {
    writeFileSync(hosts, FOREIGN);
    block("pgbackrest-repo", ["10.10.10.11 pg-test-1"]);
    block("pgbackrest", ["10.10.10.10 backup-10-10-10-10"]);
    block("pgbackrest", []);
    expect(read()).toBe(`${FOREIGN}# BEGIN pigsty pgbackrest-repo\n10.10.10.11 pg-test-1\n# END pigsty pgbackrest-repo\n`);
  });

  test("the file is rewritten in place (a bind-mounted /etc/hosts keeps its inode)", () => {
    writeFileSync(hosts, FOREIGN);
    const { ino } = statSync(hosts);
    block("pgbackrest", ["10.10.10.10 backup-10-10-10-10"]);
    expect(statSync(hosts).ino).toBe(ino);
  });

  // The function drops its block and appends the new one at the end: a block followed by anything (another step's
  // block, a line an admin or cloud-init added later) moves on every run, so the same lines rewrite the file and
  // say "changed" (two steps' blocks on one host would swap places on every run of either step).
  it("the same lines again change nothing even when its block is not the last thing in the file", () => {
    writeFileSync(hosts, FOREIGN);
    block("pgbackrest", ["10.10.10.10 backup-10-10-10-10"]);
    block("other", ["10.10.10.99 other-1"]);
    const before = read();
    expect(block("pgbackrest", ["10.10.10.10 backup-10-10-10-10"])).toBe("");
    expect(read()).toBe(before);
  });
});
