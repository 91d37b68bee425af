// The table of contents of every host step, one table per scope (instance, cluster, infra), in the order a
// first `up` runs them. A step is one remote command named `<prefix><suffix>` (e.g. pg-test-3-haproxy): the
// components build its name and its dependencies from here, reset validation (SOP S11) and docs/operations.md's reset
// table read its reset keys, tests read its names. The builders of the scripts live in steps/, the wiring in
// components/. Never change a suffix: the engine would replace the resource, and its removal runs first.

/** Where a step runs. */
export type StepHost =
  | "the member"
  | "the infra node"
  | "the member with the lowest pg_seq (it asks Patroni who leads)"
  | "each DCS server"
  | "the first DCS server"
  | "the infra node, each DCS server and each backup repository host"
  | "the cluster's backup repository host"
  | "each backup repository host";

/** A per-component reset (SOP S11): raising `hosts.<ip>.pg_reset.<key>` redeploys it through this step once. */
export interface StepReset {
  readonly key: string;
  /** How risky, then why; it goes into the step's script as a comment, so the preview's diff shows it. */
  readonly risk: string;
  /** What happens on the host. */
  readonly effect: string;
}

export interface StepEntry<Dependency extends string> {
  /** Appended to the scope's prefix to name the resource. */
  readonly suffix: string;
  /** What it does, in one line. */
  readonly does: string;
  readonly host: StepHost;
  /** The steps it waits for: keys of its own scope, or `<scope>.<key>` of another (see the scope's Dependency type). */
  readonly after: readonly Dependency[];
  readonly resets?: readonly StepReset[];
}

/** Host preparation, the same step on every kind of host. */
const PREPARE = "-prepare";
/**
 * The step library's copy, the same on every kind of host: not a command but a CopyToRemote (sftp, as the SSH user),
 * so the library's bytes never enter a script or the state (render/hostLibrary.ts). Its own -prepare step installs it.
 */
const LIBRARY_COPY = {
  suffix: "-library-copy",
  does: "copies the step library (the scripts' shared start, the placeholder filler, the Patroni helper and launcher) by sftp to a staging directory named by its hash",
  after: [],
} as const;

export type InstanceStep = "library-copy" | "prepare" | "guard" | "tls" | "config" | "pgbackrest" | "restore-stop" | "restore" | "patroni" | "pgbouncer" | "haproxy" | "vip" | "exporters" | "register";
/** Instance steps made only while a feature asks for them: the in-place restore's (pg_pitr on the cluster itself) and the VIP's (vip_mode l2). */
export const FEATURE_INSTANCE_STEPS: readonly InstanceStep[] = ["restore-stop", "restore", "vip"];

/**
 * What an instance step may wait for besides its own instance's steps: `cluster.dcs`, `cluster.leader`,
 * `cluster.pitr` and `cluster.restore-backup` (the cluster's steps; `cluster.pitr` is empty unless pg_pitr,
 * `cluster.restore-backup` empty for the primary), `primary.patroni` (the primary's Patroni; a replica waits for it, the
 * primary itself does not), `replicas.restore-stop` (the other members' stops of an in-place restore; the primary
 * waits for them, the others do not), `infra.monitoring` (the infra node's).
 */
export type InstanceDependency =
  | InstanceStep
  | "cluster.dcs"
  | "cluster.leader"
  | "cluster.pitr"
  | "cluster.restore-backup"
  | "primary.patroni"
  | "replicas.restore-stop"
  | "infra.monitoring";

/** One instance's steps; prefix: the instance's name (`<cluster>-<pg_seq>`). */
export const INSTANCE_STEPS = {
  "library-copy": { ...LIBRARY_COPY, host: "the member" },
  prepare: {
    suffix: PREPARE,
    does: "installs the packages (Postgres, Patroni, pgbouncer, HAProxy, exporters) and the step library, keeps Debian's default cluster away",
    host: "the member",
    after: ["library-copy"],
  },
  guard: {
    suffix: "-guard",
    does: "refuses a host with Postgres this stack did not create (unless pg_clean), moves a re-added member's old data aside",
    host: "the member",
    after: ["prepare", "cluster.dcs", "primary.patroni"],
  },
  tls: {
    suffix: "-tls",
    does: "installs the stack's CA and the member's certificates (Patroni's REST API; Postgres and pgbouncer), reloads on a new one (renewal, membership); its removal deletes the member's keys",
    host: "the member",
    after: ["prepare"],
  },
  config: {
    suffix: "-config",
    does: "patroni.yml and the role's HBA files; reloads, or restarts Patroni onto new DCS servers (S12)",
    host: "the member",
    after: ["guard", "tls"],
  },
  pgbackrest: {
    suffix: "-pgbackrest",
    does: "pgBackRest on the member: WAL archiving and restores through the repository host, and the TLS server it backs the member up through (only with pgbackrest_enabled)",
    host: "the member",
    after: ["prepare", "tls"],
  },
  "restore-stop": {
    suffix: "-restore-stop",
    does: "in-place restore only (pg_pitr naming the cluster itself), once per pg_pitr.restore: stops Patroni and Postgres, the primary after the others",
    host: "the member",
    after: ["cluster.pitr", "replicas.restore-stop"],
  },
  restore: {
    suffix: "-restore",
    does: "in-place restore only, once per pg_pitr.restore: the primary's data aside, the cluster's DCS keys removed, Patroni restores it from the stanza up to the target; the others, after a new full backup, are rebuilt from it",
    host: "the member",
    after: ["restore-stop", "config", "pgbackrest", "cluster.restore-backup"],
  },
  patroni: {
    suffix: "-patroni",
    does: "starts Patroni and waits until the member runs (a replica restores from the repository or clones from the leader; a pg_pitr cluster's first member restores the source's backup)",
    host: "the member",
    after: ["config", "pgbackrest", "restore", "cluster.dcs", "cluster.pitr", "primary.patroni"],
    resets: [
      {
        key: "patroni",
        risk: "dangerous: Patroni restarts; on the leader this needs maintenance mode set by an earlier up, or it would fail over",
        effect: "Patroni restarted; on the leader it is refused unless an earlier `up` set `pg_maintenance: true` (then Postgres keeps running), elsewhere the replica's Postgres restarts",
      },
      {
        key: "postgres",
        risk: "dangerous: this replica's data is wiped and cloned again from the leader",
        effect: "the member's data is wiped and cloned again from the leader (`patronictl reinit`); refused on the leader: switch over first",
      },
    ],
  },
  pgbouncer: {
    suffix: "-pgbouncer",
    does: "pgbouncer's config, userlist and HBA; reload or restart as the change needs",
    host: "the member",
    after: ["patroni"],
    resets: [
      {
        key: "pgbouncer",
        risk: "risky: pooled connections through this member drop once, hand edits are lost",
        effect: "config, userlist and HBA rewritten, pgbouncer restarted",
      },
    ],
  },
  haproxy: {
    suffix: "-haproxy",
    does: "haproxy.cfg with the cluster's services (backup flags follow pg_role), checked and reloaded",
    host: "the member",
    after: ["prepare", "cluster.leader"],
    resets: [{ key: "haproxy", risk: "risky: connections through this member's HAProxy drop once", effect: "haproxy.cfg rewritten (hand edits lost), HAProxy restarted" }],
  },
  vip: {
    suffix: "-vip",
    does: "keepalived holding the cluster's L2 VIP where Patroni's REST API says this member leads; its removal stops keepalived and drops the VIP (only with vip_mode l2)",
    host: "the member",
    after: ["patroni"],
  },
  exporters: {
    suffix: "-exporters",
    does: "the node and Postgres exporters",
    host: "the member",
    after: ["patroni"],
    resets: [{ key: "monitor", risk: "safe: the exporters are restarted", effect: "exporters' settings rewritten, exporters restarted" }],
  },
  register: {
    suffix: "-register",
    does: "the instance's Prometheus target files, one per job (S9), removed with the instance",
    host: "the infra node",
    after: ["infra.monitoring"],
    resets: [{ key: "register", risk: "safe: the Prometheus target file is rewritten", effect: "the Prometheus target file is written afresh" }],
  },
} as const satisfies Record<InstanceStep, StepEntry<InstanceDependency>>;

export type ClusterStep = "dcs" | "pitr" | "restore-backup" | "patroni-config" | "leader" | "roles" | "databases" | "backup";
/**
 * What a cluster step may wait for besides the cluster's own steps: `infra.prepare` (the infra node's preparation),
 * `infra.dcs-auth` (the DCS, ready),
 * `members.patroni` (every member's Patroni), `primary.patroni` (the primary's), `first.patroni` (the Patroni of
 * the member with the lowest pg_seq, where the cluster-wide steps run), `infra.pgbackrest` (the server of the cluster's
 * backup repository host), `primary.restore` (the primary's in-place restore).
 */
export type ClusterDependency = ClusterStep | "infra.prepare" | "infra.dcs-auth" | "infra.pgbackrest" | "members.patroni" | "primary.patroni" | "first.patroni" | "primary.restore";

/** One cluster's steps; prefix: the cluster's name. */
export const CLUSTER_STEPS = {
  dcs: {
    suffix: "-dcs",
    does: "checks the DCS and that no foreign cluster of this name lives there, pauses the cluster in the old DCS (S12); its removal, last, clears the cluster's keys",
    host: "the infra node",
    // The infra node's preparation too: it need not be a DCS server, and it installs the step library there.
    after: ["infra.prepare", "infra.dcs-auth"],
  },
  pitr: {
    suffix: "-pitr",
    does: "pg_pitr only: before any member starts (or, in place, stops), refuses a restore target the source's backups and archived WAL cannot reach",
    host: "the cluster's backup repository host",
    after: ["infra.pgbackrest"],
  },
  "restore-backup": {
    suffix: "-restore-backup",
    does: "in-place restore only, once per pg_pitr.restore: a full backup on the restored timeline, before the other members are rebuilt from it",
    host: "the cluster's backup repository host",
    after: ["primary.restore", "infra.pgbackrest"],
  },
  "patroni-config": {
    suffix: "-patroni-config",
    does: "Patroni's dynamic config (S3) and maintenance mode, a standby cluster's standby_cluster section (removed: the cluster is promoted) and the slots of the standby clusters that follow this one; restarts pending members one by one, replicas first",
    host: "the member with the lowest pg_seq (it asks Patroni who leads)",
    after: ["members.patroni"],
  },
  leader: {
    suffix: "-leader",
    does: "switches over to the member config names primary, when that intent changed (S10)",
    host: "the member with the lowest pg_seq (it asks Patroni who leads)",
    after: ["patroni-config"],
  },
  roles: {
    suffix: "-roles",
    does: "roles and users on the leader (S4), dropping those marked absent; not on a standby cluster (pg_upstream), whose roles are the upstream's, until it is promoted",
    host: "the member with the lowest pg_seq (it asks Patroni who leads)",
    // After the dynamic config: a standby cluster's promotion (standby_cluster removed) makes the leader writable there.
    after: ["primary.patroni", "first.patroni", "patroni-config"],
  },
  databases: {
    suffix: "-databases",
    does: "databases, their owners, extensions and grants on the leader (S5); not on a standby cluster until it is promoted",
    host: "the member with the lowest pg_seq (it asks Patroni who leads)",
    after: ["roles"],
  },
  backup: {
    suffix: "-backup",
    does: "the cluster's pgBackRest stanza, a check that WAL reaches the repository, a first full backup, the backup timers; its removal keeps the backups unless rm_backup (only with pgbackrest_enabled; on a standby cluster from its promotion on)",
    host: "the cluster's backup repository host",
    after: ["members.patroni", "patroni-config", "infra.pgbackrest"],
  },
} as const satisfies Record<ClusterStep, StepEntry<ClusterDependency>>;

export type InfraStep = "library-copy" | "prepare" | "etcd" | "dcs-auth" | "monitoring" | "dashboard-copy" | "dashboard" | "pgbackrest";
/** What an infra step may wait for besides the infra node's own steps: `previous.etcd` (the DCS member before it). */
export type InfraDependency = InfraStep | "previous.etcd";

/**
 * The infra node's and the DCS servers' steps. Prefixes: `prepare` the infra node's name (meta) on the infra
 * node, the DCS member's name on another host, the repository host's name on a backup repository host that is neither
 * (`library-copy` alike); `etcd` the DCS member's name; `dcs-auth` the DCS's name;
 * `monitoring`, `dashboard-copy` and `dashboard` the infra node's name; `pgbackrest` the repository host's name (`backup-<ip with dashes>`).
 */
export const INFRA_STEPS = {
  "library-copy": { ...LIBRARY_COPY, host: "the infra node, each DCS server and each backup repository host" },
  prepare: {
    suffix: PREPARE,
    does: "installs the packages (etcd; on the infra node also Prometheus, Alertmanager, the blackbox exporter, nginx; on a backup repository host that is neither, pgBackRest) and the step library",
    host: "the infra node, each DCS server and each backup repository host",
    after: ["library-copy"],
  },
  etcd: {
    suffix: "-etcd",
    does: "one etcd member with TLS, one member after another (refuses a member without data whose DCS already runs)",
    host: "each DCS server",
    after: ["prepare", "previous.etcd"],
  },
  "dcs-auth": { suffix: "-dcs-auth", does: "turns etcd's client authentication on with the DCS's root user (each DCS has its own), once every member is healthy", host: "the first DCS server", after: ["etcd"] },
  monitoring: {
    suffix: "-monitoring",
    does: "Prometheus (file discovery, alert rules), Alertmanager (the stack's receivers), the blackbox exporter, nginx's site (the APIs the dashboards read) and the front page",
    host: "the infra node",
    after: ["prepare"],
  },
  // Not a command: a CopyToRemote (sftp, as the SSH user), so the files' bytes never enter a script or the state.
  "dashboard-copy": {
    suffix: "-dashboard-copy",
    does: "copies the dashboards' files (pages and uPlot) by sftp to a staging directory named by their hash",
    host: "the infra node",
    after: ["prepare"],
  },
  dashboard: { suffix: "-dashboard", does: "checks the staged dashboards against their manifest and installs them under nginx's root", host: "the infra node", after: ["dashboard-copy"] },
  pgbackrest: {
    suffix: "-pgbackrest",
    does: "a backup repository: pgBackRest's TLS server, the repository directory, the members' names; its removal keeps the backups",
    host: "each backup repository host",
    // After the DCS: on a DCS server both steps install the stack's CA, and two writers of one file race.
    after: ["prepare", "dcs-auth"],
  },
} as const satisfies Record<InfraStep, StepEntry<InfraDependency>>;

export type StepKey = InstanceStep | ClusterStep | InfraStep;

const SUFFIX: Record<StepKey, string> = Object.fromEntries(
  [INSTANCE_STEPS, CLUSTER_STEPS, INFRA_STEPS].flatMap((table) => Object.entries(table).map(([key, step]) => [key, step.suffix])),
) as Record<StepKey, string>;

/** The resource name of a step: `stepName("pg-test-3", "haproxy")` is pg-test-3-haproxy. */
export function stepName(prefix: string, step: StepKey): string {
  return prefix + SUFFIX[step];
}

type ResetsOf<E> = E extends { resets: readonly (infer R)[] } ? R : never;
/** The user-facing reset keys (`hosts.<ip>.pg_reset.<key>`). */
export type ResetKey = ResetsOf<(typeof INSTANCE_STEPS)[InstanceStep]>["key"];

/** Every reset with the step it runs in, in the order of the instance's steps. */
export const RESETS: readonly (StepReset & { key: ResetKey; step: InstanceStep })[] = Object.entries(INSTANCE_STEPS).flatMap(([step, entry]) =>
  ("resets" in entry ? entry.resets : []).map((r) => ({ ...r, key: r.key as ResetKey, step: step as InstanceStep })),
);

/**
 * What a step waits for, from the steps made so far (the components make them in the catalogue's order);
 * a dependency not made yet is a wiring mistake in components/.
 */
export function waitsFor<D extends string, R>(step: string, entry: StepEntry<D>, made: Partial<Record<D, readonly R[]>>): R[] {
  return [
    ...new Set(
      entry.after.flatMap((d) => {
        const resources = made[d];
        if (resources === undefined) throw new Error(`step ${step} waits for ${d}, which is not made yet: make the steps in the order of config/stepCatalogue.ts`);
        return resources;
      }),
    ),
  ];
}
