// Where certificates live on a host, and how host scripts reach Patroni's REST API over TLS.
import type { ClusterModel } from "../config/model";
import { quote } from "../steps/shell";

export const TLS_DIR = "/etc/pigsty/tls";
/** The stack's CA certificate, on every host that serves or calls TLS. */
export const CA_CERT = `${TLS_DIR}/ca.crt`;

/** A service's certificate and key on its host (the key readable by the service's user only). */
export const serverCert = (service: "etcd" | "patroni") => ({ cert: `${TLS_DIR}/${service}.crt`, key: `${TLS_DIR}/${service}.key` });

/** Patroni's REST API on this host, as host scripts call it (the certificate names 127.0.0.1). */
export const localPatroniUrl = (cluster: ClusterModel, path: string) => `https://127.0.0.1:${cluster.ports.patroni}${path}`;

/** `curl` for Patroni's REST API on this host, verifying its certificate against the stack's CA. */
export const curlPatroni = (cluster: ClusterModel, path: string) => `curl -fsS --cacert ${quote(CA_CERT)} ${quote(localPatroniUrl(cluster, path))}`;
