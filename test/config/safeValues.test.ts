// Passwords: any printable text is accepted (the host escapes it per file); what no file can carry is
// refused, naming the field and never the value.
import { loadInventory, InventoryError } from "../../config/load";
import { pinHostKeys, rawFixture } from "../helpers/inventoryFixtures";
import { HOSTILE_PASSWORDS } from "../helpers/hostilePasswords";

function load(edit: (vars: any) => void) {
  const raw = pinHostKeys(rawFixture("pg-test.stack.yaml") as any);
  edit(raw.clusters["pg-test"].vars);
  return loadInventory(raw);
}

test("every hostile but printable password is accepted in every password field", () => {
  for (const pw of HOSTILE_PASSWORDS) {
    const { secrets } = load((v) => {
      for (const k of ["pg_dbsu_password", "pg_replication_password", "pg_monitor_password", "pg_admin_password", "patroni_password", "haproxy_admin_password"]) v[k] = pw;
      v.pg_users[0].password = pw;
    });
    expect(secrets["pg-test/monitor"]).toBe(pw);
    expect(secrets["pg-test/user/dbuser_test"]).toBe(pw);
  }
});

test.each([
  ["a line break", "Secret.1\nx"],
  ["a tab", "a\tb"],
  ["NUL", "a\0b"],
  ["a C1 control", "a\u0085b"],
  ["a lone surrogate", "a\ud800b"],
  ["a noncharacter", "a\uffffb"],
  ["a byte order mark", "\ufeffab"],
])("a password with %s is refused without showing it", (_, pw) => {
  let thrown: unknown;
  try {
    load((v) => (v.pg_admin_password = `${pw}-Hunter2`));
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(InventoryError);
  const message = (thrown as Error).message;
  expect(message).toContain("clusters.pg-test.vars.pg_admin_password: the given value (hidden, a password) has a line break");
  expect(message).not.toContain("Hunter2");
});

test("a password of 1024 bytes is accepted, 1025 refused", () => {
  expect(load((v) => (v.pg_admin_password = "é".repeat(512))).secrets["pg-test/admin"]).toHaveLength(512);
  expect(() => load((v) => (v.pg_admin_password = `x${"é".repeat(512)}`))).toThrow("is longer than 1024 bytes (UTF-8)");
});
