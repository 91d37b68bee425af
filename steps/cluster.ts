// Cluster-wide steps that run SQL on the current leader: roles, users and databases.
import type { ClusterModel } from "../config/model";
import { slot } from "../config/secretSlots";
import { placeholder } from "../render/placeholders";
import { fillSecrets } from "./installFiles";
import { askPatroni } from "./patroniApi";
import { inLibrary } from "../render/hostLibrary";
import { heredoc, quote } from "./shell";
import { heredocCarrying } from "./lines";
import { afterRestoreNote } from "./reset";
import { hostStep, type HostStep } from "./step";
import { databasesSql, rolesSql } from "./sql";

/**
 * Runs SQL on whichever member leads now: through the local socket as the dbsu when this host leads,
 * else over the network as the admin user. So it keeps working after a failover, when the intended
 * primary is a replica. Password placeholders in the SQL become SCRAM verifiers on the host
 * (steps/scram.ts), so no password reaches the server; only the admin's pgpass holds one (mode 0600).
 */
function onLeader(cluster: ClusterModel, title: string, sql: string): HostStep {
  const psql = `${quote(`${cluster.binDir}/psql`)} -X -q -v ON_ERROR_STOP=1`;
  const pgpass = `*:*:*:${cluster.accounts.admin}:${placeholder(slot.admin(cluster.name), "pgpass")}`;
  const port = quote(String(cluster.ports.postgres));
  return hostStep(title, [
    ...afterRestoreNote(cluster),
    heredocCarrying('cat >"$work/sql.in"', sql),
    { text: heredoc('cat >"$work/pgpass.in"', pgpass), secrets: [slot.admin(cluster.name)] },
    `(umask 077; python3 ${inLibrary("fill-scram.py")} "$work/secrets.json" "$work/sql.in" >"$work/sql"; ${fillSecrets('"$work/pgpass.in"')} >"$work/pgpass")`,
    `leader=$(${askPatroni("leader", "--host")})`,
    '[ -n "$leader" ] || { echo "error: cluster has no leader right now; run pulumi up again when patronictl list shows one" >&2; exit 1; }',
    `if [[ " $(hostname -I) " == *" $leader "* ]]; then`,
    `  chown postgres "$work" "$work/sql"; runuser -u postgres -- ${psql} -d postgres -f "$work/sql"`,
    "else",
    `  PGPASSFILE="$work/pgpass" ${psql} -h "$leader" -p ${port} -U ${quote(cluster.accounts.admin)} -d postgres -f "$work/sql"`,
    "fi",
    `say ${quote(`${title}: done on`)} "$leader"`,
  ]);
}

export const rolesStep = (cluster: ClusterModel) => onLeader(cluster, `roles and users of ${cluster.name}`, rolesSql(cluster));
export const databasesStep = (cluster: ClusterModel) => onLeader(cluster, `databases of ${cluster.name}`, databasesSql(cluster));
