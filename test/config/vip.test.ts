// The L2 VIP keys (vip_mode l2): the derived VIP and router id, and each refused input with its message.
import { inventoryFromPigstyYaml, loadInventory, InventoryError } from "../../config/load";
import { formatProblem } from "../../config/problems";
import { assignVrids, derivedVrid, MAX_VRID } from "../../config/vip";
import { pinHostKeys } from "../helpers/inventoryFixtures";

const HOSTS = { "10.10.10.11": { pg_seq: 1, pg_role: "primary" }, "10.10.10.12": { pg_seq: 2, pg_role: "replica" }, "10.10.10.13": { pg_seq: 3, pg_role: "replica" } };

function inventory(clusters: Record<string, { hosts: Record<string, unknown>; vars: Record<string, unknown> }>) {
  return pinHostKeys({ infra: { ip: "10.10.10.10" }, dcs: { servers: { "meta-1": "10.10.10.10" } }, clusters });
}

const l2 = (vars: Record<string, unknown> = {}) => inventory({ "pg-test": { hosts: HOSTS, vars: { vip_mode: "l2", vip_address: "10.10.10.99", ...vars } } });

/** The VIP's problems (errors, or else warnings); other warnings of these small inventories are left out. */
function problems(raw: unknown): string[] {
  return allProblems(raw).filter((p) => p.includes(".vip_"));
}

function allProblems(raw: unknown): string[] {
  try {
    const { warnings } = loadInventory(raw);
    return warnings.map(formatProblem);
  } catch (e) {
    if (!(e instanceof InventoryError)) throw e;
    return e.problems.map(formatProblem);
  }
}

const V = "clusters.pg-test.vars";

test("vip_mode l2 derives the VIP with Pigsty's defaults (mask 24, eth0) and a router id from the cluster's name", () => {
  const { model } = loadInventory(l2());
  expect(model.clusters[0].vip).toEqual({ address: "10.10.10.99", cidrmask: 24, interface: "eth0", vrid: derivedVrid("pg-test") });
  const explicit = loadInventory(l2({ vip_cidrmask: 16, vip_interface: "ens3", vip_vrid: 7 })).model.clusters[0].vip;
  expect(explicit).toEqual({ address: "10.10.10.99", cidrmask: 16, interface: "ens3", vrid: 7 });
});

test("a cluster without vip_mode l2 has no VIP", () => {
  expect(loadInventory(inventory({ "pg-test": { hosts: HOSTS, vars: {} } })).model.clusters[0].vip).toBeUndefined();
});

test("router ids: stable per name, in 1-255, collisions resolved in name order around explicit ids", () => {
  for (const name of ["pg-test", "pg-meta", "a", "pg-" + "x".repeat(60)]) {
    expect(derivedVrid(name)).toBeGreaterThanOrEqual(1);
    expect(derivedVrid(name)).toBeLessThanOrEqual(MAX_VRID);
    expect(derivedVrid(name)).toBe(derivedVrid(name));
  }
  const own = derivedVrid("pg-b");
  // pg-a asks for pg-b's derived id explicitly: pg-b takes the next one.
  const ids = assignVrids([{ name: "pg-b" }, { name: "pg-a", vrid: own }]);
  expect(ids.get("pg-a")).toBe(own);
  expect(ids.get("pg-b")).toBe((own % MAX_VRID) + 1);
  const many = assignVrids(Array.from({ length: MAX_VRID }, (_, i) => ({ name: `pg-${i}` })));
  expect(new Set(many.values()).size).toBe(MAX_VRID);
  expect(Math.min(...many.values())).toBe(1);
  expect(Math.max(...many.values())).toBe(MAX_VRID);
});

test("each cluster of a fleet gets its own router id", () => {
  const clusters = Object.fromEntries(
    Array.from({ length: 20 }, (_, i) => [`pg-c${i}`, { hosts: { [`10.10.10.${20 + i}`]: { pg_seq: 1, pg_role: "primary" } }, vars: { vip_mode: "l2", vip_address: `10.10.10.${100 + i}` } }]),
  );
  const vrids = loadInventory(inventory(clusters)).model.clusters.map((c) => c.vip!.vrid);
  expect(new Set(vrids).size).toBe(20);
});

test("refused: an address outside the members' subnet, a member's or another host's address, another cluster's VIP", () => {
  expect(problems(l2({ vip_address: "10.10.11.99" }))).toContain(
    `${V}.vip_address: 10.10.11.99/24 does not contain pg-test-1 (10.10.10.11), pg-test-2 (10.10.10.12), pg-test-3 (10.10.10.13): keepalived adds the VIP on each member's own interface, so every member must be in the VIP's subnet. Use an address of the members' subnet, or a vip_cidrmask that covers every member.`,
  );
  // The same address with a mask that covers the members is fine.
  expect(problems(l2({ vip_address: "10.10.11.99", vip_cidrmask: 16 }))).toEqual([]);
  expect(problems(l2({ vip_address: "10.10.10.13" }))).toContain(`${V}.vip_address: 10.10.10.13 is the address of member pg-test-3. Use an unused address of the members' subnet.`);
  expect(problems(l2({ vip_address: "10.10.10.10" }))).toContain(`${V}.vip_address: 10.10.10.10 is the address of the infra node, a host of the inventory. Use an unused address of the members' subnet.`);
  expect(problems(l2({ vip_address: "10.10.10.255" }))).toContain(`${V}.vip_address: 10.10.10.255 is the network or broadcast address of 10.10.10.255/24. Use an unused host address of the members' subnet.`);
  const two = inventory({
    "pg-one": { hosts: { "10.10.10.11": { pg_seq: 1, pg_role: "primary" } }, vars: { vip_mode: "l2", vip_address: "10.10.10.99", vip_vrid: 9 } },
    "pg-two": { hosts: { "10.10.10.12": { pg_seq: 1, pg_role: "primary" } }, vars: { vip_mode: "l2", vip_address: "10.10.10.99", vip_vrid: 9 } },
  });
  expect(problems(two)).toEqual([
    "clusters.pg-two.vars.vip_address: 10.10.10.99 is already the VIP of cluster pg-one. Give each cluster its own unused address.",
    "clusters.pg-two.vars.vip_vrid: 9 is already the router id of cluster pg-one. Give each cluster its own vip_vrid (1-255), or drop it to have one derived.",
  ]);
});

test("refused: a mask outside 1-32, a bad interface name, a router id outside 1-255, l2 without an address", () => {
  expect(problems(l2({ vip_cidrmask: 0 }))).toEqual([`${V}.vip_cidrmask: 0 is out of range. Use a number >= 1.`]);
  expect(problems(l2({ vip_cidrmask: 33 }))).toEqual([`${V}.vip_cidrmask: 33 is out of range. Use a number <= 32.`]);
  expect(problems(l2({ vip_interface: "eth0;reboot" }))[0]).toBe(`${V}.vip_interface: "eth0;reboot" is not an interface name. Write the members' interface as \`ip -br link\` shows it, e.g. eth0.`);
  expect(problems(l2({ vip_interface: "eth0:1" }))[0]).toMatch(/is not an interface name/);
  expect(problems(l2({ vip_vrid: 256 }))).toEqual([`${V}.vip_vrid: 256 is out of range. Use a number <= 255.`]);
  expect(problems(l2({ vip_address: undefined }))).toEqual([
    `${V}.vip_address: is required with vip_mode: l2. Add an unused IPv4 address of the members' subnet (e.g. 10.10.10.99), or set vip_mode: none.`,
  ]);
});

test("refused: more than 255 clusters with a VIP (VRRP has 255 router ids)", () => {
  const clusters = Object.fromEntries(
    Array.from({ length: MAX_VRID + 1 }, (_, i) => {
      const [subnet, n] = [`10.20.${1 + (i >> 6)}`, i & 63];
      return [`pg-c${String(i).padStart(3, "0")}`, { hosts: { [`${subnet}.${n + 1}`]: { pg_seq: 1, pg_role: "primary" } }, vars: { vip_mode: "l2", vip_address: `${subnet}.${n + 101}` } }];
    }),
  );
  // Nothing else is wrong with this fleet.
  expect(problems(inventory(clusters))).toHaveLength(1);
  expect(problems(inventory(clusters))).toContain(
    `clusters.pg-c255.vars.vip_mode: l2 makes 256 clusters with a VIP, and VRRP has only 255 router ids (1-255) for them. Set vip_mode: none on 1 of them (they stay reachable through HAProxy on any member).`,
  );
});

test("vip_* keys without vip_mode l2: the address is refused, the others are warned about as inert", () => {
  const none = (vars: Record<string, unknown>) => inventory({ "pg-test": { hosts: HOSTS, vars } });
  const inert = "has no effect without vip_mode: l2. Set vip_mode: l2 to have the address follow the leader, or remove it (clients reach the primary through HAProxy on any member, the primary service on port 5433).";
  expect(problems(none({ vip_address: "10.10.10.99" }))).toEqual([`${V}.vip_address: ${inert}`]);
  expect(problems(none({ vip_interface: "eth1", vip_cidrmask: 8 }))).toEqual([`${V}.vip_cidrmask: ${inert}`, `${V}.vip_interface: ${inert}`]);
  expect(() => loadInventory(none({ vip_interface: "eth1" }))).not.toThrow();
});

test("a pigsty.yml cluster with vip_mode l2 keeps its VIP; without l2 its vip_* keys are dropped as inert", () => {
  const yml = (mode: string) => `
all:
  children:
    infra: { hosts: { 10.10.10.10: { infra_seq: 1 } } }
    etcd: { hosts: { 10.10.10.10: { etcd_seq: 1 } }, vars: { etcd_cluster: etcd } }
    pg-test:
      hosts:
        10.10.10.11: { pg_seq: 1, pg_role: primary }
        10.10.10.12: { pg_seq: 2, pg_role: replica }
      vars: { pg_cluster: pg-test, vip_mode: ${mode}, vip_address: 10.10.10.3, vip_cidrmask: 8, vip_interface: eth1 }
`;
  const withVip = loadInventory(pinHostKeys(inventoryFromPigstyYaml(yml("l2")) as any)).model.clusters[0];
  expect(withVip.vip).toEqual({ address: "10.10.10.3", cidrmask: 8, interface: "eth1", vrid: derivedVrid("pg-test") });
  const without = loadInventory(pinHostKeys(inventoryFromPigstyYaml(yml("none")) as any));
  expect(without.model.clusters[0].vip).toBeUndefined();
  expect(without.warnings.filter((w) => w.path.includes("vip"))).toEqual([]);
});
