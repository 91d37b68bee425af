// Patroni's on_role_change/on_start callback (and on_stop with a VIP): activates the HBA files (Postgres' and pgbouncer's)
// of the node's actual role, and drops the cluster's VIP from a member that no longer leads.
import type { ClusterModel, InstanceModel } from "../config/model";
import { LEADER_ROLES } from "../patroni/roles";
import { quote } from "./quote";
import { vipCidr, vipReleaseCommand } from "./keepalived";
import { notLeaderHba, PG_HBA_ACTIVE, PG_SOCKET_DIR, PGBOUNCER_HBA_ACTIVE, PGBOUNCER_PID, pgbouncerHbaForRole, pgHbaForRole } from "./paths";

/**
 * Patroni calls the script with `<action> <role> <cluster>`; role is a leader role (patroni/roles.ts:
 * primary, master or standby_leader here), replica or demoted. The offline files are used on offline-query members when not leading,
 * so HBA follows reality after a failover without any inventory change (SOP S8). pgbouncer's file
 * is switched too once pgbouncer is installed (Patroni starts first), and pgbouncer re-reads it on
 * SIGHUP; the script runs as the dbsu, which owns both processes.
 */
export function renderRoleChangeScript(cluster: ClusterModel, instance: InstanceModel): string {
  const notLeader = notLeaderHba(instance);
  // `$as` is the script's own variable; every other value is quoted, though all are fixed paths or validated.
  const roleFile = (forRole: (role: string) => string) => {
    const [head, tail] = forRole("\n").split("\n");
    return `${quote(head)}"$as"${quote(tail)}`;
  };
  return `#!/bin/sh
# Patroni callback for ${instance.name}: copy the HBA files of the actual role into place and reload.
set -eu
role="\${2:-replica}"
case "$role" in
  ${LEADER_ROLES.join("|")}) as=primary ;;
  *) as=${quote(notLeader)} ;;
esac
cp ${roleFile(pgHbaForRole)} ${quote(`${PG_HBA_ACTIVE}.new`)} && mv ${quote(`${PG_HBA_ACTIVE}.new`)} ${quote(PG_HBA_ACTIVE)}
${quote(`${cluster.binDir}/psql`)} -h ${quote(PG_SOCKET_DIR)} -p ${quote(String(cluster.ports.postgres))} -d postgres -Atqc 'select pg_reload_conf()' >/dev/null 2>&1 || true
pgb=${roleFile(pgbouncerHbaForRole)}
if [ -f "$pgb" ] && ! cmp -s "$pgb" ${quote(PGBOUNCER_HBA_ACTIVE)}; then
  cat "$pgb" >${quote(PGBOUNCER_HBA_ACTIVE)}
  kill -HUP "$(cat ${quote(PGBOUNCER_PID)} 2>/dev/null)" 2>/dev/null || true
fi
${cluster.vip ? vipRelease(cluster) : ""}`;
}

/**
 * With a VIP: a member that stops leading (or whose Postgres Patroni stops) removes the VIP from its interface at
 * once, rather than after keepalived's check fails twice, and also when keepalived is not running (killed: the address
 * stays behind). The dbsu may run exactly that `ip` command as root (render/keepalived.ts renderVipSudoers).
 */
function vipRelease(cluster: ClusterModel): string {
  const vip = cluster.vip!;
  return `if [ "$as" != primary ] || [ "\${1:-}" = on_stop ]; then
  if ip -o -4 addr show dev ${quote(vip.interface)} | grep -qF ${quote(` inet ${vipCidr(vip)} `)}; then
    sudo -n ${vipReleaseCommand(vip)} || true
  fi
fi
`;
}
