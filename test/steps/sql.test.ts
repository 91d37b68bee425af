// SQL of the roles and databases steps (steps/sql.ts): setting names quoted, no plaintext password reaches SQL (the host
// puts SCRAM verifiers in), no password can end the dollar quoting around it; with allowconn: false, the databases SQL
// never connects to a database while that database refuses connections, and leaves every database's ALLOW_CONNECTIONS
// as the inventory says, on the first run and on every later one. The roles step that runs it: test/steps/cluster.test.ts.
import { spawnSync } from "node:child_process";
import { createHash, createHmac, pbkdf2Sync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadInventory } from "../../config/load";
import { placeholdersIn } from "../../render/placeholders";
import { SCRAM_FILL } from "../../steps/scram";
import { databasesSql, rolesSql } from "../../steps/sql";
import { rawFixture } from "../helpers/inventoryFixtures";

function cluster(edit: (vars: any) => void = () => undefined) {
  const raw = rawFixture("pg-test.stack.yaml") as any;
  edit(raw.clusters["pg-test"].vars);
  return loadInventory(raw).model.clusters[0];
}

/** Runs the host's SCRAM filler on `sql` with `secrets`, as the roles step does. */
function fillOnHost(sql: string, secrets: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), "pigsty-scram-"));
  writeFileSync(join(dir, "scram.py"), SCRAM_FILL);
  writeFileSync(join(dir, "secrets.json"), JSON.stringify(secrets));
  writeFileSync(join(dir, "sql.in"), sql);
  return spawnSync("python3", [join(dir, "scram.py"), join(dir, "secrets.json"), join(dir, "sql.in")], { encoding: "utf8" });
}

const VERIFIER = /^SCRAM-SHA-256\$4096:([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/;

/** True when `verifier` is the SCRAM-SHA-256 verifier of `password` (RFC 5802/7677 as Postgres stores it). */
function verifies(verifier: string, password: string): boolean {
  const m = VERIFIER.exec(verifier);
  if (!m) return false;
  const salted = pbkdf2Sync(Buffer.from(password, "utf8"), Buffer.from(m[1], "base64"), 4096, 32, "sha256");
  const stored = createHash("sha256").update(createHmac("sha256", salted).update("Client Key").digest()).digest("base64");
  const server = createHmac("sha256", salted).update("Server Key").digest("base64");
  return stored === m[2] && server === m[3];
}

test("role settings are quoted setting names with literal values", () => {
  const c = cluster((v) => (v.pg_users[0].parameters = { search_path: "app, public", "auto_explain.log_min_duration": "1s" }));
  const sql = rolesSql(c);
  expect(sql).toContain(`ALTER ROLE "dbuser_test" SET "search_path" = 'app, public';`);
  expect(sql).toContain(`ALTER ROLE "dbuser_test" SET "auto_explain"."log_min_duration" = '1s';`);
});

test("a name that could end a DO block is refused even if validation were bypassed", () => {
  const c = cluster();
  c.users[0] = { ...c.users[0], name: "x$$; DROP TABLE t; $$" };
  expect(() => rolesSql(c)).toThrow(/DO block body holds \$\$/);
});

describe("passwords become SCRAM verifiers on the host", () => {
  const hostile = "pw'$pigsty_pw$; DROP ROLE dbuser_dba; --\n\\ end";
  const sql = rolesSql(cluster());

  test("no plaintext password reaches the SQL, and the dollar quoting stays closed", () => {
    const slots = placeholdersIn(sql);
    expect(slots).toEqual(expect.arrayContaining(["pg-test/admin", "pg-test/monitor", "pg-test/replication", "pg-test/user/dbuser_test"]));
    const r = fillOnHost(sql, Object.fromEntries(slots.map((s) => [s, hostile])));
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).not.toContain("DROP ROLE dbuser_dba");
    expect(r.stdout).not.toContain("pw'");
    expect(r.stdout).not.toContain("{{secret:");
    const literals = [...r.stdout.matchAll(/PASSWORD \$pigsty_pw\$(.*?)\$pigsty_pw\$;$/gm)].map((m) => m[1]);
    expect(literals).toHaveLength(slots.length);
    for (const v of literals) expect(verifies(v, hostile)).toBe(true);
  });

  test("the salt is random, so verifiers differ between runs but each verifies", () => {
    const text = "ALTER ROLE x PASSWORD $pigsty_pw${{secret:a|scram}}$pigsty_pw$;\n";
    const [one, two] = [fillOnHost(text, { a: "s3cret" }).stdout, fillOnHost(text, { a: "s3cret" }).stdout];
    expect(one).not.toBe(two);
    for (const out of [one, two]) expect(verifies(out.split("$pigsty_pw$")[1], "s3cret")).toBe(true);
  });

  test("a non-ASCII password is normalized (SASLprep) as libpq normalizes it at login", () => {
    const out = fillOnHost("{{secret:a|scram}}", { a: "Ⅸ ｐａｓｓ" }).stdout;
    expect(verifies(out, "IX pass")).toBe(true);
  });

  test("an inventory password that already is a verifier or an md5 hash is used as it is", () => {
    const given = "SCRAM-SHA-256$4096:c2FsdA==$c3RvcmVk:c2VydmVy";
    expect(fillOnHost("{{secret:a|scram}} {{secret:b|scram}}", { a: given, b: "md5" + "0".repeat(32) }).stdout).toBe(`${given} md5${"0".repeat(32)}`);
  });

  test("a placeholder in SQL without the scram format is refused: its text would reach the server", () => {
    for (const bad of ["{{secret:a}}", "{{secret:a|yaml}}"]) {
      const r = fillOnHost(`PASSWORD $pigsty_pw$${bad}$pigsty_pw$`, { a: "hunter2" });
      expect(r.status).toBe(1);
      expect(r.stderr.trim()).toBe("error: secret slot a in SQL must have the format scram, so it becomes a verifier");
    }
  });

  test("a slot missing from stdin fails the step, naming only the slot", () => {
    const r = fillOnHost("{{secret:pg-test/admin|scram}}", {});
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe("error: no password for slot pg-test/admin on stdin");
  });
});

describe("the databases SQL with allowconn: false", () => {
  function withDatabases(databases: Record<string, unknown>[]) {
    const raw = rawFixture("pg-test.stack.yaml") as any;
    raw.clusters["pg-test"].vars.pg_databases = databases;
    return loadInventory(raw).model.clusters[0];
  }

  /**
   * Plays the script's ALLOW_CONNECTIONS statements and \connect commands against `start` (each database's
   * datallowconn before the run): returns the databases it would connect to while they refuse, and the end state.
   */
  function play(sql: string, start: Record<string, boolean>) {
    const allow: Record<string, boolean> = { postgres: true, ...start };
    const refused: string[] = [];
    for (const line of sql.split("\n")) {
      // CREATE DATABASE (run through \gexec only when missing) makes a database that allows connections.
      const create = /^SELECT 'CREATE DATABASE "(\w+)"/.exec(line);
      if (create) allow[create[1]] ??= true;
      const alter = /^ALTER DATABASE "(\w+)" ALLOW_CONNECTIONS (true|false);$/.exec(line);
      if (alter) allow[alter[1]] = alter[2] === "true";
      const connect = /^\\connect "?(\w+)"?$/.exec(line);
      if (connect && allow[connect[1]] !== true) refused.push(connect[1]);
    }
    return { refused, allow };
  }

  const databases = [
    { name: "app", owner: "dbuser_test", extensions: ["pg_stat_statements"], schemas: ["app"] },
    { name: "tmpl", allowconn: false, extensions: ["pg_trgm"], schemas: ["shared"] },
    { name: "archive", allowconn: false },
  ];

  test.each([
    ["a first run (new databases)", {}],
    ["a later run (tmpl and archive already refuse connections)", { app: true, tmpl: false, archive: false }],
  ])("%s connects only where connections are allowed and ends as configured", (_run, start) => {
    const { refused, allow } = play(databasesSql(withDatabases(databases)), start);
    expect(refused).toEqual([]);
    expect(allow).toMatchObject({ app: true, tmpl: false, archive: false });
  });

  test("a database that refuses connections is opened only around its schemas and extensions, then closed again", () => {
    const lines = databasesSql(withDatabases(databases)).split("\n");
    const from = lines.indexOf(`ALTER DATABASE "tmpl" ALLOW_CONNECTIONS true;`);
    expect(lines.slice(from, from + 6)).toEqual([
      `ALTER DATABASE "tmpl" ALLOW_CONNECTIONS true;`,
      `\\connect "tmpl"`,
      `CREATE SCHEMA IF NOT EXISTS "shared" AUTHORIZATION "postgres";`,
      `CREATE EXTENSION IF NOT EXISTS "pg_trgm";`,
      "\\connect postgres",
      `ALTER DATABASE "tmpl" ALLOW_CONNECTIONS false;`,
    ]);
  });

  test("without schemas or extensions the script never connects to the database", () => {
    const sql = databasesSql(withDatabases(databases));
    expect(sql).not.toContain(`\\connect "archive"`);
    expect(sql.split("\n").filter((l) => l.includes(`"archive" ALLOW_CONNECTIONS`))).toEqual([`ALTER DATABASE "archive" ALLOW_CONNECTIONS false;`]);
  });
});
