// Backup and restore keys (pgbackrest_*, pg_pitr): each refused input by its path and message, the infra-node
// warning, and the repository hosts the model lists.
import { loadInventory, type LoadResult } from "../../config/load";
import { FAKE_HOST_KEY, loadProblems, pinHostKeys } from "../helpers/inventoryFixtures";

type Vars = Record<string, unknown>;
type Inv = { vars?: Vars; ssh?: Record<string, unknown>; clusters: Record<string, { hosts: Record<string, unknown>; vars: Vars }> };

/** A host outside every cluster, pinned, to hold a repository. */
const SPARE = "10.10.10.20";

/** pg-test on 10.10.10.11-12 (backups on the infra node 10.10.10.10 by default); `edit` adds or changes the rest. */
function inventory(edit: (inv: Inv) => void): unknown {
  const inv: Inv = {
    ssh: { host_keys: { [SPARE]: FAKE_HOST_KEY } },
    clusters: {
      "pg-test": { hosts: { "10.10.10.11": { pg_seq: 1, pg_role: "primary" }, "10.10.10.12": { pg_seq: 2, pg_role: "replica" } }, vars: {} },
    },
  };
  edit(inv);
  return pinHostKeys({ infra: { ip: "10.10.10.10" }, dcs: { servers: { "meta-1": "10.10.10.10" } }, ...inv });
}

/** Errors as `<path>: <message>` lines, [] when the inventory loads. */
const errors = (edit: (inv: Inv) => void): string[] => loadProblems(inventory(edit));

function loads(edit: (inv: Inv) => void): LoadResult {
  return loadInventory(inventory(edit));
}

/** The warnings about backups (one-member clusters also get the no-offline-member warning, not under test here). */
const backupWarnings = (r: LoadResult) => r.warnings.filter((p) => !/\.pg_services\[\d+\]\.selector$/.test(p.path));

/** pg-x on 10.10.10.14, created from `pitr` (a pg_pitr value). */
const pitrCluster = (pitr: unknown, vars: Vars = {}) => (inv: Inv) => {
  inv.clusters["pg-x"] = { hosts: { "10.10.10.14": { pg_seq: 1, pg_role: "primary" } }, vars: { pg_pitr: pitr, ...vars } };
};

const X = "clusters.pg-x.vars";
const T = "clusters.pg-test.vars";

describe("pg_pitr's target", () => {
  test("a target is required", () => {
    expect(errors(pitrCluster({ cluster: "pg-test" }))).toEqual([`${X}.pg_pitr: names no recovery target. Add exactly one of time, lsn, xid, name or immediate: true.`]);
  });

  test("only one target", () => {
    expect(errors(pitrCluster({ cluster: "pg-test", time: "2026-12-02 10:15:00+00", xid: 1234 }))).toEqual([
      `${X}.pg_pitr: names 2 recovery targets (time, xid). Keep exactly one.`,
    ]);
    expect(errors(pitrCluster({ cluster: "pg-test", lsn: "0/3000060", name: "before-upgrade", immediate: true }))).toEqual([
      `${X}.pg_pitr: names 3 recovery targets (lsn, name, immediate). Keep exactly one.`,
    ]);
  });

  test.each(["2026-12-02 10:15:00", "2026-12-02T10:15:00", "2026-12-02 10:15", "2026-13-02 10:15:00+00", "2026-12-02 25:15:00+00", "2026-12-02 10:15:00 CET", "yesterday"])(
    "the time %j is refused: a zone is required and the time must exist",
    (time) => {
      expect(errors(pitrCluster({ cluster: "pg-test", time }))).toEqual([
        `${X}.pg_pitr.time: ${JSON.stringify(time)} is not a time with a zone. Write it as YYYY-MM-DD HH:MM:SS+00 (or with Z), e.g. the output of SELECT clock_timestamp().`,
      ]);
    },
  );

  // Date.parse rolls 2026-02-30 over to March 2, so the check takes it; Postgres (recovery_target_time) and the
  // helper's parse_time (datetime.fromisoformat) refuse it, the latter only at deploy time, with a traceback.
  it("a date that does not exist (February 30) is refused like any other bad time", () => {
    const time = "2026-02-30 10:15:00+00";
    expect(errors(pitrCluster({ cluster: "pg-test", time }))).toEqual([
      `${X}.pg_pitr.time: ${JSON.stringify(time)} is not a time with a zone. Write it as YYYY-MM-DD HH:MM:SS+00 (or with Z), e.g. the output of SELECT clock_timestamp().`,
    ]);
  });

  test.each(["2026-12-02 10:15:00+00", "2026-12-02 10:15:00+05:30", "2026-12-02 10:15:00+0530", "2026-12-02 10:15:00-03", "2026-12-02 10:15:00Z", "2026-12-02 10:15:00 UTC", "2026-12-02T10:15:00.123456+00"])(
    "the time %j is taken as it is",
    (time) => {
      const x = loads(pitrCluster({ cluster: "pg-test", time })).model.clusters.find((c) => c.name === "pg-x")!;
      expect(x.pitr).toEqual({ source: "pg-test", type: "time", target: time });
    },
  );

  test.each(["0/", "3000060", "0/3000060/1", "G/1", "0/123456789", " 0/3000060"])("the lsn %j is refused", (lsn) => {
    expect(errors(pitrCluster({ cluster: "pg-test", lsn }))).toEqual([
      `${X}.pg_pitr.lsn: ${JSON.stringify(lsn)} is not a WAL location. Write it as pg_current_wal_lsn() prints it, e.g. 0/3000060.`,
    ]);
  });

  test("each kind of target reaches the model as pgBackRest's --type and --target", () => {
    const target = (pitr: Vars) => loads(pitrCluster({ cluster: "pg-test", ...pitr })).model.clusters.find((c) => c.name === "pg-x")!.pitr;
    expect(target({ lsn: "0/3000060" })).toEqual({ source: "pg-test", type: "lsn", target: "0/3000060" });
    expect(target({ xid: 1234 })).toEqual({ source: "pg-test", type: "xid", target: "1234" });
    expect(target({ name: "before-upgrade" })).toEqual({ source: "pg-test", type: "name", target: "before-upgrade" });
    expect(target({ immediate: true })).toEqual({ source: "pg-test", type: "immediate" });
  });
});

describe("pg_pitr's source", () => {
  test("an unknown cluster", () => {
    expect(errors(pitrCluster({ cluster: "pg-nope", immediate: true }))).toEqual([
      `${X}.pg_pitr.cluster: "pg-nope" is not a cluster of this stack. Name a cluster under clusters whose backups to restore (one of pg-test, pg-x).`,
    ]);
  });

  test("restore and data_loss_acknowledged on a cluster created from another are refused", () => {
    expect(errors(pitrCluster({ cluster: "pg-test", immediate: true, restore: 1, data_loss_acknowledged: true }))).toEqual([
      `${X}.pg_pitr: restore and data_loss_acknowledged apply only to an in-place restore (pg_pitr.cluster naming pg-x itself); pg-x is created from pg-test. Remove them.`,
    ]);
  });

  test("a cluster without backups (pgbackrest_enabled: false)", () => {
    expect(
      errors((inv) => {
        inv.clusters["pg-test"].vars.pgbackrest_enabled = false;
        pitrCluster({ cluster: "pg-test", immediate: true })(inv);
      }),
    ).toEqual([`${X}.pg_pitr.cluster: pg-test keeps no backups (pgbackrest_enabled is false), so there is nothing to restore from. Name a cluster with backups.`]);
  });

  test("the restored cluster needs backups itself", () => {
    expect(errors(pitrCluster({ cluster: "pg-test", immediate: true }, { pgbackrest_enabled: false }))).toEqual([
      `${X}.pgbackrest_enabled: pg-x is restored from pg-test's backups through pgBackRest, so it needs pgbackrest_enabled: true.`,
    ]);
  });

  test("the restored cluster's repository is its source's", () => {
    expect(errors(pitrCluster({ cluster: "pg-test", immediate: true }, { pgbackrest_repo: { host: SPARE } }))).toEqual([
      `${X}.pgbackrest_repo.host: pg-x is restored from pg-test, whose repository is on 10.10.10.10: put pg-x's repository on the same host.`,
    ]);
  });

  test("a well-formed restore loads, with both clusters in one repository", () => {
    const loaded = loads(pitrCluster({ cluster: "pg-test", time: "2026-12-02 10:15:00+00" }));
    const { model } = loaded;
    expect(backupWarnings(loaded)).toEqual([]);
    expect(model.backupRepos).toEqual([{ ip: "10.10.10.10", name: "backup-10-10-10-10", path: "/var/lib/pgbackrest", cipher: true, clusters: ["pg-test", "pg-x"] }]);
    const x = model.clusters.find((c) => c.name === "pg-x")!;
    expect(x.backup?.stanza).toBe("pg-x");
    expect(x.pitr).toEqual({ source: "pg-test", type: "time", target: "2026-12-02 10:15:00+00" });
  });
});

/** pg_pitr on pg-test itself (an in-place restore). */
const inPlace = (pitr: Vars, vars: Vars = {}) => (inv: Inv) => {
  Object.assign(inv.clusters["pg-test"].vars, { pg_pitr: { cluster: "pg-test", ...pitr }, ...vars });
};
const AT = "2026-12-02 10:15:00+00";

describe("an in-place restore (pg_pitr naming the cluster itself)", () => {
  test("needs a restore number, named with the fix", () => {
    expect(errors(inPlace({ time: AT, data_loss_acknowledged: true }))).toEqual([
      `${T}.pg_pitr.restore: is missing: pg_pitr naming pg-test itself restores it in place, which runs once per number. Add restore: 1 (raise it for each later restore) and data_loss_acknowledged: true, or name another cluster to create pg-test from.`,
    ]);
  });

  test.each([0, -1, 1.5, "1"])("refuses the restore number %p", (restore) => {
    expect(errors(inPlace({ time: AT, restore })).map((e) => e.split(":")[0])).toEqual([`${T}.pg_pitr.restore`]);
  });

  test("refuses a malformed time as for a new cluster", () => {
    expect(errors(inPlace({ time: "2026-12-02 10:15", restore: 1 }))).toEqual([
      `${T}.pg_pitr.time: "2026-12-02 10:15" is not a time with a zone. Write it as YYYY-MM-DD HH:MM:SS+00 (or with Z), e.g. the output of SELECT clock_timestamp().`,
    ]);
  });

  test("needs the cluster's own backups", () => {
    expect(errors(inPlace({ immediate: true, restore: 1 }, { pgbackrest_enabled: false }))).toEqual([
      `${T}.pg_pitr.cluster: pg-test keeps no backups (pgbackrest_enabled is false), so there is nothing to restore it from.`,
    ]);
  });

  test("without the acknowledgement loads (the policy pack refuses it), warning what is lost", () => {
    const loaded = loads(inPlace({ time: AT, restore: 2 }));
    const c = loaded.model.clusters.find((x) => x.name === "pg-test")!;
    expect(c.pitr).toEqual({ source: "pg-test", type: "time", target: AT, inPlace: { number: 2, acknowledged: false } });
    expect(backupWarnings(loaded).map((p) => `${p.path}: ${p.message}`)).toEqual([
      `${T}.pg_pitr: restores pg-test in place to time ${AT}: every write after it is lost (the WAL after it stays in the repository); members stop during the restore. ` +
        "It runs once for restore number 2: once that has run, a changed target does nothing until restore is raised.",
    ]);
  });

  test("with the acknowledgement, the model says so", () => {
    const c = loads(inPlace({ lsn: "0/3000060", restore: 1, data_loss_acknowledged: true })).model.clusters.find((x) => x.name === "pg-test")!;
    expect(c.pitr?.inPlace).toEqual({ number: 1, acknowledged: true });
  });

  test("data_loss_acknowledged accepts only true", () => {
    expect(errors(inPlace({ immediate: true, restore: 1, data_loss_acknowledged: false })).map((e) => e.split(":")[0])).toEqual([`${T}.pg_pitr.data_loss_acknowledged`]);
  });
});

describe("the repository host", () => {
  test("a member of the cluster it keeps is refused", () => {
    expect(errors((inv) => (inv.clusters["pg-test"].vars.pgbackrest_repo = { host: "10.10.10.12" }))).toEqual([
      `${T}.pgbackrest_repo.host: 10.10.10.12 is pg-test-2, a member of pg-test: losing that host would lose the backups with the data. Put the repository on a host outside the cluster (the infra node by default).`,
    ]);
  });

  test("a repository host set fleet-wide is reported at its path under vars", () => {
    expect(errors((inv) => (inv.vars = { pgbackrest_repo: { host: "10.10.10.11" } }))).toEqual([
      `vars.pgbackrest_repo.host: 10.10.10.11 is pg-test-1, a member of pg-test: losing that host would lose the backups with the data. Put the repository on a host outside the cluster (the infra node by default).`,
    ]);
  });

  test("a member of another cluster with backups is refused (one pgBackRest per host)", () => {
    const lines = errors((inv) => {
      inv.clusters["pg-other"] = { hosts: { "10.10.10.14": { pg_seq: 1, pg_role: "primary" } }, vars: { pgbackrest_repo: { host: "10.10.10.11" } } };
    });
    expect(lines).toEqual([
      `clusters.pg-other.vars.pgbackrest_repo.host: 10.10.10.11 is pg-test-1, whose own cluster keeps backups: one host runs one pgBackRest (one config, one server port 8432). Put the repository on a host that is not a member of a cluster with backups.`,
    ]);
  });

  test("a member of another cluster without backups may hold a repository", () => {
    const { model } = loads((inv) => {
      inv.clusters["pg-other"] = { hosts: { "10.10.10.14": { pg_seq: 1, pg_role: "primary" } }, vars: { pgbackrest_enabled: false } };
      inv.clusters["pg-test"].vars.pgbackrest_repo = { host: "10.10.10.14" };
    });
    expect(model.backupRepos.map((r) => [r.ip, r.clusters])).toEqual([["10.10.10.14", ["pg-test"]]]);
  });

  test.each([
    ["paths", { path: "/data/backups" }],
    ["ciphers", { cipher: "none" }],
  ])("two clusters on one repository host with different %s are refused", (_what, repo) => {
    expect(
      errors((inv) => {
        inv.clusters["pg-other"] = { hosts: { "10.10.10.14": { pg_seq: 1, pg_role: "primary" } }, vars: { pgbackrest_repo: repo } };
      }),
    ).toEqual([
      `clusters.pg-test.vars.pgbackrest_repo: pg-test and pg-other keep their backups on 10.10.10.10, one repository, but set a different path or cipher. Give both the same pgbackrest_repo.path and cipher (or put them on different hosts).`,
    ]);
  });

  test("a repository host off every cluster needs a pinned host key, like every host commands run on", () => {
    const lines = errors((inv) => {
      inv.ssh = {};
      inv.clusters["pg-test"].vars.pgbackrest_repo = { host: SPARE };
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^ssh\.host_keys\.10\.10\.10\.20: no pinned host key for 10\.10\.10\.20, /);
  });

  // pgBackRest's TLS server listens on 8432 on every member with backups (tls-server-address = the member's IP), a
  // fixed port like etcd's metrics listener, yet a cluster port set to 8432 is not reported: Postgres would then fail
  // to bind 0.0.0.0:8432 (or pgBackRest its address), on a member that the inventory check let through.
  it("a cluster port that collides with pgBackRest's fixed server port 8432 is refused", () => {
    const lines = errors((inv) => (inv.clusters["pg-test"].vars.pg_port = 8432));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^clusters\.pg-test\.vars\.pg_port: port 8432 on 10\.10\.10\.11 is already used by .*8432/);
  });
});

describe("a cluster with a member on the infra node", () => {
  const withMeta = (vars: Vars) => (inv: Inv) => {
    inv.clusters["pg-meta"] = { hosts: { "10.10.10.10": { pg_seq: 1, pg_role: "primary" } }, vars };
  };

  test("has no backups unless pgbackrest_repo.host is set: a warning, not an error", () => {
    const loaded = loads(withMeta({}));
    const { model } = loaded;
    expect(backupWarnings(loaded).map((p) => [p.severity, `${p.path}: ${p.message}`])).toEqual([
      [
        "warning",
        "clusters.pg-meta.vars.pgbackrest_repo: pg-meta-1 runs on the infra node 10.10.10.10, where backups go by default, so pg-meta has no backups: they would share its disk. Set pgbackrest_repo.host to a host outside pg-meta (or pgbackrest_enabled: false to silence this).",
      ],
    ]);
    expect(model.clusters.find((c) => c.name === "pg-meta")!.backup).toBeUndefined();
    // pg-test keeps its backups on the infra node: the host of a cluster without backups.
    expect(model.backupRepos.map((r) => [r.ip, r.clusters])).toEqual([["10.10.10.10", ["pg-test"]]]);
  });

  test("pgbackrest_enabled: false silences the warning", () => {
    expect(backupWarnings(loads(withMeta({ pgbackrest_enabled: false })))).toEqual([]);
  });

  test("with pgbackrest_repo.host set it has backups there, and no warning", () => {
    const loaded = loads((inv) => {
      withMeta({ pgbackrest_repo: { host: SPARE } })(inv);
      inv.clusters["pg-test"].vars.pgbackrest_repo = { host: SPARE };
    });
    const { model } = loaded;
    expect(backupWarnings(loaded)).toEqual([]);
    expect(model.clusters.find((c) => c.name === "pg-meta")!.backup?.repo).toEqual({ ip: SPARE, name: "backup-10-10-10-20", path: "/var/lib/pgbackrest", cipher: true });
    expect(model.backupRepos.map((r) => [r.ip, r.clusters])).toEqual([[SPARE, ["pg-meta", "pg-test"]]]);
  });

  // Such a cluster has pgbackrest_enabled: true (the default) yet no backups (the warning above, which is not shown
  // when loading fails). The refusals of a restore from it, or of its own pg_pitr, say pgbackrest_enabled is false
  // (or must be set true), which sends the user to the wrong key: the fix is pgbackrest_repo.host.
  it("restoring from it is refused for the real reason (no repository host), not for pgbackrest_enabled", () => {
    const lines = errors((inv) => {
      withMeta({})(inv);
      pitrCluster({ cluster: "pg-meta", immediate: true })(inv);
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^clusters\.pg-x\.vars\.pg_pitr\.cluster: /);
    expect(lines[0]).not.toContain("pgbackrest_enabled is false");
    expect(lines[0]).toContain("pgbackrest_repo.host");
  });

  it("its own pg_pitr is refused for the real reason (no repository host), not for pgbackrest_enabled", () => {
    const lines = errors((inv) => {
      inv.clusters["pg-x"] = { hosts: { "10.10.10.10": { pg_seq: 1, pg_role: "primary" } }, vars: { pg_pitr: { cluster: "pg-test", immediate: true } } };
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain("so it needs pgbackrest_enabled: true");
    expect(lines[0]).toContain("pgbackrest_repo.host");
  });

  test("its backups on the infra node, another backed-up cluster's repository, are refused", () => {
    // pg-meta backs up to SPARE, so its member 10.10.10.10 runs pgBackRest as a member: pg-test cannot use it as a repository.
    expect(errors(withMeta({ pgbackrest_repo: { host: SPARE } }))).toEqual([
      `${T}.pgbackrest_repo.host: 10.10.10.10 is pg-meta-1, whose own cluster keeps backups: one host runs one pgBackRest (one config, one server port 8432). Put the repository on a host that is not a member of a cluster with backups.`,
    ]);
  });
});

describe("archive parameters", () => {
  test("pg_parameters may not set what the backups own, while the cluster has backups", () => {
    expect(errors((inv) => (inv.clusters["pg-test"].vars.pg_parameters = { archive_mode: "off", archive_command: "/bin/true", restore_command: "cp x y", max_connections: 200 }))).toEqual(
      ["archive_mode", "archive_command", "restore_command"].map(
        (k) => `${T}.pg_parameters.${k}: is set by the cluster's backups (pgBackRest archives WAL through it). Remove it from pg_parameters, or set pgbackrest_enabled: false to archive your own way.`,
      ),
    );
  });

  test("while the backups own them, their message stands whatever the value; without backups the value is checked like any other", () => {
    const owned = `${T}.pg_parameters.ARCHIVE_MODE: is set by the cluster's backups (pgBackRest archives WAL through it). Remove it from pg_parameters, or set pgbackrest_enabled: false to archive your own way.`;
    expect(errors((inv) => (inv.clusters["pg-test"].vars.pg_parameters = { ARCHIVE_MODE: "sometimes" }))).toEqual([owned]);
    expect(errors((inv) => Object.assign(inv.clusters["pg-test"].vars, { pgbackrest_enabled: false, pg_parameters: { archive_mode: "sometimes" } }))).toEqual([
      `${T}.pg_parameters.archive_mode: "sometimes" is not a value of archive_mode. Use one of: always, on, off.`,
    ]);
  });

  test("without backups they are the cluster's own", () => {
    const { model } = loads((inv) => Object.assign(inv.clusters["pg-test"].vars, { pgbackrest_enabled: false, pg_parameters: { archive_mode: "on", archive_command: "/bin/true" } }));
    expect(model.clusters[0].parameters).toMatchObject({ archive_mode: "on", archive_command: "/bin/true" });
  });
});

describe("model.backupRepos", () => {
  test("each repository host once, with the clusters it keeps, sorted by IP and name", () => {
    const { model } = loads((inv) => {
      inv.clusters["pg-b"] = { hosts: { "10.10.10.14": { pg_seq: 1, pg_role: "primary" } }, vars: { pgbackrest_repo: { host: SPARE, cipher: "none", path: "/srv/backups" } } };
      inv.clusters["pg-a"] = { hosts: { "10.10.10.15": { pg_seq: 1, pg_role: "primary" } }, vars: { pgbackrest_repo: { host: SPARE, cipher: "none", path: "/srv/backups" } } };
      inv.clusters["pg-c"] = { hosts: { "10.10.10.16": { pg_seq: 1, pg_role: "primary" } }, vars: {} };
      inv.clusters["pg-off"] = { hosts: { "10.10.10.17": { pg_seq: 1, pg_role: "primary" } }, vars: { pgbackrest_enabled: false } };
    });
    expect(model.backupRepos).toEqual([
      { ip: "10.10.10.10", name: "backup-10-10-10-10", path: "/var/lib/pgbackrest", cipher: true, clusters: ["pg-c", "pg-test"] },
      { ip: SPARE, name: "backup-10-10-10-20", path: "/srv/backups", cipher: false, clusters: ["pg-a", "pg-b"] },
    ]);
    expect(model.clusters.find((c) => c.name === "pg-off")!.backup).toBeUndefined();
  });

  test("the cluster's backup settings reach its model", () => {
    const { model } = loads((inv) => {
      inv.clusters["pg-test"].vars = {
        pgbackrest_repo: { retention_full: 4 },
        pgbackrest_schedule: { full: "daily", diff: "*-*-* 12:00:00" },
        pgbackrest_backup_standby: true,
        pgbackrest_archive_queue_max: "512MB",
        pgbackrest_clean: true,
        rm_backup: true,
      };
    });
    expect(model.clusters[0].backup).toEqual({
      stanza: "pg-test",
      repo: { ip: "10.10.10.10", name: "backup-10-10-10-10", path: "/var/lib/pgbackrest", cipher: true },
      retentionFull: 4,
      schedule: { full: "daily", diff: "*-*-* 12:00:00" },
      backupStandby: true,
      archiveQueueMax: "512MB",
      clean: true,
      removeWithCluster: true,
    });
  });

  test("no cluster with backups, no repository", () => {
    expect(loads((inv) => (inv.clusters["pg-test"].vars.pgbackrest_enabled = false)).model.backupRepos).toEqual([]);
  });
});
