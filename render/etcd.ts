// etcd member config as Debian's /etc/default/etcd environment file (read by the packaged etcd unit).
import type { Model } from "../config/model";

/**
 * `state` is "new" when the whole DCS cluster is created together, "existing" when a member joins
 * a running cluster (after `etcdctl member add`).
 */
export function renderEtcdEnv(model: Model, memberName: string, state: "new" | "existing" = "new"): string {
  const member = model.dcs.members.find((m) => m.name === memberName);
  if (!member) throw new Error(`${memberName} is not a DCS member (members: ${model.dcs.members.map((m) => m.name).join(", ")})`);
  const peer = (ip: string) => `http://${ip}:${model.dcs.peerPort}`;
  const client = (ip: string) => `http://${ip}:${model.dcs.clientPort}`;
  const lines = [
    `# etcd member ${member.name} of DCS cluster ${model.dcs.name}. Rendered by pigsty-pulumi.`,
    `ETCD_NAME="${member.name}"`,
    `ETCD_DATA_DIR="/var/lib/etcd/${model.dcs.name}"`,
    `ETCD_LISTEN_PEER_URLS="${peer(member.ip)}"`,
    // Loopback too, so local tools (etcdctl, vip-manager on the same node) work without the address.
    `ETCD_LISTEN_CLIENT_URLS="${client(member.ip)},http://127.0.0.1:${model.dcs.clientPort}"`,
    `ETCD_ADVERTISE_CLIENT_URLS="${client(member.ip)}"`,
    `ETCD_INITIAL_ADVERTISE_PEER_URLS="${peer(member.ip)}"`,
    `ETCD_INITIAL_CLUSTER="${model.dcs.members.map((m) => `${m.name}=${peer(m.ip)}`).join(",")}"`,
    `ETCD_INITIAL_CLUSTER_TOKEN="${model.dcs.name}"`,
    `ETCD_INITIAL_CLUSTER_STATE="${state}"`,
    "",
  ];
  return lines.join("\n");
}
