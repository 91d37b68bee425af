// The Patroni member's TLS files: the stack's CA (also for HAProxy's checks and curl) and the REST API's certificate.
import type { ClusterModel, InstanceModel } from "../config/model";
import { slot } from "../config/secretSlots";
import { CA_CERT, serverCert } from "../render/tls";
import { pemPlaceholder } from "./etcdClient";
import { filesStep, type HostStep } from "./step";

/** Installs them before Patroni's config; a changed certificate reaches a running Patroni with a reload. */
export function patroniTlsStep(cluster: ClusterModel, instance: InstanceModel): HostStep {
  const tls = serverCert("patroni");
  const files = [
    { path: CA_CERT, content: pemPlaceholder(slot.tlsCa()) },
    { path: tls.cert, content: pemPlaceholder(slot.tlsCert("patroni", instance.name)), owner: "postgres:postgres" },
    { path: tls.key, content: pemPlaceholder(slot.tlsKey("patroni", instance.name)), owner: "postgres:postgres", mode: "0600" },
  ];
  return filesStep(`TLS files of ${instance.name} (cluster ${cluster.name})`, { files, onChange: ["if systemctl -q is-active patroni; then systemctl reload patroni; fi"] });
}
