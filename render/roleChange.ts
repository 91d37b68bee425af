// Patroni's on_role_change/on_start callback: activates the pg_hba.conf rendered for the node's actual role.
import type { ClusterModel, InstanceModel } from "../config/model";
import { PG_HBA_ACTIVE, PG_SOCKET_DIR, pgHbaForRole } from "./paths";

/**
 * Patroni calls the script with `<action> <role> <cluster>`; role is primary/master, replica,
 * standby_leader or demoted. The offline file is used on offline-query members when not leading,
 * so HBA follows reality after a failover without any inventory change (SOP S8).
 */
export function renderRoleChangeScript(cluster: ClusterModel, instance: InstanceModel): string {
  const notLeader = instance.offlineQuery ? "offline" : "replica";
  return `#!/bin/sh
# Patroni callback for ${instance.name}: copy the HBA file of the actual role into place and reload.
set -eu
role="\${2:-replica}"
case "$role" in
  master|primary|standby_leader) file=${pgHbaForRole("primary")} ;;
  *) file=${pgHbaForRole(notLeader)} ;;
esac
cp "$file" ${PG_HBA_ACTIVE}.new && mv ${PG_HBA_ACTIVE}.new ${PG_HBA_ACTIVE}
${cluster.binDir}/psql -h ${PG_SOCKET_DIR} -p ${cluster.ports.postgres} -d postgres -Atqc 'select pg_reload_conf()' >/dev/null 2>&1 || true
`;
}
