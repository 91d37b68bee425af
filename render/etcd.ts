// etcd member config as Debian's /etc/default/etcd environment file (read by the packaged etcd unit).
import { ETCD_METRICS_PORT, type DcsModel } from "../config/model";
import { environmentFile } from "./environmentFile";
import { etcdDataDir } from "./paths";
import { CA_CERT, serverCert } from "./tls";

/** The etcd user (and its role, of the same name) of a cluster's Patroni: read-write on the cluster's prefix only. */
export const etcdUserOf = (cluster: string) => `patroni-${cluster}`;

/**
 * `state` is "new" when the whole DCS cluster is created together, "existing" when a member joins
 * a running cluster (after `etcdctl member add`).
 * Clients and peers use TLS with the member's certificate; peers must present a certificate of the
 * stack's CA. Client auth (users and roles) is enabled once the members run (steps/infra.ts).
 */
export function renderEtcdEnv(dcs: DcsModel, memberName: string, state: "new" | "existing" = "new"): string {
  const member = dcs.members.find((m) => m.name === memberName);
  if (!member) throw new Error(`${memberName} is not a DCS member (members: ${dcs.members.map((m) => m.name).join(", ")})`);
  const peer = (ip: string) => `https://${ip}:${dcs.peerPort}`;
  const client = (ip: string) => `https://${ip}:${dcs.clientPort}`;
  const tls = serverCert("etcd");
  return environmentFile(`etcd member ${member.name} of DCS cluster ${dcs.name}. Rendered by pigsty-pulumi.`, {
    ETCD_NAME: member.name,
    ETCD_DATA_DIR: etcdDataDir(dcs.name),
    ETCD_LISTEN_PEER_URLS: peer(member.ip),
    // Loopback too, so local tools (etcdctl) work without the address.
    ETCD_LISTEN_CLIENT_URLS: `${client(member.ip)},https://127.0.0.1:${dcs.clientPort}`,
    ETCD_ADVERTISE_CLIENT_URLS: client(member.ip),
    ETCD_LISTEN_METRICS_URLS: `http://${member.ip}:${ETCD_METRICS_PORT}`,
    ETCD_INITIAL_ADVERTISE_PEER_URLS: peer(member.ip),
    ETCD_INITIAL_CLUSTER: dcs.members.map((m) => `${m.name}=${peer(m.ip)}`).join(","),
    ETCD_INITIAL_CLUSTER_TOKEN: dcs.name,
    ETCD_INITIAL_CLUSTER_STATE: state,
    ETCD_CERT_FILE: tls.cert,
    ETCD_KEY_FILE: tls.key,
    ETCD_PEER_CERT_FILE: tls.cert,
    ETCD_PEER_KEY_FILE: tls.key,
    ETCD_PEER_TRUSTED_CA_FILE: CA_CERT,
    ETCD_PEER_CLIENT_CERT_AUTH: "true",
  });
}
