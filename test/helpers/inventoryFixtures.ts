// Loads the inventory fixtures under test/fixtures in either form (stack config YAML or pigsty.yml).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { InventoryError, inventoryFromPigstyYaml, loadInventory, type LoadResult } from "../../config/load";
import { formatProblem } from "../../config/problems";

export const FIXTURES = join(__dirname, "..", "fixtures");

/** Raw stack-config value of a fixture; `.pigsty.yml` / `pigsty.yml` files go through the converter. */
export function rawFixture(file: string): unknown {
  const text = readFileSync(join(FIXTURES, file), "utf8");
  return file.endsWith("pigsty.yml") ? inventoryFromPigstyYaml(text) : parse(text);
}

/** The SOP's pg-test demo, loaded from the stack-config form. */
export function pgTest(): LoadResult {
  return loadInventory(rawFixture("pg-test.stack.yaml"));
}

/** A well-formed ed25519 public key that no host has: fixtures pin it so that only the problem under test remains. */
export const FAKE_HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEZpeHR1cmVIb3N0S2V5Tm90UmVhbA";

/** A stand-in PEM for pg_upstream_ca: the CA of an upstream outside the stack (only its form is checked). */
export const UPSTREAM_CA = "-----BEGIN CERTIFICATE-----\nTUlJQnVwc3RyZWFtQ0E=\n-----END CERTIFICATE-----\n";

type RawInventory = { infra?: { ip?: string }; dcs?: { servers?: Record<string, string> }; clusters?: Record<string, { hosts?: Record<string, unknown>; dcs?: { servers?: Record<string, string> } }> };

/** `raw` with ssh.host_keys pinned (to FAKE_HOST_KEY) for the infra node, the DCS servers (a cluster's own too) and every cluster host. */
export function pinHostKeys<T extends RawInventory>(raw: T): T & { ssh: Record<string, any> & { host_keys: Record<string, string> } } {
  const clusters = Object.values(raw.clusters ?? {});
  const ips = [raw.infra?.ip, ...Object.values(raw.dcs?.servers ?? {}), ...clusters.flatMap((c) => [...Object.keys(c.hosts ?? {}), ...Object.values(c.dcs?.servers ?? {})])];
  const keys = Object.fromEntries(ips.filter((ip): ip is string => typeof ip === "string").map((ip) => [ip, FAKE_HOST_KEY]));
  const ssh = (raw as { ssh?: Record<string, unknown> }).ssh ?? {};
  return { ...raw, ssh: { ...ssh, host_keys: { ...keys, ...((ssh.host_keys as Record<string, string>) ?? {}) } } };
}

export type FixtureVars = Record<string, unknown>;
export type FixtureClusters = { vars?: FixtureVars; clusters: Record<string, { hosts: Record<string, unknown>; vars: FixtureVars; dcs?: Record<string, unknown> }> };

/** pg-test on .11 (primary) and .12 (replica) with one pooled user and its database: the cluster a standby follows. */
export function twoMemberPgTest(): FixtureClusters["clusters"][string] {
  return {
    hosts: { "10.10.10.11": { pg_seq: 1, pg_role: "primary" }, "10.10.10.12": { pg_seq: 2, pg_role: "replica" } },
    vars: { pg_users: [{ name: "dbuser_test", pgbouncer: true }], pg_databases: [{ name: "test", owner: "dbuser_test" }] },
  };
}

/** `inv` after `edit`, with an infra node and a one-member DCS on .10 and every host key pinned: a loadable inventory. */
export function onInfraNode(inv: FixtureClusters, edit: (inv: FixtureClusters) => void = () => undefined): unknown {
  edit(inv);
  return pinHostKeys({ infra: { ip: "10.10.10.10" }, dcs: { servers: { "meta-1": "10.10.10.10" } }, ...inv });
}

/** The problems loading `raw` reports, one `<path>: <message>` line each (empty when it loads). */
export function loadProblems(raw: unknown): string[] {
  try {
    loadInventory(raw);
    return [];
  } catch (e) {
    if (!(e instanceof InventoryError)) throw e;
    return e.problems.map(formatProblem);
  }
}
