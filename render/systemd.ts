// systemd unit for Patroni, pointing at Pigsty's config path (replaces the unit Debian's package ships).
import type { ClusterModel, InstanceModel } from "../config/model";
import { PATRONI_YML } from "./paths";

export function renderPatroniUnit(cluster: ClusterModel, instance: InstanceModel): string {
  return `# Patroni of ${instance.name} (cluster ${cluster.name}). Rendered by pigsty-pulumi.
[Unit]
Description=Patroni of ${instance.name}
After=network-online.target

[Service]
Type=simple
User=postgres
Group=postgres
ExecStart=/usr/bin/patroni ${PATRONI_YML}
ExecReload=/bin/kill -HUP $MAINPID
# Stop only Patroni: it shuts Postgres down itself, cleanly.
KillMode=process
TimeoutSec=60
Restart=on-failure
RestartSec=5

[Install]
WantedBy=multi-user.target
`;
}
