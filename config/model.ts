// The derived model: plain, deterministic data that renderers and components read. No passwords here.
import type { HbaRole, UserInput, DatabaseInput } from "./accessSchema";
import type { PatroniSettings } from "./varsSchema";
import type { PitrTargetKey } from "./backupSchema";
import type { AlertThresholds } from "./alertSchema";
import { RESETS, type ResetKey } from "./stepCatalogue";

export type PgRole = "primary" | "replica" | "offline";

/** Components of an instance that can be reset on their own (SOP S11): the reset keys of the step catalogue. */
export type ResetComponent = ResetKey;
/** Each reset's risk (config/stepCatalogue.ts). */
export const RESET_RISK = Object.fromEntries(RESETS.map((r) => [r.key, r.risk])) as Record<ResetComponent, string>;

export interface InstanceModel {
  /** `<cluster>-<seq>`, e.g. pg-test-3. */
  name: string;
  cluster: string;
  seq: number;
  ip: string;
  /**
   * Intended role from the inventory. Patroni's leader is what actually leads: after a failover the two differ,
   * preview reports it (components/drift.ts), and only a changed pg_role makes `pulumi up` switch over.
   */
  role: PgRole;
  /** Serves offline queries: pg_role offline or pg_offline_query. */
  offlineQuery: boolean;
  /** HAProxy weight 0-255. */
  weight: number;
  /** Patroni tags: clonefrom only when the inventory sets it; nofailover always (the inventory's, else true for pg_role offline). */
  tags: { clonefrom?: boolean; nofailover: boolean };
  /** Names of services this instance serves as a regular (non-backup) server. */
  services: string[];
  /** Reset counters by component (pg_reset); absent = never reset. */
  reset: Partial<Record<ResetComponent, number>>;
}

/** A user without its password (the password lives in a secret slot). */
export type UserModel = Omit<UserInput, "password">;
export type DatabaseModel = DatabaseInput & { owner: string };

/** One concrete HBA line in fields: `TYPE DB USER [ADDR] AUTH [OPTIONS]`. */
export interface HbaEntry {
  /** `local` for the unix socket, otherwise `host`, `hostssl`, ... */
  type: string;
  db: string;
  user: string;
  /** CIDR (or samehost/samenet/all), "" on local lines. */
  addr: string;
  /** The method: trust, scram-sha-256, md5, peer, reject, ... */
  auth: string;
  /** `name=value` options after the method. */
  options: string[];
}

/** One HBA rule group, normalized to concrete pg_hba.conf / pgbouncer hba lines. */
export interface HbaRuleModel {
  title: string;
  role: HbaRole;
  /** The lines in fields, as the rule was given or resolved (config/hbaRules.ts); policies read these. */
  entries: HbaEntry[];
  /** The same entries as text, one line each (render/ writes these). */
  lines: string[];
}

export interface ServiceMember {
  instance: string;
  ip: string;
  weight: number;
  /** HAProxy `backup`: used only when all regular servers are down. */
  backup: boolean;
}

export interface ServiceModel {
  name: string;
  srcIp: string;
  port: number;
  /** Resolved backend port on members. */
  dstPort: number;
  checkPort: number;
  checkUrl: string;
  checkCode: number;
  maxconn: number;
  balance: string;
  defaultServerOptions: string;
  /** Members in seq order, regular and backup. */
  members: ServiceMember[];
}

export interface ClusterPorts {
  postgres: number;
  pgbouncer: number;
  patroni: number;
  haproxyAdmin: number;
  pgExporter: number;
  nodeExporter: number;
}

/** A pgBackRest repository host: its name in certificates and /etc/hosts, and the repository's settings. */
export interface BackupRepoModel {
  ip: string;
  /** The DNS name pgBackRest uses for it (2.45 checks names, not addresses, in certificates): `backup-<ip with dashes>`. */
  name: string;
  path: string;
  cipher: boolean;
  /** The clusters it keeps, sorted. */
  clusters: string[];
}

/** A cluster's backups (pgbackrest_*): one stanza, named after the cluster, in its repository. */
export interface BackupModel {
  stanza: string;
  repo: Omit<BackupRepoModel, "clusters">;
  retentionFull: number;
  /** systemd OnCalendar expressions. */
  schedule: { full: string; diff: string };
  backupStandby: boolean;
  archiveQueueMax: string;
  clean: boolean;
  /** Delete the stanza with the cluster (rm_backup). */
  removeWithCluster: boolean;
}

/**
 * pg_pitr: the cluster is created from another cluster's backups at a target, instead of initdb; or, when the source
 * is the cluster itself, a deployed cluster is restored in place once per restore number.
 */
export interface PitrModel {
  /** The source cluster (its stanza). */
  source: string;
  type: PitrTargetKey;
  target?: string;
  /** Set when the source is the cluster itself (and pg_pitr.restore is given): the in-place restore. */
  inPlace?: InPlaceRestoreModel;
}

/** An in-place restore: its number (pg_pitr.restore) and whether the loss of later writes was acknowledged. */
export interface InPlaceRestoreModel {
  number: number;
  acknowledged: boolean;
}

/** The target as words, for messages: `time 2026-12-02 10:15:00+00`, or `immediate`. */
export const pitrTargetWords = (p: PitrModel) => (p.target === undefined ? p.type : `${p.type} ${p.target}`);

/**
 * pg_upstream: the cluster is a standby cluster. Its leader streams from the upstream's members (libpq tries each and
 * takes the read-write one, so an upstream failover needs no change here): a cluster of this stack (StandbyOfCluster)
 * or one outside it, given by addresses (StandbyOfAddresses).
 */
export type StandbyModel = StandbyOfCluster | StandbyOfAddresses;

/** pg_upstream names a cluster of this stack: streams through a permanent slot there, and may share its stanza. */
export interface StandbyOfCluster {
  /** The upstream cluster of this stack. */
  upstream: string;
  /** The upstream's members' addresses and Postgres port. */
  hosts: string[];
  port: number;
  /** The permanent physical slot the upstream keeps for this cluster. */
  slot: string;
  /** The upstream's stanza, when both clusters keep backups in the same repository: seeding and restore_command read it. */
  stanza?: string;
  /** pg_delay: recovery_min_apply_delay of the standby leader. */
  delay?: string;
  external?: undefined;
}

/**
 * pg_upstream gives the addresses of an upstream outside the stack: nothing of it is ours (no slot made, no HBA rule,
 * no archive), its passwords are unknown but the replication password given, and its certificate has its own CA.
 */
export interface StandbyOfAddresses {
  external: true;
  /** pg_upstream: the upstream's members' addresses; pg_upstream_port their Postgres port. */
  hosts: string[];
  port: number;
  /** pg_upstream_slot: a slot the user made on the upstream, when given. */
  slot?: string;
  /** pg_upstream_ca: the CA certificate(s), PEM, that signed the upstream's server certificate. */
  ca: string;
  stanza?: undefined;
  /** pg_delay: recovery_min_apply_delay of the standby leader. */
  delay?: string;
}

/**
 * How messages, stack outputs and `list` name the upstream: its cluster name, or its addresses as pg_upstream would
 * be written, e.g. `[10.1.1.11, 10.1.1.12]` (a cluster name never starts with a bracket).
 */
export const upstreamLabel = (s: StandbyModel): string => (s.external ? addressesLabel(s.hosts) : s.upstream);

/** An upstream outside the stack as pg_upstream would be written: `[10.1.1.11, 10.1.1.12]`. */
export const addressesLabel = (hosts: string[]): string => `[${hosts.join(", ")}]`;

/** A standby cluster that follows this cluster: HBA lets its members replicate, and the primary keeps its slot. */
export interface DownstreamModel {
  cluster: string;
  ips: string[];
  slot: string;
}

export interface ClusterModel {
  name: string;
  /** Sorted by seq. */
  instances: InstanceModel[];
  /** The instance with pg_role primary. */
  primary: InstanceModel;
  version: number;
  dataDir: string;
  binDir: string;
  /** Role names of the built-in accounts. */
  accounts: { dbsu: string; replication: string; monitor: string; admin: string; patroniApi: string; haproxyAdmin: string };
  /** Default roles first, then pg_users, in inventory order (creation order). */
  users: UserModel[];
  databases: DatabaseModel[];
  /** Users and databases marked `state: absent`: dropped on the next up (databases only with `drop: true`). */
  dropped: { users: string[]; databases: string[] };
  hbaRules: HbaRuleModel[];
  pgbouncerHbaRules: HbaRuleModel[];
  services: ServiceModel[];
  /** Defaults merged with pg_parameters, keys sorted. */
  parameters: Record<string, string | number | boolean>;
  patroni: PatroniSettings;
  /** Patroni's watchdog mode (patroni_watchdog_mode). */
  watchdog: "off" | "automatic" | "required";
  initdb: { encoding: string; locale: string; checksum: boolean };
  pgbouncer: { poolMode: string; maxClientConn: number };
  ports: ClusterPorts;
  haproxyAdmin: { authEnabled: boolean; username: string };
  flags: { maintenance: boolean; rmPgdata: boolean; rmPgpkgs: boolean; safeguard: boolean; clean: boolean; promotionAcknowledged: boolean };
  /** Absent with pgbackrest_enabled: false. */
  backup?: BackupModel;
  pitr?: PitrModel;
  /** Set while the cluster is a standby cluster (pg_upstream). */
  standby?: StandbyModel;
  /** The standby clusters that follow this one, sorted by name. */
  downstream: DownstreamModel[];
  /** The L2 VIP that follows the leader (vip_mode l2); absent without it. */
  vip?: VipModel;
  /** The alert thresholds this cluster's series are judged by (alert_* vars). */
  alerts: AlertThresholds;
  /** Postgres' and pgbouncer's TLS: the members' certificates live this many days (cert_validity); remote HBA rules are hostssl (pg_hba_require_ssl). */
  tls: { certValidityDays: number; requireSsl: boolean };
  /** The cluster's own DCS (clusters.<c>.dcs); absent: the cluster lives in the stack's DCS. */
  ownDcs?: DcsModel;
}

/** An etcd cluster: the stack's (top-level dcs) or a cluster's own (clusters.<c>.dcs). */
export interface DcsModel {
  /** etcd's cluster token and data directory name; it also names the DCS's -dcs-auth step. */
  name: string;
  clientPort: number;
  peerPort: number;
  /** Sorted by name. */
  members: { name: string; ip: string }[];
  /** `ip:client_port` of each member, in member order. */
  endpoints: string[];
  /** The cluster whose own DCS this is; absent for the stack's DCS. */
  owner?: string;
}

/** The DCS a cluster's Patroni lives in: its own, else the stack's. */
export const dcsOf = (model: Pick<Model, "dcs">, cluster: Pick<ClusterModel, "ownDcs">): DcsModel => cluster.ownDcs ?? model.dcs;

/** Every DCS of the stack: the stack's first, then the clusters' own, in cluster order. */
export const everyDcs = (model: Pick<Model, "dcs" | "clusters">): DcsModel[] => [model.dcs, ...model.clusters.flatMap((c) => (c.ownDcs ? [c.ownDcs] : []))];

/** Where the inventory sets a DCS, for messages: `dcs` or `clusters.<c>.dcs`. */
export const dcsPath = (dcs: Pick<DcsModel, "owner">): string => (dcs.owner === undefined ? "dcs" : `clusters.${dcs.owner}.dcs`);

/** A cluster's L2 VIP: keepalived on every member holds it where Patroni's REST API says this member leads. */
export interface VipModel {
  address: string;
  /** Prefix length, 1-32. */
  cidrmask: number;
  /** The members' interface. */
  interface: string;
  /** VRRP virtual_router_id, 1-255, unique in the fleet (config/vip.ts). */
  vrid: number;
}

/**
 * Prometheus' jobs per member, each a file-SD directory: `pgsql` the postgres exporter and HAProxy's /metrics, `node`
 * the node exporter (NodeDown reads its `up`), `patroni` Patroni's REST API /metrics (TLS), `pgbouncer` pgbouncer's port
 * as the infra node's blackbox exporter probes it (TCP).
 */
export const SCRAPE_JOBS = ["pgsql", "node", "patroni", "pgbouncer"] as const;
export type ScrapeJob = (typeof SCRAPE_JOBS)[number];

export interface ScrapeTarget {
  cluster: string;
  instance: string;
  ip: string;
  labels: { cls: string; ins: string };
  /** `ip:port` per job. */
  targets: Record<ScrapeJob, string[]>;
}

/** Alertmanager's routing and receivers, without their secrets (the webhook URL and SMTP password are slots). */
export interface AlertmanagerModel {
  groupWait: string;
  groupInterval: string;
  repeatInterval: string;
  /** A webhook receiver is configured (its URL is the slot alertmanager/webhook_url). */
  webhook: boolean;
  /** Mail through SMTP; `auth` when a password is given (the slot alertmanager/smtp_password). */
  email?: { smarthost: string; from: string; to: string; authUsername?: string; auth: boolean; requireTls: boolean };
}

export interface Model {
  infra: {
    ip: string;
    nginxPort: number;
    prometheusPort: number;
    alertmanagerPort: number;
    grafana: boolean;
    prometheusSdDir: string;
    alertmanager: AlertmanagerModel;
  };
  /** The stack's DCS (top-level dcs): every cluster without a DCS of its own lives there. */
  dcs: DcsModel;
  ssh: {
    user: string;
    /** Undefined when the keys come from the ssh-agent (ssh.agent). */
    keyPath?: string;
    port: number;
    hostKeys: Record<string, string>;
    bastion?: { host: string; user: string; port: number; hostKey?: string };
  };
  /** Sorted by name. */
  clusters: ClusterModel[];
  /** One per instance, sorted by cluster then seq. */
  scrapeTargets: ScrapeTarget[];
  /** Every backup repository host, sorted by IP. */
  backupRepos: BackupRepoModel[];
  /** The fleet's alert thresholds (top-level vars, else the defaults): the rules of every cluster that keeps them. */
  alertDefaults: AlertThresholds;
}

/** pgBackRest's TLS server port, on every member and repository host: fixed, not an inventory key. */
export const PGBACKREST_PORT = 8432;

/** The name a backup repository host has in certificates and /etc/hosts. */
export const backupRepoName = (ip: string) => `backup-${ip.replace(/\./g, "-")}`;

/** etcd's metrics and /health listener on every DCS member (plain HTTP, no keys): fixed, not an inventory key. */
export const ETCD_METRICS_PORT = 2381;
