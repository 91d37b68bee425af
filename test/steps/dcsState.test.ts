// A cluster's state in the DCS (steps/dcsState.ts), its real scripts against a scratch root with etcdctl standing in:
// the cluster's etcd user may read and write its own prefix only, its password reaches etcdctl on stdin, root's in the
// environment; a prefix this stack did not create is refused; the removal clears the prefix and the user.
import { loadInventory } from "../../config/load";
import { dcsStateStep } from "../../steps/dcsState";
import { fakeHost } from "../helpers/fakeHost";
import { pinHostKeys, rawFixture } from "../helpers/inventoryFixtures";

const { model } = loadInventory(pinHostKeys(rawFixture("pg-test.stack.yaml") as object));
const step = dcsStateStep(model, model.clusters[0]);
const SECRETS = JSON.stringify({ "dcs/etcd_root": "root-pw", "pg-test/etcd": "etcd-pw", "tls/ca": "CA" });
const host = fakeHost();
const ETCD = "etcdctl --command-timeout=5s --endpoints=https://10.10.10.10:2379";

/** etcdctl answers as root only; the DCS holds `keys` under the cluster's prefix and the role and user exist if `known`. */
function etcd(keys = "", known = false): void {
  host().stub(
    "etcdctl",
    [
      '[ "$ETCDCTL_USER" = root:root-pw ] || { echo "not root: $ETCDCTL_USER" >&2; exit 9; }',
      'case "$*" in',
      '  *" user add "*|*" user passwd "*) echo "stdin: $(paste -sd, -)" >>"$CALLS" ;;',
      `  *" get --prefix --keys-only "*) printf '%s' ${JSON.stringify(keys)} ;;`,
      `  *" user get "*|*" role get "*) exit ${known ? 0 : 1} ;;`,
      "esac",
    ].join("\n"),
  );
}

test("a new cluster: its role reads and writes its own prefix, its user gets the password on stdin, root acts", () => {
  expect(step.secrets.sort()).toEqual(["dcs/etcd_root", "pg-test/etcd", "tls/ca"]);
  etcd();
  const r = host().run(step.create, { stdin: SECRETS });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  expect(r.calls.filter((c) => !c.startsWith("own "))).toEqual([
    `${ETCD} endpoint health`,
    `${ETCD} get --prefix --keys-only /pg/pg-test/`,
    `${ETCD} role get patroni-pg-test`,
    `${ETCD} role add patroni-pg-test`,
    `${ETCD} role grant-permission patroni-pg-test --prefix=true readwrite /pg/pg-test/`,
    `${ETCD} user get patroni-pg-test`,
    `${ETCD} user add patroni-pg-test`,
    "stdin: etcd-pw,etcd-pw",
    `${ETCD} user grant-role patroni-pg-test patroni-pg-test`,
  ]);
  expect(host().mode("/etc/pigsty/etcd-root.env")).toBe("0600");
  expect(host().read("/var/lib/pigsty/dcs/pg-test")).toBe("10.10.10.10:2379\n");
});

test("on a later run the user's password is set again, and the cluster's own keys are no reason to refuse", () => {
  etcd();
  host().run(step.create, { stdin: SECRETS });
  etcd("/pg/pg-test/leader\n", true);
  const r = host().run(step.create, { stdin: SECRETS });
  expect(r.status).toBe(0);
  expect(r.calls).toContain(`${ETCD} user passwd patroni-pg-test`);
  expect(r.calls.filter((c) => / (role|user) add /.test(c))).toEqual([]);
});

test("keys of a cluster of that name which this stack did not create are refused, and nothing is granted", () => {
  etcd("/pg/pg-test/leader\n");
  const r = host().run(step.create, { stdin: SECRETS });
  expect(r.status).toBe(1);
  expect(r.stderr).toContain("error: the DCS at 10.10.10.10:2379 already holds a cluster pg-test (keys under /pg/pg-test/), which this stack did not create; nothing was changed.");
  expect(r.calls.filter((c) => / (role|user) /.test(c))).toEqual([]);
  expect(host().exists("/var/lib/pigsty/dcs/pg-test")).toBe(false);
});

test("the removal clears the cluster's prefix, its user and its role", () => {
  etcd();
  host().run(step.create, { stdin: SECRETS });
  const r = host().run(step.delete!, { stdin: SECRETS });
  expect(r.status).toBe(0);
  expect(r.calls).toEqual([`${ETCD} del --prefix /pg/pg-test/`, `${ETCD} user delete patroni-pg-test`, `${ETCD} role delete patroni-pg-test`]);
  expect(host().exists("/var/lib/pigsty/dcs/pg-test")).toBe(false);
  expect(r.said).toEqual(["cleared /pg/pg-test/ and the user patroni-pg-test in the DCS"]);
});
