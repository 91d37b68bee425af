// The roles and databases steps (steps/cluster.ts) run their SQL on whichever member leads now: their real script
// against a scratch root (test/helpers/fakeHost.ts), with Patroni's helper naming the leader and psql standing in.
import { PATRONI_HELPER } from "../../render/paths";
import { rolesStep } from "../../steps/cluster";
import { fakeHost } from "../helpers/fakeHost";
import { pgTest } from "../helpers/inventoryFixtures";

const cluster = pgTest().model.clusters[0];
const step = rolesStep(cluster);
const PSQL = "/usr/lib/postgresql/15/bin/psql";
const ADMIN_PASSWORD = "adm:in\\pw-SECRET";
const host = fakeHost();

/** Runs the roles step on a host with addresses `ips`, where the helper names `leader`; psql keeps what it was given. */
function run(leader: string, ips = "10.10.10.12") {
  const h = host();
  h.stub(PATRONI_HELPER, `echo ${leader}`);
  h.stub("hostname", `if [ "$1" = -I ]; then echo ${ips}; else echo vm; fi`);
  h.stub("runuser", 'shift 3; exec "$@"');
  // What psql ran (its -f file) and the pgpass it was given, kept beside the root.
  h.stub(PSQL, 'while [ $# -gt 0 ]; do [ "$1" = -f ] && cp "$2" "$ROOT/ran.sql"; shift; done; [ -z "${PGPASSFILE:-}" ] || cp -p "$PGPASSFILE" "$ROOT/pgpass"');
  const secrets = Object.fromEntries(step.secrets.map((s) => [s, s === "pg-test/admin" ? ADMIN_PASSWORD : `${s}-pw`]));
  return h.run(step.create, { stdin: JSON.stringify(secrets) });
}

test("from a replica: over the network to the leader as the admin, whose password is only in a 0600 pgpass", () => {
  const r = run("10.10.10.11");
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  expect(r.calls.filter((c) => c.startsWith(PSQL))).toEqual([
    expect.stringMatching(new RegExp(`^${PSQL} -X -q -v ON_ERROR_STOP=1 -h 10\\.10\\.10\\.11 -p 5432 -U dbuser_dba -d postgres -f /tmp/pigsty\\.\\w+/sql$`)),
  ]);
  expect(host().read("/pgpass")).toBe("*:*:*:dbuser_dba:adm\\:in\\\\pw-SECRET\n");
  expect(host().mode("/pgpass")).toBe("0600");
  expect(r.said).toEqual(["roles and users of pg-test: done on 10.10.10.11"]);
});

test("the SQL holds SCRAM verifiers, never a password or a placeholder", () => {
  expect(run("10.10.10.11").status).toBe(0);
  const sql = host().read("/ran.sql");
  expect(sql).toMatch(/PASSWORD \$pigsty_pw\$SCRAM-SHA-256\$4096:/);
  for (const leak of ["SECRET", "-pw", "{{secret:"]) expect(sql).not.toContain(leak);
});

test("on the leader: through the local socket as postgres, which may read the SQL", () => {
  const r = run("10.10.10.11", "10.0.2.15 10.10.10.11");
  expect(r.status).toBe(0);
  expect(r.calls).toContainEqual(expect.stringMatching(new RegExp(`^runuser -u postgres -- ${PSQL} -X -q -v ON_ERROR_STOP=1 -d postgres -f /tmp/pigsty\\.\\w+/sql$`)));
  expect(r.calls).toContainEqual(expect.stringMatching(/^chown postgres \/tmp\/pigsty\.\w+ \/tmp\/pigsty\.\w+\/sql$/));
  expect(host().exists("/pgpass")).toBe(false);
});

test("no leader right now: the step fails and says when to run again, and no SQL runs", () => {
  const r = run("");
  expect(r.status).toBe(1);
  expect(r.stderr).toContain("error: cluster has no leader right now; run pulumi up again when patronictl list shows one");
  expect(r.calls.some((c) => c.startsWith(PSQL) || c.startsWith("runuser"))).toBe(false);
});
