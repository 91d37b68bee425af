// Postgres settings checked against PostgreSQL 15's catalogue: each kind of refusal by its exact message, the forms
// Postgres accepts, and where the inventory's settings are checked (pg_parameters, role and database parameters).
// test/scripts/pgSettingsCatalogue.real.test.ts holds the same checks against a real server (real-tools tier).
import { DEFAULT_PG_PARAMETERS } from "../../config/defaults";
import { settingProblem } from "../../config/pgSettings";
import { loadProblems, rawFixture } from "../helpers/inventoryFixtures";

describe("refusals, by kind", () => {
  test.each([
    ["an unknown name, with the closest one", "wrk_mem", "64MB", "wrk_mem is not a PostgreSQL 15 setting. Did you mean work_mem?"],
    [
      "an unknown name nothing is close to",
      "no_such_thing_at_all",
      "1",
      "no_such_thing_at_all is not a PostgreSQL 15 setting. Check the name in PostgreSQL 15's documentation (an extension's setting is written extension.name, e.g. pg_stat_statements.max).",
    ],
    ["a Patroni setting", "synchronous_mode", "on", "synchronous_mode is Patroni's setting, not a Postgres parameter (Patroni drops it from the parameters). Move it to the cluster's Patroni settings: patroni.synchronous_mode."],
    [
      "a name a checked extension does not define",
      "pg_stat_statements.maxx",
      1000,
      "pg_stat_statements.maxx is not a setting of pg_stat_statements: once the extension is loaded, PostgreSQL refuses the names under its prefix that it does not define. Did you mean pg_stat_statements.max?",
    ],
    ["a read-only setting", "block_size", 8192, "block_size is read-only: PostgreSQL fixes it when it is built or the cluster is initialised. Remove it."],
    ["a wrong boolean", "jit", "enabled", '"enabled" is not a boolean. Use on or off (PostgreSQL also takes true/false, yes/no, 1/0).'],
    ["a number for a boolean other than 1/0", "jit", 2, "2 is not a boolean. Use on or off (PostgreSQL also takes true/false, yes/no, 1/0)."],
    ["a wrong enum value", "wal_level", "archiv", '"archiv" is not a value of wal_level. Use one of: minimal, replica, logical.'],
    ["an integer below its minimum", "max_connections", 0, "0 is out of range for max_connections. Use 1 to 262143."],
    ["an integer that is no number", "max_connections", "many", '"many" is not a whole number. max_connections takes a whole number from 1 to 262143.'],
    ["true for an integer", "max_connections", true, "true is not a whole number. max_connections takes a whole number from 1 to 262143."],
    ["a real above its maximum", "checkpoint_completion_target", 1.5, "1.5 is out of range for checkpoint_completion_target. Use 0 to 1."],
    ["an extension's integer out of range", "pg_stat_statements.max", 50, "50 is out of range for pg_stat_statements.max. Use 100 to 1073741823."],
    ["an extension's enum", "pg_stat_statements.track", "some", '"some" is not a value of pg_stat_statements.track. Use one of: none, top, all.'],
    [
      "a size in a unit of the wrong case",
      "work_mem",
      "64mb",
      '"64mb" is not a size. work_mem takes a plain number of kB (64 to 2147483647 kB), or a number with one of the units TB, GB, MB, kB, B (case matters), e.g. 1GB.',
    ],
    [
      "a duration given as a size",
      "checkpoint_timeout",
      "1GB",
      '"1GB" is not a duration. checkpoint_timeout takes a plain number of seconds (30 to 86400 seconds), or a number with one of the units d, h, min, s, ms, us (case matters), e.g. 5min.',
    ],
    ["a size beyond a C int", "work_mem", "2TB", '"2TB" is out of range for work_mem. Use 64 to 2147483647 kB.'],
    ["a size out of range after conversion", "work_mem", "32kB", '"32kB" (32 kB) is out of range for work_mem. Use 64 to 2147483647 kB.'],
    ["8kB blocks out of range after conversion", "shared_buffers", "64kB", '"64kB" (8 8kB blocks) is out of range for shared_buffers. Use 16 to 1073741823 8kB blocks.'],
    ["a duration out of range after conversion", "checkpoint_timeout", "2d", '"2d" (172800 seconds) is out of range for checkpoint_timeout. Use 30 to 86400 seconds.'],
    ["a unit on a setting without one", "max_connections", "100kB", '"100kB" is not a whole number. max_connections takes a whole number from 1 to 262143.'],
  ])("%s", (_kind, name, value, message) => {
    expect(settingProblem(name, value, "cluster")).toBe(message);
  });

  test.each([
    ["role", "shared_buffers", "1GB", "shared_buffers cannot be set per role: it takes effect only when the server starts, so ALTER ROLE ... SET refuses it. Set it for the whole cluster in pg_parameters, or remove it."],
    ["database", "archive_command", "/bin/true", "archive_command cannot be set per database: it is read from the server's configuration only, so ALTER DATABASE ... SET refuses it. Set it for the whole cluster in pg_parameters, or remove it."],
    ["role", "log_connections", true, "log_connections cannot be set per role: it is fixed when a session starts, so ALTER ROLE ... SET refuses it. Set it for the whole cluster in pg_parameters, or remove it."],
  ] as const)("per %s: %s, a server-wide setting", (scope, name, value, message) => {
    expect(settingProblem(name, value, scope)).toBe(message);
  });
});

describe("accepted forms", () => {
  test.each([
    ["jit", ["on", "OFF", "true", "False", "yes", "no", "1", "0", "t", "of", true, false, 1, 0]],
    ["work_mem", [65536, "65536", "64MB", "1GB", "1.5GB", "64 MB", " 64MB ", "0x10000", "65536kB", "67108864B", "2047GB"]],
    ["shared_buffers", ["128MB", 16384, "1GB"]],
    ["checkpoint_timeout", ["5min", 300, "300s", "1h", "1d", "30000ms"]],
    ["log_min_duration_statement", [-1, "250ms", "1s", "0.5s"]],
    ["vacuum_cost_delay", [0, "2ms", "0.5ms", 2.5, "100us"]],
    ["wal_level", ["replica", "LOGICAL", "hot_standby", "archive"]],
    ["synchronous_commit", ["remote_apply", "off", false, true, "yes", 0]],
    ["ssl_max_protocol_version", ["", "TLSv1.3"]],
    ["DateStyle", ["ISO, MDY"]],
    ["timezone", ["UTC"]],
    ["Work_Mem", ["64MB"]],
    ["auto_explain.log_min_duration", ["5min", -1, 250]],
    ["pg_stat_statements.track", ["all", "TOP"]],
    ["citus.node_conninfo", ["sslmode=prefer"]],
    ["pigsty.anything", ["free text", 42, true]],
  ] as const)("%s", (name, values) => {
    for (const value of values) expect([value, settingProblem(name, value, "cluster")]).toEqual([value, undefined]);
  });

  test("per role and database: what a session may set, extensions' settings and placeholders", () => {
    for (const [name, value] of [["work_mem", "64MB"], ["search_path", '"$user", public'], ["statement_timeout", "30s"], ["log_statement", "all"], ["auto_explain.log_min_duration", "1s"], ["app.tenant", "a"]]) {
      expect([name, settingProblem(name, value, "role"), settingProblem(name, value, "database")]).toEqual([name, undefined, undefined]);
    }
  });

  test("the default parameters every cluster starts from pass", () => {
    for (const [name, value] of Object.entries(DEFAULT_PG_PARAMETERS)) expect([name, settingProblem(name, value, "cluster")]).toEqual([name, undefined]);
  });
});

describe("in the inventory", () => {
  function problemsOf(edit: (vars: Record<string, any>, raw: any) => void): string[] {
    const raw = rawFixture("pg-test.stack.yaml") as any;
    edit(raw.clusters["pg-test"].vars, raw);
    return loadProblems(raw);
  }
  const V = "clusters.pg-test.vars";

  test("users', default roles', databases' parameters and pg_parameters are each checked where they are written", () => {
    const found = problemsOf((v) => {
      v.pg_parameters = { max_connections: 300, work_mem: "1gb" };
      v.pg_users[0].parameters = { shared_buffers: "1GB" };
      v.pg_default_roles = [{ name: "dbrole_readonly", login: false, parameters: { statement_timeout: "forever" } }];
      v.pg_databases[0].parameters = { enable_seqscan: "never" };
    });
    expect(found).toEqual([
      `${V}.pg_users[0].parameters.shared_buffers: shared_buffers cannot be set per role: it takes effect only when the server starts, so ALTER ROLE ... SET refuses it. Set it for the whole cluster in pg_parameters, or remove it.`,
      `${V}.pg_default_roles[0].parameters.statement_timeout: "forever" is not a duration. statement_timeout takes a plain number of milliseconds (0 to 2147483647 milliseconds), or a number with one of the units d, h, min, s, ms, us (case matters), e.g. 5min.`,
      `${V}.pg_databases[0].parameters.enable_seqscan: "never" is not a boolean. Use on or off (PostgreSQL also takes true/false, yes/no, 1/0).`,
      `${V}.pg_parameters.work_mem: "1gb" is not a size. work_mem takes a plain number of kB (64 to 2147483647 kB), or a number with one of the units TB, GB, MB, kB, B (case matters), e.g. 1GB.`,
    ]);
  });

  test("global vars are reported once, under vars", () => {
    expect(problemsOf((_v, raw) => (raw.vars = { pg_parameters: { max_wal_senders: 300000 } }))).toEqual([
      "vars.pg_parameters.max_wal_senders: 300000 is out of range for max_wal_senders. Use 0 to 262143.",
    ]);
  });

  test("a value with a line break gets that message only", () => {
    expect(problemsOf((v) => (v.pg_parameters = { work_mem: "64MB\narchive_mode = on" }))).toHaveLength(1);
  });
});
