// Roles/databases SQL: idempotent statements, passwords only as placeholders, drops only when marked absent.
import { loadInventory } from "../../config/load";
import { databasesSql, rolesSql } from "../../steps/sql";
import { renderPgbouncerUserlist } from "../../render/pgbouncer";
import { rawFixture } from "../helpers/inventoryFixtures";

function cluster(edit: (vars: any) => void = () => undefined) {
  const raw = rawFixture("pg-test.stack.yaml") as any;
  edit(raw.clusters["pg-test"].vars);
  return loadInventory(raw).model.clusters[0];
}

test("users are created if missing, then altered to match, with the password as a placeholder", () => {
  const sql = rolesSql(cluster());
  expect(sql).toContain(`DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'dbuser_test') THEN CREATE ROLE "dbuser_test"; END IF; END$$;`);
  expect(sql).toContain('ALTER ROLE "dbuser_test" PASSWORD $pigsty_pw${{secret:pg-test/user/dbuser_test|scram}}$pigsty_pw$;');
  expect(sql).toContain(`GRANT "dbrole_readwrite" TO "dbuser_test";`);
  expect(sql).not.toContain("DBUser.Test");
  expect(sql).not.toMatch(/DROP/);
});

test("a line that vanished from config drops nothing", () => {
  const c = cluster((v) => {
    v.pg_users = [];
    v.pg_databases = [];
  });
  expect(rolesSql(c) + databasesSql(c)).not.toMatch(/DROP/);
});

test("state: absent drops the database (confirmed with drop: true) and then the user, and pgbouncer forgets the user", () => {
  const c = cluster((v) => {
    v.pg_users[0].state = "absent";
    v.pg_databases[0].state = "absent";
    v.pg_databases[0].drop = true;
  });
  const sql = databasesSql(c);
  expect(sql.trim().split("\n").slice(-2)).toEqual(['DROP DATABASE IF EXISTS "test" WITH (FORCE);', 'DROP ROLE IF EXISTS "dbuser_test";']);
  expect(rolesSql(c)).not.toContain("dbuser_test");
  expect(renderPgbouncerUserlist(c)).not.toContain("dbuser_test");
});
