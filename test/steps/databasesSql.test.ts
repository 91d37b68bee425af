// The databases SQL with allowconn: false: it never connects to a database while that database refuses connections,
// and it leaves every database's ALLOW_CONNECTIONS as the inventory says, on the first run and on every later one.
import { loadInventory } from "../../config/load";
import { databasesSql } from "../../steps/sql";
import { rawFixture } from "../helpers/inventoryFixtures";

function cluster(databases: Record<string, unknown>[]) {
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
  const { refused, allow } = play(databasesSql(cluster(databases)), start);
  expect(refused).toEqual([]);
  expect(allow).toMatchObject({ app: true, tmpl: false, archive: false });
});

test("a database that refuses connections is opened only around its schemas and extensions, then closed again", () => {
  const lines = databasesSql(cluster(databases)).split("\n");
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
  const sql = databasesSql(cluster(databases));
  expect(sql).not.toContain(`\\connect "archive"`);
  expect(sql.split("\n").filter((l) => l.includes(`"archive" ALLOW_CONNECTIONS`))).toEqual([`ALTER DATABASE "archive" ALLOW_CONNECTIONS false;`]);
});
