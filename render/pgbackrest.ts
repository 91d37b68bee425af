// pgBackRest's config on both sides of its TLS transport: the repository host (every stanza it keeps, and which
// member may reach which stanza) and each member (archive-push/get and restore through the repository, and the
// server the repository host backs the member up through). The backup timers of a stanza on the repository host.
import { PGBACKREST_PORT, type BackupRepoModel, type ClusterModel, type InstanceModel, type Model } from "../config/model";
import { slot } from "../config/secretSlots";
import { renderHostProgram } from "./hostProgram";
import { BACKUP_HELPER, NODE_EXPORTER_TEXTFILES, PGBACKREST_LOG, PGBACKREST_SPOOL, PG_SOCKET_DIR } from "./paths";
import { placeholder } from "./placeholders";
import { CA_CERT, serverCert } from "./tls";

/** The repository's cipher passphrase: generated per repository host, on that host only. */
export const cipherSlot = (repo: { name: string }) => slot.backupCipher(repo.name);

/** The certificate a member's pgBackRest presents and serves with: the member's own (its CN and DNS name are the member's name). */
const MEMBER_CERT = serverCert("patroni");
/** The repository host's: issued for its name (components/certificates.ts). */
const REPO_CERT = serverCert("pgbackrest");

const ini = (sections: [string, string[]][]) => sections.map(([name, lines]) => [`[${name}]`, ...lines].join("\n")).join("\n\n") + "\n";

/** What both sides set alike: logs, spool, compression, parallelism. */
const COMMON = [`log-path=${PGBACKREST_LOG}`, "log-level-console=warn", "log-level-file=info", `spool-path=${PGBACKREST_SPOOL}`, "compress-type=zst", "process-max=2"];

type Cert = ReturnType<typeof serverCert>;

/** The TLS server pgBackRest runs on this host (at `address`), presenting `cert`; tls-server-auth lines say who may use it. */
const tlsServer = (address: string, cert: Cert) => [
  `tls-server-address=${address}`,
  `tls-server-port=${PGBACKREST_PORT}`,
  `tls-server-ca-file=${CA_CERT}`,
  `tls-server-cert-file=${cert.cert}`,
  `tls-server-key-file=${cert.key}`,
];

/** How this host reaches the pgBackRest TLS server of `host`, as option `<prefix>-host…` (repo1, pgN), presenting `cert`. */
const tlsHost = (prefix: string, host: string, cert: Cert) => [
  `${prefix}-host=${host}`,
  `${prefix}-host-type=tls`,
  `${prefix}-host-port=${PGBACKREST_PORT}`,
  `${prefix}-host-ca-file=${CA_CERT}`,
  `${prefix}-host-cert-file=${cert.cert}`,
  `${prefix}-host-key-file=${cert.key}`,
];

function clusterOf(model: Model, name: string): ClusterModel {
  const c = model.clusters.find((x) => x.name === name);
  if (!c) throw new Error(`no cluster ${name}`);
  return c;
}

/**
 * The stanzas a member may reach: its own, the source of its cluster's pg_pitr (it restores from there), and a
 * standby cluster's upstream's (it is seeded from there and replays its archive).
 */
export function stanzasOf(cluster: ClusterModel): string[] {
  const source = cluster.pitr && cluster.pitr.source !== cluster.name ? [cluster.pitr.source] : [];
  const upstream = cluster.standby?.stanza ? [cluster.standby.stanza] : [];
  return [cluster.name, ...source, ...upstream];
}

/**
 * The repository host's pgbackrest.conf: the repository, its TLS server, and one tls-server-auth line per member of
 * every cluster kept here, each naming only the stanzas that member may reach.
 */
export function renderRepoConf(model: Model, repo: BackupRepoModel): string {
  const auth = repo.clusters.flatMap((name) => {
    const c = clusterOf(model, name);
    return c.instances.map((i) => `tls-server-auth=${i.name}=${stanzasOf(c).join(",")}`);
  });
  const global = [
    `repo1-path=${repo.path}`,
    ...(repo.cipher ? ["repo1-cipher-type=aes-256-cbc", `repo1-cipher-pass=${placeholder(cipherSlot(repo), "raw")}`] : []),
    "start-fast=y",
    ...COMMON,
    ...tlsServer(repo.ip, REPO_CERT),
    ...auth,
  ];
  return `# pgBackRest repository on ${repo.name} (${repo.ip}) for ${repo.clusters.join(", ")}. Rendered by pigsty-pulumi.\n` + ini([["global", global]]);
}

/**
 * One stanza on the repository host: every member as pgN-host, so a backup finds the current leader after a
 * failover (and a replica with backup-standby), the retention of the cluster's full backups.
 */
export function renderStanzaConf(cluster: ClusterModel): string {
  const b = cluster.backup!;
  const members = cluster.instances.flatMap((i, n) => [
    ...tlsHost(`pg${n + 1}`, i.name, REPO_CERT),
    `pg${n + 1}-path=${cluster.dataDir}`,
    `pg${n + 1}-port=${cluster.ports.postgres}`,
    `pg${n + 1}-socket-path=${PG_SOCKET_DIR}`,
  ]);
  const settings = [`repo1-retention-full=${b.retentionFull}`, `backup-standby=${b.backupStandby ? "y" : "n"}`, ...members];
  return `# Stanza ${b.stanza}: the members of cluster ${cluster.name}. Rendered by pigsty-pulumi.\n` + ini([[b.stanza, settings]]);
}

/**
 * A member's pgbackrest.conf: the repository host as repo1-host, asynchronous archive-push with a queue limit, and
 * the member's own TLS server, which only the repository host may use, for this cluster's stanza.
 */
export function renderMemberConf(cluster: ClusterModel, instance: InstanceModel): string {
  const b = cluster.backup!;
  const global = [
    ...tlsHost("repo1", b.repo.name, MEMBER_CERT),
    "archive-async=y",
    `archive-push-queue-max=${b.archiveQueueMax}`,
    ...COMMON,
    ...tlsServer(instance.ip, MEMBER_CERT),
    `tls-server-auth=${b.repo.name}=${b.stanza}`,
  ];
  const stanza = [`pg1-path=${cluster.dataDir}`, `pg1-port=${cluster.ports.postgres}`, `pg1-socket-path=${PG_SOCKET_DIR}`];
  // A standby cluster's members restore and replay the upstream's stanza into their own data directory.
  const upstream = cluster.standby?.stanza ? [[cluster.standby.stanza, stanza] as [string, string[]]] : [];
  return `# pgBackRest of ${instance.name} (cluster ${cluster.name}), repository on ${b.repo.name}. Rendered by pigsty-pulumi.\n` + ini([["global", global], [b.stanza, stanza], ...upstream]);
}

/** Postgres's archive_command and restore_command for the cluster's own stanza. */
export const archiveCommand = (cluster: ClusterModel) => `pgbackrest --stanza=${cluster.backup!.stanza} archive-push %p`;
export const restoreCommand = (stanza: string) => `pgbackrest --stanza=${stanza} archive-get %f "%p"`;

/** The systemd units of a stanza's timers on the repository host: `pigsty-backup-<stanza>-<type>`. */
export const backupUnit = (stanza: string, type: "full" | "diff") => `pigsty-backup-${stanza}-${type}`;

export function renderBackupService(cluster: ClusterModel, type: "full" | "diff"): string {
  const stanza = cluster.backup!.stanza;
  return `# ${type} backup of stanza ${stanza} (cluster ${cluster.name}). Rendered by pigsty-pulumi.
[Unit]
Description=pgBackRest ${type} backup of ${stanza}
After=network-online.target

[Service]
Type=oneshot
ExecStart=${BACKUP_HELPER} backup ${stanza} ${type}
`;
}

export function renderBackupTimer(cluster: ClusterModel, type: "full" | "diff"): string {
  const b = cluster.backup!;
  return `# When the ${type} backup of ${b.stanza} runs (pgbackrest_schedule.${type}). Rendered by pigsty-pulumi.
[Unit]
Description=pgBackRest ${type} backup of ${b.stanza}, on schedule

[Timer]
OnCalendar=${b.schedule[type]}
Persistent=true
RandomizedDelaySec=60

[Install]
WantedBy=timers.target
`;
}

/** The backup helper of a repository host (render/host/pigsty-backup.py). */
export function renderBackupHelper(dbsu = "postgres"): string {
  return renderHostProgram("pigsty-backup.py", { dbsu, textfiles: NODE_EXPORTER_TEXTFILES });
}
