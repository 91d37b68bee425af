// keepalived for a cluster's L2 VIP (vip_mode l2): one VRRP instance per cluster that holds the VIP where Patroni leads.
import type { ClusterModel, InstanceModel, VipModel } from "../config/model";
import { IP_COMMAND, VIP_SCRIPT_USER } from "./paths";
import { CA_CERT } from "./tls";

/** The check's name in keepalived.conf. */
const CHECK = "patroni_leads";

/** `address/mask` as keepalived and `ip` write it. */
export const vipCidr = (vip: VipModel) => `${vip.address}/${vip.cidrmask}`;

/**
 * Passes only while this member's own Patroni says it is the running primary (GET /primary answers 200, else 503).
 * It asks Patroni, never etcd: with failsafe_mode the leader keeps leading through a DCS outage, and so keeps the VIP.
 * /primary is a GET health endpoint, open without the API's password; the CA verifies the member's certificate.
 */
export function vipCheckCommand(cluster: ClusterModel, instance: InstanceModel): string {
  return `/usr/bin/curl -fsS -o /dev/null --max-time 1 --cacert ${CA_CERT} https://${instance.ip}:${cluster.ports.patroni}/primary`;
}

/**
 * Every member runs the same instance: state BACKUP, equal priorities and nopreempt, so only a member whose check
 * passes (the leader) can become MASTER, and a healthy MASTER is never pushed aside. A failing check (weight 0) puts
 * the instance in FAULT, which drops the VIP, rather than lowering its priority. Unicast to the other members only
 * (no multicast on the segment), and adverts from other sources are ignored (check_unicast_src).
 */
export function renderKeepalivedConf(cluster: ClusterModel, instance: InstanceModel): string {
  const vip = cluster.vip;
  if (!vip) throw new Error(`cluster ${cluster.name} has no VIP (vip_mode l2) to render keepalived.conf for`);
  const peers = cluster.instances.filter((i) => i.name !== instance.name).map((i) => `    ${i.ip}`);
  return `# keepalived of ${instance.name}: the VIP ${vipCidr(vip)} of cluster ${cluster.name} follows Patroni's leader. Rendered by pigsty-pulumi.
global_defs {
  router_id ${instance.name}
  script_user ${VIP_SCRIPT_USER}
  enable_script_security
}

vrrp_script ${CHECK} {
  script "${vipCheckCommand(cluster, instance)}"
  interval 1
  timeout 2
  fall 2
  rise 1
  weight 0
}

vrrp_instance ${cluster.name} {
  state BACKUP
  nopreempt
  interface ${vip.interface}
  virtual_router_id ${vip.vrid}
  priority 100
  advert_int 1
  unicast_src_ip ${instance.ip}
  unicast_peer {
${peers.join("\n")}
  }
  check_unicast_src
  virtual_ipaddress {
    ${vipCidr(vip)} dev ${vip.interface}
  }
  track_script {
    ${CHECK} weight 0
  }
}
`;
}

/** Debian's unit restarts keepalived only on failure: a killed keepalived would leave the VIP on the interface, unwatched. */
export function renderKeepalivedDropIn(): string {
  return `# Rendered by pigsty-pulumi: a keepalived that dies for any reason comes back, and drops or takes the VIP as its check says.
[Service]
Restart=always
RestartSec=1
`;
}

/** The one command the dbsu's role-change callback may run as root: remove this cluster's VIP from the interface. */
export function vipReleaseCommand(vip: VipModel): string {
  return `${IP_COMMAND} addr del ${vipCidr(vip)} dev ${vip.interface}`;
}

export function renderVipSudoers(cluster: ClusterModel): string {
  const vip = cluster.vip;
  if (!vip) throw new Error(`cluster ${cluster.name} has no VIP (vip_mode l2) to render a sudoers rule for`);
  return `# Rendered by pigsty-pulumi: Patroni's role-change callback (as ${cluster.accounts.dbsu}) drops the VIP when this member stops leading.
${cluster.accounts.dbsu} ALL=(root) NOPASSWD: ${vipReleaseCommand(vip)}
`;
}
