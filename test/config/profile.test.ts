// pg_conf, Pigsty's configuration profile: crit is the zero-loss profile (strict synchronous mode), the cluster's own
// Patroni settings win, a one-member crit cluster is refused, olap and tiny run as oltp with a warning.
import { loadInventory, type LoadResult } from "../../config/load";
import { patroniDcsConfig } from "../../render/patroni";
import { loadProblems, pinHostKeys } from "../helpers/inventoryFixtures";

type Vars = Record<string, unknown>;
const TWO = { "10.10.10.11": { pg_seq: 1, pg_role: "primary" }, "10.10.10.12": { pg_seq: 2, pg_role: "replica" } };

const inventory = (vars: Vars, hosts: Record<string, unknown> = TWO) =>
  pinHostKeys({ infra: { ip: "10.10.10.10" }, dcs: { servers: { "meta-1": "10.10.10.10" } }, clusters: { "pg-test": { hosts, vars } } });
const load = (vars: Vars, hosts?: Record<string, unknown>): LoadResult => loadInventory(inventory(vars, hosts));
const dcs = (vars: Vars) => patroniDcsConfig(load(vars).model.clusters[0]);
const errors = (vars: Vars, hosts?: Record<string, unknown>) => loadProblems(inventory(vars, hosts));

test("oltp (the default) keeps asynchronous replication", () => {
  expect(dcs({})).toMatchObject({ synchronous_mode: false, synchronous_mode_strict: false });
});

test.each(["crit", "crit.yml"])("pg_conf %s turns strict synchronous mode on", (pg_conf) => {
  expect(dcs({ pg_conf })).toMatchObject({ synchronous_mode: true, synchronous_mode_strict: true });
});

test("the cluster's own Patroni settings win over the profile", () => {
  expect(dcs({ pg_conf: "crit", patroni: { synchronous_mode_strict: false } })).toMatchObject({ synchronous_mode: true, synchronous_mode_strict: false });
});

test("crit on a one-member cluster is refused: no write could commit", () => {
  expect(errors({ pg_conf: "crit" }, { "10.10.10.11": { pg_seq: 1, pg_role: "primary" } })).toEqual([
    "clusters.pg-test.vars.pg_conf: makes every commit wait for a synchronous standby, and a cluster of one member has none, so no write would ever commit. Add a replica first.",
  ]);
});

test("olap runs as oltp, with a warning that says so", () => {
  const r = load({ pg_conf: "olap.yml" });
  expect(patroniDcsConfig(r.model.clusters[0])).toMatchObject({ synchronous_mode: false });
  expect(r.warnings.map((w) => `${w.path}: ${w.message}`)).toContain(
    "clusters.pg-test.vars.pg_conf: olap: only crit changes settings here, so the cluster runs with the oltp defaults (Pigsty's memory tuning for olap is not applied). Set parameters in pg_parameters.",
  );
});

test("an unknown profile is refused", () => {
  expect(errors({ pg_conf: "fast" })[0]).toMatch(/^clusters\.pg-test\.vars\.pg_conf: /);
});
