// The stack config `pigsty:inventory`: one zod schema, the single source of the inventory types.
import { z } from "zod";
import { matching, safePath } from "./safeValues";
import { ipv4, port, strictObject } from "./schemaKit";
import { RESETS, type ResetKey } from "./stepCatalogue";
import { ClusterVarsSchema } from "./varsSchema";
import { ALERTMANAGER_KEYS } from "./alertmanagerSchema";

/** The infra (Pigsty "meta") node: monitoring and admin. */
export const InfraSchema = strictObject({
  /** Address of the infra node. */
  ip: ipv4,
  /** Nginx port (portal). Default 80. */
  nginx_port: port.default(80),
  /** Prometheus port. Default 9090. */
  prometheus_port: port.default(9090),
  /** Alertmanager port. Default 9093. */
  alertmanager_port: port.default(9093),
  /** Grafana (not packaged in Debian 12, so off). Default false. */
  grafana: z.boolean().default(false),
  /** Directory of Prometheus file-SD targets; one file per instance under pgsql/. Default /etc/prometheus/targets. */
  prometheus_sd_dir: safePath("/etc/prometheus/targets").default("/etc/prometheus/targets"),
  /** Alertmanager's receivers and timing (config/alertmanagerSchema.ts; docs/monitoring.md). */
  ...ALERTMANAGER_KEYS,
});

/** The etcd DCS cluster (Pigsty's `dcs_servers`, name -> IP). */
export const DcsSchema = strictObject({
  /** Members, e.g. { meta-1: 10.10.10.10 }. */
  servers: z.record(z.string(), ipv4),
  /** etcd client port. Default 2379. */
  client_port: port.default(2379),
  /** etcd peer port. Default 2380. */
  peer_port: port.default(2380),
  /** etcd cluster token (Pigsty's dcs_name), also etcd's data directory name. Default pigsty. */
  name: matching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/, "a DCS name", "Use letters, digits, _ and -, e.g. pigsty").default("pigsty"),
});

/** Login names on the hosts (POSIX portable user names). */
const osUser = matching(/^[a-z_][a-z0-9_-]{0,31}$/, "a user name", "Use lowercase letters, digits, _ and -, starting with a letter or _, e.g. dba");

/** A jump host between us and the nodes. */
export const BastionSchema = strictObject({
  /** Bastion address or name. */
  host: z.string().min(1),
  /** Bastion user. Default: ssh.user. */
  user: osUser.optional(),
  /** Bastion port. Default 22. */
  port: port.default(22),
  /** Pinned host key of the bastion. */
  host_key: z.string().optional(),
});

/** How we reach hosts: Pigsty's admin user with passwordless ssh + sudo. */
export const SshSchema = strictObject({
  /** Admin user. Default dba. */
  user: osUser.default("dba"),
  /** Private key path. Default ~/.ssh/id_rsa. Not read when agent is true. */
  key_path: z.string().default("~/.ssh/id_rsa"),
  /**
   * Authenticate through the running ssh-agent (SSH_AUTH_SOCK of the shell that runs pulumi) instead of key_path: for a
   * key with a passphrase or on a hardware token, and no private key in the state. Default false.
   */
  agent: z.boolean().default(false),
  /** SSH port. Default 22. */
  port: port.default(22),
  /** Pinned host key per host IP ("ssh-ed25519 AAAA..."); every host the program connects to needs one. Default {}. */
  host_keys: z.record(z.string(), z.string()).default({}),
  /** Accept any host key where none is pinned (hosts and bastion): only a warning then. For throw-away stacks. Default false. */
  allow_unpinned_host_keys: z.boolean().default(false),
  /** Optional bastion. */
  bastion: BastionSchema.optional(),
});

const resetCount = z.number().int().min(0).optional();

/**
 * SOP S11: raise a component's number to redeploy that component of this instance once (rendered
 * files rewritten, hand edits lost, the service restarted). The keys, their steps and risks are the
 * step catalogue's resets (config/stepCatalogue.ts); docs/operations.md (S11) has the recipe.
 */
export const ResetSchema = strictObject(Object.fromEntries(RESETS.map((r) => [r.key, resetCount])) as Record<ResetKey, typeof resetCount>);

/** One host of a cluster, keyed by its IP. */
export const HostSchema = strictObject({
  /** Instance number, unique in the cluster; instance name is `<cluster>-<pg_seq>`. */
  pg_seq: z.number().int().min(0),
  /** Intended role: primary | replica | offline. */
  pg_role: z.enum(["primary", "replica", "offline"]),
  /** Also serve offline (ETL/analytics) queries. Default false. */
  pg_offline_query: z.boolean().default(false),
  /** Relative load-balancer weight 0-255, 0 drains. Default 100. */
  pg_weight: z.number().int().min(0).max(255).default(100),
  /** Patroni tag: preferred basebackup source. */
  clonefrom: z.boolean().optional(),
  /** Patroni tag: never promote this member. */
  nofailover: z.boolean().optional(),
  /** Per-component reset counters (SOP S11). Default: none. */
  pg_reset: ResetSchema.optional(),
});

/** One PostgreSQL cluster. */
export const ClusterSchema = strictObject({
  /** Hosts keyed by IP. */
  hosts: z.record(z.string(), HostSchema),
  /** Cluster vars; override the top-level `vars` key by key. */
  vars: ClusterVarsSchema.prefault({}),
  /**
   * The cluster's own etcd DCS, e.g. a standby cluster's in its own site, so that it keeps running and can be promoted
   * without the stack's DCS. Same keys and defaults as the top-level dcs; its servers, member names and name must be
   * its own. Default: none, the cluster lives in the stack's DCS.
   */
  dcs: DcsSchema.optional(),
});

export const InventorySchema = strictObject({
  /** The infra node. */
  infra: InfraSchema,
  /** The DCS servers. */
  dcs: DcsSchema,
  /** SSH access. */
  ssh: SshSchema.prefault({}),
  /** Fleet-wide cluster vars (Pigsty's all.vars); each cluster inherits keys it does not set. */
  vars: ClusterVarsSchema.optional(),
  /** Clusters keyed by name. */
  clusters: z.record(z.string(), ClusterSchema),
});

export type Inventory = z.infer<typeof InventorySchema>;
export type ClusterInput = z.infer<typeof ClusterSchema>;
export type { ClusterVars, PatroniSettings } from "./varsSchema";
