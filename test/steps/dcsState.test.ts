// A cluster's state in the DCS (steps/dcsState.ts), its real scripts against a scratch root with etcdctl standing in:
// the cluster's etcd user may read and write its own prefix only, its password reaches etcdctl on stdin, root's in the
// environment; a prefix this stack did not create is refused; the removal clears the prefix and the user; a cluster with
// its own DCS acts there as that DCS's root, and pauses itself in the DCS it leaves as its Patroni user.
import { loadInventory } from "../../config/load";
import { dcsStateStep } from "../../steps/dcsState";
import { expectRanCleanly, fakeHost } from "../helpers/fakeHost";
import { throwawayCa } from "../helpers/throwawayPki";
import { onInfraNode, pinHostKeys, rawFixture, twoMemberPgTest } from "../helpers/inventoryFixtures";

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

describe("a cluster with its own DCS (clusters.<c>.dcs)", () => {
  const std = { hosts: { "10.10.10.15": { pg_seq: 1, pg_role: "primary" } }, vars: { pg_upstream: "pg-test" }, dcs: { name: "site-b", servers: { "site-b-1": "10.10.10.15" } } };
  const own = loadInventory(onInfraNode({ clusters: { "pg-test": twoMemberPgTest(), "pg-std": std } })).model;
  const ownStep = dcsStateStep(own, own.clusters.find((c) => c.name === "pg-std")!);
  // A real CA: the pause program loads it for the members' REST APIs.
  const OWN_SECRETS = JSON.stringify({ "dcs/site-b/etcd_root": "site-b-pw", "pg-std/etcd": "etcd-pw", "tls/ca": throwawayCa().cert });
  const OWN = "etcdctl --command-timeout=5s --endpoints=https://10.10.10.15:2379";

  /** etcdctl logs who it runs as; the cluster's config in the DCS it leaves is `{}` (never paused). */
  function etcdAsAnyone(): void {
    host().stub(
      "etcdctl",
      ['echo "  as ${ETCDCTL_USER%%:*} with ${ETCDCTL_USER#*:}" >>"$CALLS"', 'case "$*" in', "  *\" get /pg/pg-std/config \"*) echo '{}' ;;", '  *" user get "*|*" role get "*) exit 1 ;;', "esac"].join("\n"),
    );
  }

  test("moving onto it from the stack's DCS: the pause in the DCS left acts as the cluster's Patroni user, the rest as the own DCS's root", () => {
    expect(ownStep.secrets.sort()).toEqual(["dcs/site-b/etcd_root", "pg-std/etcd", "tls/ca"]);
    etcdAsAnyone();
    host().write("/var/lib/pigsty/dcs/pg-std", "10.10.10.10:2379\n");
    const r = host().run(ownStep.create, { stdin: OWN_SECRETS });
    expectRanCleanly(r);
    const old = "etcdctl --endpoints=https://10.10.10.10:2379 --command-timeout=5s";
    expect(r.calls.filter((c) => !c.startsWith("own ")).slice(0, 10)).toEqual([
      `${OWN} endpoint health`,
      "  as root with site-b-pw",
      `${OWN} get --prefix --keys-only /pg/pg-std/`,
      "  as root with site-b-pw",
      `${old} get /pg/pg-std/config --print-value-only`,
      "  as patroni-pg-std with etcd-pw",
      `${old} put /pg/pg-std/config {"pause":true}`,
      "  as patroni-pg-std with etcd-pw",
      `${old} get --prefix /pg/pg-std/members/ --print-value-only`,
      "  as patroni-pg-std with etcd-pw",
    ]);
    expect(host().mode("/etc/pigsty/etcd-root-site-b.env")).toBe("0600");
    expect(host().exists("/etc/pigsty/etcd-root.env")).toBe(false);
    expect(host().read("/var/lib/pigsty/dcs/pg-std")).toBe("10.10.10.15:2379\n");
  });
});
