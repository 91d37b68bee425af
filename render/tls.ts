// Where certificates live on a host. Host scripts reach Patroni's REST API through the helper (render/host/pigsty-patroni.py).
import { TLS_DIR } from "./paths";

/** The stack's CA certificate, on every host that serves or calls TLS. */
export const CA_CERT = `${TLS_DIR}/ca.crt`;

/** A service with its own server certificate; `postgres` is Postgres' and pgbouncer's on a member. */
export type TlsService = "etcd" | "patroni" | "pgbackrest" | "postgres";

/** A service's certificate and key on its host (the key readable by the service's user only). */
export const serverCert = (service: TlsService) => ({ cert: `${TLS_DIR}/${service}.crt`, key: `${TLS_DIR}/${service}.key` });

/**
 * How members verify each other's Postgres (replication, pg_rewind, Patroni's own connections): against the stack's
 * CA and by name. Members connect by address, and each member's certificate names its address, so verify-full holds;
 * verify-ca alone would also accept any other cluster's member, whose certificate the same CA signed.
 */
export const MEMBER_SSL = { sslmode: "verify-full", sslrootcert: CA_CERT } as const;
