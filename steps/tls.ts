// The member's TLS files: the stack's CA (also for HAProxy's checks and curl), the REST API's certificate, and the
// certificate Postgres and pgbouncer serve (render/patroni.ts, render/pgbouncer.ts).
import type { ClusterModel, InstanceModel } from "../config/model";
import { slot } from "../config/secretSlots";
import { CA_CERT, serverCert, UPSTREAM_CA_BUNDLE, type TlsService } from "../render/tls";
import { pemPlaceholder } from "./etcdClient";
import { quote } from "./shell";
import { filesStep, type HostStep } from "./step";

const MEMBER_SERVICES: TlsService[] = ["patroni", "postgres"];

/**
 * Installs them before Patroni's config. A changed certificate (a renewal, a member added or removed) reaches a running
 * Patroni with a reload, which also reloads Postgres (SIGHUP: Patroni reloads it whatever changed), and pgbouncer with
 * its own reload; neither restarts. The removal deletes the member's keys and certificates (the CA stays: other
 * services on the host may use it).
 */
export function patroniTlsStep(cluster: ClusterModel, instance: InstanceModel): HostStep {
  const files = [
    { path: CA_CERT, content: pemPlaceholder(slot.tlsCa()) },
    ...MEMBER_SERVICES.flatMap((service) => {
      const tls = serverCert(service);
      return [
        { path: tls.cert, content: pemPlaceholder(slot.tlsCert(service, instance.name)), owner: "postgres:postgres" },
        // Postgres refuses a key that others can read.
        { path: tls.key, content: pemPlaceholder(slot.tlsKey(service, instance.name)), owner: "postgres:postgres", mode: "0600" },
      ];
    }),
    // A standby of an upstream outside the stack verifies replication against both CAs (render/tls.ts).
    ...(cluster.standby?.external ? [{ path: UPSTREAM_CA_BUNDLE, content: `${pemPlaceholder(slot.tlsCa())}\n${cluster.standby.ca}` }] : []),
  ];
  const removal = [...MEMBER_SERVICES.flatMap((service) => Object.values(serverCert(service))), ...(cluster.standby?.external ? [UPSTREAM_CA_BUNDLE] : [])];
  return filesStep(`TLS files of ${instance.name} (cluster ${cluster.name})`, {
    files,
    onChange: ["if systemctl -q is-active patroni; then systemctl reload patroni; fi", "if systemctl -q is-active pgbouncer; then systemctl reload pgbouncer; fi"],
    removal: [`rm -f ${removal.map(quote).join(" ")}`],
  });
}
