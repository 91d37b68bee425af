// pgBackRest's host steps: the repository host's server, a member's side, a stanza's creation, first backup and
// timers on the repository host, and the check of a restore's target before a pg_pitr cluster is created.
import type { BackupRepoModel, ClusterModel, InstanceModel, Model } from "../config/model";
import { slot } from "../config/secretSlots";
import { BACKUP_HELPER, PGBACKREST_CONF, PGBACKREST_CONF_D, PGBACKREST_DIR, PGBACKREST_LOG, PGBACKREST_SPOOL, SYSTEMD_UNIT_DIR } from "../render/paths";
import { backupUnit, renderBackupHelper, renderBackupService, renderBackupTimer, renderMemberConf, renderRepoConf, renderStanzaConf } from "../render/pgbackrest";
import { CA_CERT, serverCert } from "../render/tls";
import { pemPlaceholder } from "./etcdClient";
import { hostsBlock } from "./hosts";
import type { FileSpec } from "./installFiles";
import { BACKUP_REPO_PACKAGES, installPackages } from "./node";
import { quote } from "./shell";
import { filesStep, hostStep, type HostStep } from "./step";
import { fail, reporting, sayWords } from "./words";
import { inPlaceCheckStep } from "./restore";

const DBSU = "postgres";
/** pgBackRest as the dbsu, which owns the repository and the spool (Debian's packaging). */
const pgbackrest = (stanza: string, ...args: string[]) => `runuser -u ${DBSU} -- pgbackrest ${[`--stanza=${stanza}`, ...args].map(quote).join(" ")}`;
/** The config files: the dbsu reads them; only the repository's holds a secret (its cipher passphrase). */
const CONF = { owner: `root:${DBSU}`, mode: "0640" };
/** Debian's packaged unit runs `pgbackrest server` as the dbsu with ExecReload=kill -HUP. */
const SERVER = "pgbackrest";

const dirs = (...paths: string[]) => `install -d -o ${DBSU} -g ${DBSU} -m 0750 ${paths.map(quote).join(" ")}`;
/** The server re-reads its config, certificates included, on SIGHUP (the unit's ExecReload): no connection is cut. */
const reloadServer = `systemctl reload-or-restart ${SERVER}`;
const serverUp = [`systemctl enable -q ${SERVER}`, `systemctl -q is-active ${SERVER} || systemctl start ${SERVER}`];
const serverGone = [`systemctl disable --now ${SERVER} 2>/dev/null || true`, `rm -f ${quote(PGBACKREST_CONF)}`];

/**
 * The repository host: pgBackRest's TLS server (members push and get WAL and restore through it), the repository
 * directory, the stack's certificate for the host's name, every member's name in /etc/hosts, the backup helper.
 * A member added or removed changes tls-server-auth, and the server reloads. Removing it keeps the repository.
 */
export function backupRepoStep(model: Model, repo: BackupRepoModel): HostStep {
  const tls = serverCert("pgbackrest");
  const files: FileSpec[] = [
    { path: PGBACKREST_CONF, content: renderRepoConf(model, repo), ...CONF },
    { path: CA_CERT, content: pemPlaceholder(slot.tlsCa()) },
    { path: tls.cert, content: pemPlaceholder(slot.tlsCert("pgbackrest", repo.name)), owner: `${DBSU}:${DBSU}` },
    { path: tls.key, content: pemPlaceholder(slot.tlsKey("pgbackrest", repo.name)), owner: `${DBSU}:${DBSU}`, mode: "0600" },
    { path: BACKUP_HELPER, content: renderBackupHelper(DBSU), mode: "0755", library: "pigsty-backup" },
  ];
  const members = model.clusters.filter((c) => repo.clusters.includes(c.name)).flatMap((c) => c.instances.map((i) => `${i.ip} ${i.name}`));
  return filesStep(`backup repository on ${repo.name}`, {
    before: [
      "export DEBIAN_FRONTEND=noninteractive",
      ...installPackages(BACKUP_REPO_PACKAGES),
      dirs(repo.path, PGBACKREST_SPOOL, PGBACKREST_LOG),
      `install -d -m 0755 ${PGBACKREST_DIR} ${PGBACKREST_CONF_D}`,
    ],
    files,
    onChange: [reloadServer],
    always: [hostsBlock("pgbackrest-repo", members), ...serverUp],
    removal: [
      hostsBlock("pgbackrest-repo", []),
      ...serverGone,
      sayWords(`pgBackRest's server stopped; the repository ${repo.path} and its backups are kept`),
    ],
  });
}

/**
 * A member's pgBackRest: its config (archive-push and archive-get through the repository host) and its TLS server,
 * through which the repository host backs it up. Runs before Patroni starts, so archiving and restores work from the
 * member's first start.
 */
export function memberBackupStep(cluster: ClusterModel, instance: InstanceModel): HostStep {
  const repo = cluster.backup!.repo;
  const files: FileSpec[] = [{ path: PGBACKREST_CONF, content: renderMemberConf(cluster, instance), ...CONF }];
  return filesStep(`pgBackRest of ${instance.name} (cluster ${cluster.name})`, {
    before: [
      "export DEBIAN_FRONTEND=noninteractive",
      ...installPackages(["pgbackrest"]),
      dirs(PGBACKREST_SPOOL, PGBACKREST_LOG),
      `install -d -m 0755 ${PGBACKREST_DIR} ${PGBACKREST_CONF_D}`,
    ],
    files,
    onChange: [reloadServer],
    always: [hostsBlock("pgbackrest", [`${repo.ip} ${repo.name}`]), ...serverUp],
    removal: [hostsBlock("pgbackrest", []), ...serverGone],
  });
}

/**
 * Defines `locked_retry CMD...`: runs CMD (its output in $out) until it does not fail on a lock that another pgBackRest
 * process holds (the repository's server pushing a member's WAL holds the stanza's archive lock), 60 s at most.
 */
const lockedRetry = [
  "locked_retry() {",
  '  local i; for i in $(seq 1 30); do',
  '    if out=$("$@" 2>&1); then return 0; fi',
  "    grep -q 'unable to acquire lock' <<<\"$out\" || return 1",
  "    sleep 2",
  "  done",
  "  return 1",
  "}",
];

const stanzaConfPath = (stanza: string) => `${PGBACKREST_CONF_D}/${stanza}.conf`;
const unitPath = (name: string) => `${SYSTEMD_UNIT_DIR}/${name}`;

/**
 * On the repository host, once every member runs: the stanza's config, `stanza-create` (a stanza of another database
 * under the same name is refused unless pgbackrest_clean), `check` (WAL reaches the repository), a first full backup
 * when the stanza has none, and the timers. Removing it stops the timers and keeps the backups unless rm_backup.
 */
export function clusterBackupStep(cluster: ClusterModel): HostStep {
  const b = cluster.backup!;
  const timers = (["full", "diff"] as const).map((t) => backupUnit(b.stanza, t));
  const files: FileSpec[] = [
    { path: stanzaConfPath(b.stanza), content: renderStanzaConf(cluster), ...CONF },
    ...(["full", "diff"] as const).flatMap((t) => [
      { path: unitPath(`${backupUnit(b.stanza, t)}.service`), content: renderBackupService(cluster, t) },
      { path: unitPath(`${backupUnit(b.stanza, t)}.timer`), content: renderBackupTimer(cluster, t) },
    ]),
  ];
  const foreign = `the repository on ${b.repo.name} already holds a stanza ${b.stanza} of another database (an earlier cluster of that name), which this cluster cannot archive into`;
  const mismatch = b.clean
    ? [
      `  ${sayWords(`pgbackrest_clean is set: deleting stanza ${b.stanza} and its backups`)}`,
      `  ${pgbackrest(b.stanza, "stop")}`,
      `  ${pgbackrest(b.stanza, "--force", "stanza-delete")}`,
      `  ${pgbackrest(b.stanza, "start")}`,
      `  ${pgbackrest(b.stanza, "stanza-create")}`,
    ]
    : [`  ${fail(`error: ${foreign}; nothing was changed. Keep those backups by giving this cluster another name, or set clusters.${cluster.name}.vars.pgbackrest_clean: true to delete them (dangerous), then run pulumi up again.`)}`];
  const removal = b.removeWithCluster
    ? [
      pgbackrest(b.stanza, "stop"),
      `${pgbackrest(b.stanza, "--force", "stanza-delete")} || ${fail(`error: stanza-delete of ${b.stanza} failed; its backups are still in ${b.repo.path} (see /var/log/pgbackrest on ${b.repo.name})`)}`,
      `${pgbackrest(b.stanza, "start")} || true`,
      sayWords(`rm_backup is set: deleted stanza ${b.stanza} and its backups`),
    ]
    : [sayWords(`kept stanza ${b.stanza} and its backups in ${b.repo.path} (README: "Backups and restore" says how to delete them)`)];
  const always = [
    ...lockedRetry,
    `if ! locked_retry ${pgbackrest(b.stanza, "stanza-create")}; then`,
    '  if grep -q "do not match the database" <<<"$out"; then',
    ...mismatch,
    // A stanza with backups already exists; the members listed may lack the leader for the moment (its host is being
    // removed, a member is down): the next backup finds it.
    `  elif grep -q "unable to find primary cluster" <<<"$out" && ${quote(BACKUP_HELPER)} has-backup ${quote(b.stanza)}; then`,
    `    ${sayWords(`no member listed for stanza ${b.stanza} leads right now; the stanza and its backups stay as they are`)}`,
    "  else",
    `    ${fail(`error: stanza-create of ${b.stanza} failed: `, { expansion: '"$out"' })}`,
    "  fi",
    "fi",
    // Before the first backup only: `check` fails (after minutes) while any member is down, and later backups prove
    // archiving anyway (a backup waits for its WAL to reach the repository).
    `${quote(BACKUP_HELPER)} has-backup ${quote(b.stanza)} || locked_retry ${pgbackrest(b.stanza, "check")} || ${fail(`error: pgbackrest check of ${b.stanza} failed, so WAL does not reach the repository: `, { expansion: '"$(tail -n 5 <<<"$out")"' }, `. See /var/log/pgbackrest on ${b.repo.name} and on the leader.`)}`,
    reporting(`${quote(BACKUP_HELPER)} first ${quote(b.stanza)}`),
    `systemctl enable -q --now ${timers.map((t) => quote(`${t}.timer`)).join(" ")}`,
    `${quote(BACKUP_HELPER)} metrics ${quote(b.stanza)} || true`,
  ];
  return filesStep(`backups of ${cluster.name}`, {
    files,
    onChange: ["systemctl daemon-reload"],
    always,
    removal: [
      `systemctl disable --now ${timers.map((t) => quote(`${t}.timer`)).join(" ")} 2>/dev/null || true`,
      // While the stanza's file still gives pgBackRest its pg1-path: stanza-delete needs it.
      ...removal,
      `rm -f ${[...timers.flatMap((t) => [`${t}.service`, `${t}.timer`].map(unitPath)), stanzaConfPath(b.stanza)].map(quote).join(" ")}`,
      "systemctl daemon-reload",
    ],
  });
}

/**
 * Before a pg_pitr cluster's members start: the source's stanza holds a backup the target can be reached from, and
 * (when the source runs) its latest WAL is archived; a bad target is refused before anything is created. Once the
 * cluster has backups of its own it was created, and the step only says that pg_pitr acts at creation. An in-place
 * restore checks its own stanza, once per restore number (steps/restore.ts).
 */
export function pitrCheckStep(cluster: ClusterModel): HostStep {
  const p = cluster.pitr!;
  if (p.inPlace) return inPlaceCheckStep(cluster);
  const args = [BACKUP_HELPER, "check-target", p.source, p.type, ...(p.target !== undefined ? [p.target] : [])].map(quote).join(" ");
  return hostStep(`restore target of ${cluster.name} from ${p.source}`, [
    `if ${quote(BACKUP_HELPER)} has-backup ${quote(cluster.name)}; then`,
    `  ${sayWords(`${cluster.name} already has backups of its own: it was created, and pg_pitr acts only at creation`)}`,
    "  exit 0",
    "fi",
    reporting(args),
  ]);
}

