// systemd unit for Patroni, pointing at Pigsty's config path (replaces the unit Debian's package ships),
// and the fence it runs when Patroni dies.
import type { ClusterModel, InstanceModel } from "../config/model";
import { hostProgram } from "./hostProgram";
import { quote } from "./quote";
import { PATRONI_FENCE_SCRIPT, PATRONI_LAUNCHER, PATRONI_YML } from "./paths";

export function renderPatroniUnit(cluster: ClusterModel, instance: InstanceModel): string {
  return `# Patroni of ${instance.name} (cluster ${cluster.name}). Rendered by pigsty-pulumi.
[Unit]
Description=Patroni of ${instance.name}
After=network-online.target

[Service]
Type=simple
User=postgres
Group=postgres
# Debian's Patroni, started with the failsafe correction its 3.0.2 needs (the launcher says why).
ExecStart=/usr/bin/python3 ${PATRONI_LAUNCHER} ${PATRONI_YML}
ExecReload=/bin/kill -HUP $MAINPID
# Stop only Patroni: it shuts Postgres down itself, cleanly.
KillMode=process
# A Patroni that died leaves Postgres running: the fence stops it (see the script).
ExecStopPost=${PATRONI_FENCE_SCRIPT}
TimeoutSec=60
Restart=on-failure
RestartSec=5

[Install]
WantedBy=multi-user.target
`;
}

/**
 * Run by systemd after Patroni exits (ExecStopPost, as the dbsu). A Patroni killed or crashed leaves
 * its Postgres running, and a former leader's Postgres would keep taking direct writes (5432, 6432)
 * after another member takes the leader key (ttl seconds later). The fence stops that Postgres at
 * once, so the key expires with nothing writable behind it; Patroni, restarted by systemd, starts it
 * again in the role the DCS gives. Left alone: a stop on purpose (`systemctl stop`, where Patroni
 * stops Postgres itself, or leaves it running in maintenance), and any exit while the cluster is
 * paused (Patroni's cached dynamic config says so): maintenance means no failover, so no second leader.
 */
export function renderPatroniFence(cluster: ClusterModel): string {
  const data = quote(cluster.dataDir);
  const pgCtl = quote(`${cluster.binDir}/pg_ctl`);
  const paused = `import json, sys; sys.exit(0 if json.load(open(sys.argv[1])).get("pause") else 1)`;
  return `#!/bin/sh
# Fence of Patroni in cluster ${cluster.name}: stops Postgres when Patroni died. Rendered by pigsty-pulumi.
result="\${SERVICE_RESULT:-success}"
[ "$result" = success ] && exit 0
if python3 -c ${quote(paused)} ${quote(`${cluster.dataDir}/patroni.dynamic.json`)} 2>/dev/null; then
  echo "Patroni exited ($result) while ${cluster.name} is in maintenance mode: Postgres keeps running"
  exit 0
fi
if ${pgCtl} -D ${data} status >/dev/null 2>&1; then
  echo "Patroni exited ($result): stopping Postgres, which must take no writes outside Patroni's control"
  ${pgCtl} -D ${data} stop -m fast -w -t 30 || ${pgCtl} -D ${data} stop -m immediate -w -t 30
fi
exit 0
`;
}

/** The Patroni launcher as installed (render/host/patroni-launch.py, unchanged). */
export function renderPatroniLauncher(): string {
  return hostProgram("patroni-launch.py");
}
