// Patroni's on_role_change/on_start callback: activates the HBA files (Postgres' and pgbouncer's) of the node's actual role.
import type { ClusterModel, InstanceModel } from "../config/model";
import { notLeaderHba, PG_HBA_ACTIVE, PG_SOCKET_DIR, PGBOUNCER_HBA_ACTIVE, PGBOUNCER_PID, pgbouncerHbaForRole, pgHbaForRole } from "./paths";

/**
 * Patroni calls the script with `<action> <role> <cluster>`; role is primary/master, replica,
 * standby_leader or demoted. The offline files are used on offline-query members when not leading,
 * so HBA follows reality after a failover without any inventory change (SOP S8). pgbouncer's file
 * is switched too once pgbouncer is installed (Patroni starts first), and pgbouncer re-reads it on
 * SIGHUP; the script runs as the dbsu, which owns both processes.
 */
export function renderRoleChangeScript(cluster: ClusterModel, instance: InstanceModel): string {
  const notLeader = notLeaderHba(instance);
  return `#!/bin/sh
# Patroni callback for ${instance.name}: copy the HBA files of the actual role into place and reload.
set -eu
role="\${2:-replica}"
case "$role" in
  master|primary|standby_leader) as=primary ;;
  *) as=${notLeader} ;;
esac
cp "${pgHbaForRole("$as")}" ${PG_HBA_ACTIVE}.new && mv ${PG_HBA_ACTIVE}.new ${PG_HBA_ACTIVE}
${cluster.binDir}/psql -h ${PG_SOCKET_DIR} -p ${cluster.ports.postgres} -d postgres -Atqc 'select pg_reload_conf()' >/dev/null 2>&1 || true
pgb="${pgbouncerHbaForRole("$as")}"
if [ -f "$pgb" ] && ! cmp -s "$pgb" ${PGBOUNCER_HBA_ACTIVE}; then
  cat "$pgb" >${PGBOUNCER_HBA_ACTIVE}
  kill -HUP "$(cat ${PGBOUNCER_PID} 2>/dev/null)" 2>/dev/null || true
fi
`;
}
