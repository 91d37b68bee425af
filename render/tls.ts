// Where certificates live on a host. Host scripts reach Patroni's REST API through the helper (render/host/pigsty-patroni.py).
import { TLS_DIR } from "./paths";

/** The stack's CA certificate, on every host that serves or calls TLS. */
export const CA_CERT = `${TLS_DIR}/ca.crt`;

/** A service's certificate and key on its host (the key readable by the service's user only). */
export const serverCert = (service: "etcd" | "patroni" | "pgbackrest") => ({ cert: `${TLS_DIR}/${service}.crt`, key: `${TLS_DIR}/${service}.key` });
