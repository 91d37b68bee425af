// Stack configs the program tests share: the dev inventory and one that uses most keys.
import { devStackConfig } from "./harness";

/** The dev inventory with a three-member DCS, a bastion, an L2 VIP on pg-test, a second cluster restored from pg-test (pg_pitr, crit, backups on another host), rm flags. */
export function mostKeys(): Record<string, unknown> {
  const config = devStackConfig();
  const inv = JSON.parse(JSON.stringify(config["pigsty:inventory"]));
  inv.dcs.servers = { "meta-1": "10.10.10.10", "meta-2": "10.10.10.11", "meta-3": "10.10.10.12" };
  inv.clusters["pg-test"].vars = {
    ...inv.clusters["pg-test"].vars,
    ...{ rm_backup: true, rm_pgdata: true, pg_parameters: { max_connections: 300 }, patroni: { ttl: 20 } },
    ...{ vip_mode: "l2", vip_address: "10.10.10.99", vip_cidrmask: 24, vip_interface: "eth0" },
  };
  inv.ssh = { host_keys: { "10.10.10.15": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFRlc3RIb3N0S2V5MTU" }, bastion: { host: "10.10.10.1", host_key: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFRlc3RIb3N0S2V5QmFzdGlvbg" } };
  inv.clusters["pg-pitr"] = {
    hosts: { "10.10.10.14": { pg_seq: 1, pg_role: "primary" }, "10.10.10.15": { pg_seq: 2, pg_role: "replica" } },
    vars: { pg_pitr: { cluster: "pg-test", time: "2026-12-02 10:15:00+00" }, pg_conf: "crit", pgbackrest_schedule: { full: "daily" } },
  };
  return { ...config, "pigsty:sandbox": "test/fixtures/sandbox/five-hosts.json", "pigsty:inventory": inv };
}

/** The inventories whose host scripts are kept as reviewed text (test/program/step-scripts/<name>/). */
export const INVENTORIES: Record<string, () => Record<string, unknown>> = {
  dev: () => ({ ...devStackConfig(), "pigsty:sandbox": "test/fixtures/sandbox/hosts.json" }),
  "most-keys": mostKeys,
};
