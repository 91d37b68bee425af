// Converts a Pigsty pigsty.yml (Ansible all.children/all.vars) into the stack-config shape of `pigsty:inventory`.
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { isRecord } from "./schemaKit";

type Dict = Record<string, unknown>;

/** Pigsty vars we map to our own sections. */
const INFRA_VARS: Record<string, string> = {
  nginx_port: "nginx_port",
  prometheus_port: "prometheus_port",
  alertmanager_port: "alertmanager_port",
  prometheus_sd_dir: "prometheus_sd_dir",
};
const DCS_VARS: Record<string, string> = {
  dcs_servers: "servers",
  dcs_name: "name",
  dcs_client_port: "client_port",
  etcd_port: "client_port",
  dcs_peer_port: "peer_port",
  etcd_peer_port: "peer_port",
};
const SSH_VARS: Record<string, string> = {
  ansible_user: "user",
  ansible_port: "port",
  ansible_ssh_private_key_file: "key_path",
  ssh_bastion: "bastion",
};
/** Pigsty v1 names with a direct equivalent in our cluster vars. */
const RENAMED_VARS: Record<string, (value: unknown) => [string, unknown]> = {
  haproxy_exporter_port: (v) => ["haproxy_admin_port", v],
  pg_exists_action: (v) => ["pg_clean", v === "clean"],
  pg_disable_purge: (v) => ["pg_safeguard", v],
  patroni_mode: (v) => ["pg_maintenance", v === "pause"],
};
/**
 * Pigsty vars for parts of Pigsty this program does not manage (node tuning, repos, Grafana, ...).
 * They are dropped so a real pigsty.yml loads; every other unknown key still fails as a typo.
 */
const FOREIGN_PREFIXES = ["node_", "repo_", "nginx_", "grafana_", "loki_", "consul_", "docker_", "ca_", "infra_", "meta_", "proxy_", "ansible_", "dcs_", "etcd_", "prometheus_", "alertmanager_", "cmdb_", "exporter_", "service_", "dns_", "ntp_", "vip_dns", "pg_exporter_", "pgbouncer_exporter_", "haproxy_", "patroni_", "pg_dns"];
// Pigsty's pgbackrest_repo is a map of repositories on the members or in MinIO, unlike ours (one host off the members):
// it is dropped with the other Pigsty-only backup keys, so imported clusters keep their backups on the infra node.
const FOREIGN_KEYS = new Set(["version", "admin_ip", "region", "pgbackrest_method", "pgbackrest_repo", "pgbackrest_log_dir", "pgbackrest_init_backup", "pg_hostname", "pg_shared_libraries", "pg_upstream", "pg_dbsu_uid", "pg_dbsu_sudo", "pg_dbsu_home", "pg_dbsu_ssh_exchange", "pg_packages", "pg_extensions", "pg_lc_collate", "pg_lc_ctype", "pg_fs_main", "pg_fs_bkup", "pg_bin_dir", "pg_log_dir", "pg_namespace", "pg_offline_query_grant", "pg_reload", "pg_default_privileges", "pg_default_schemas", "pg_default_extensions", "pg_default_hba_rules", "pg_exists", "meta_node", "dcs_type"]);

/** Keys of our ClusterVars that share a prefix with foreign Pigsty vars and must be kept. */
const OURS = new Set([
  "pg_exporter_port", "pgbouncer_exporter_port", "node_exporter_port", "haproxy_admin_port", "haproxy_admin_auth_enabled",
  "haproxy_admin_username", "haproxy_admin_password", "patroni_port", "patroni_username", "patroni_password", "patroni_watchdog_mode",
]);

function isForeign(key: string): boolean {
  if (OURS.has(key)) return false;
  return FOREIGN_KEYS.has(key) || FOREIGN_PREFIXES.some((p) => key.startsWith(p));
}

const INERT_WITHOUT_VIP = ["vip_address", "vip_cidrmask", "vip_interface"];

/** Keeps our cluster vars (renaming Pigsty v1 names), drops foreign ones. */
function clusterVars(vars: Dict): Dict {
  const out: Dict = {};
  for (const [k, v] of Object.entries(vars)) {
    if (RENAMED_VARS[k]) {
      const [name, value] = RENAMED_VARS[k](v);
      out[name] = value;
    } else if (!isForeign(k)) out[k] = v;
  }
  // Pigsty reads its VIP settings only with vip_mode l2: otherwise they are inert, so dropped (with l2 they are kept, config/vip.ts).
  if (out.vip_mode !== "l2") for (const k of INERT_WITHOUT_VIP) delete out[k];
  return out;
}

function pick(vars: Dict, mapping: Record<string, string>): Dict {
  const out: Dict = {};
  for (const [k, v] of Object.entries(vars)) if (mapping[k]) out[mapping[k]] = v;
  return out;
}

/** Host vars: pg_* instance vars stay, `ssh_host_key` (our extension) pins the host key. */
function hostVars(ip: string, vars: unknown, hostKeys: Dict): Dict {
  const out: Dict = {};
  if (!isRecord(vars)) return out;
  for (const [k, v] of Object.entries(vars)) {
    if (k === "ssh_host_key") hostKeys[ip] = v;
    else if (!isForeign(k)) out[k] = v;
  }
  return out;
}

/**
 * Reads pigsty.yml. The `meta` / `infra` group names the infra node; an `etcd` group (etcd_seq)
 * or all.vars.dcs_servers names the DCS; every group whose hosts carry pg_seq (or whose vars carry
 * pg_cluster) is a cluster; all.vars becomes the fleet-wide `vars`.
 */
export function inventoryFromPigstyYaml(text: string): unknown {
  const doc: unknown = parse(text);
  const all = isRecord(doc) && isRecord(doc.all) ? doc.all : {};
  const children = isRecord(all.children) ? all.children : {};
  const allVars = isRecord(all.vars) ? all.vars : {};
  const hostKeys: Dict = {};
  const infra: Dict = pick(allVars, INFRA_VARS);
  const dcs: Dict = pick(allVars, DCS_VARS);
  const ssh: Dict = pick(allVars, SSH_VARS);
  const clusters: Dict = {};
  for (const [group, body] of Object.entries(children)) {
    if (!isRecord(body)) continue;
    const hosts = isRecord(body.hosts) ? body.hosts : {};
    const vars = isRecord(body.vars) ? body.vars : {};
    const hostList = Object.entries(hosts);
    if (group === "meta" || group === "infra") {
      if (hostList.length > 0) infra.ip = hostList[0][0];
      for (const [ip, hv] of hostList) hostVars(ip, hv, hostKeys);
    } else if (group === "etcd") {
      dcs.servers = Object.fromEntries(hostList.map(([ip, hv]) => [`etcd-${isRecord(hv) ? String(hv.etcd_seq) : ip}`, ip]));
      if (typeof vars.etcd_cluster === "string") dcs.name = vars.etcd_cluster;
      for (const [ip, hv] of hostList) hostVars(ip, hv, hostKeys);
    } else if (vars.pg_cluster !== undefined || hostList.some(([, hv]) => isRecord(hv) && hv.pg_seq !== undefined)) {
      const name = typeof vars.pg_cluster === "string" ? vars.pg_cluster : group;
      clusters[name] = {
        hosts: Object.fromEntries(hostList.map(([ip, hv]) => [ip, hostVars(ip, hv, hostKeys)])),
        vars: clusterVars(vars),
      };
    }
  }
  if (Object.keys(hostKeys).length > 0) ssh.host_keys = hostKeys;
  const globalVars = clusterVars(allVars);
  for (const k of Object.keys(INFRA_VARS)) delete globalVars[k];
  const out: Dict = { infra, dcs, ssh, clusters };
  if (Object.keys(globalVars).length > 0) out.vars = globalVars;
  return out;
}

/**
 * The raw value of `pigsty:inventory`: either the inventory itself, or `{ pigsty_yml: <path>, ... }`
 * naming a pigsty.yml whose conversion is used, with any other given sections (e.g. ssh) laid over it.
 */
export function inventoryFromStackConfig(value: unknown, readFile: (path: string) => string = (p) => readFileSync(p, "utf8")): unknown {
  if (!isRecord(value) || typeof value.pigsty_yml !== "string") return value;
  const { pigsty_yml: path, ...overlay } = value;
  const base = inventoryFromPigstyYaml(readFile(path)) as Dict;
  for (const [k, v] of Object.entries(overlay)) base[k] = isRecord(v) && isRecord(base[k]) ? { ...base[k], ...v } : v;
  return base;
}
