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

/**
 * On a standby cluster of an upstream outside the stack: the stack's CA and the upstream's (pg_upstream_ca) in one
 * file, for replication alone. Patroni 3.0.2 takes standby_cluster's host and port only, and every other connection
 * parameter from postgresql.authentication.replication, so the standby leader and the replicas that stream from it
 * verify with the same file (verify-full: each certificate must name the address connected to).
 */
export const UPSTREAM_CA_BUNDLE = `${TLS_DIR}/replication-ca.crt`;
