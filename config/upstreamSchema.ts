// pg_upstream and the keys of an upstream outside the stack: a cluster name, or the upstream's addresses.
import { z } from "zod";
import { CLUSTER_NAME, isIpv4, PG_IDENTIFIER, port } from "./schemaKit";

const FORMS = "Name a cluster of this stack (pg_upstream: pg-test), or give an upstream outside the stack by its addresses (pg_upstream: 10.1.1.11, or a list [10.1.1.11, 10.1.1.12]).";

/**
 * Pigsty's pg_upstream: a cluster of this stack by name, or an upstream outside the stack by its IPv4 addresses, as a
 * list or (Pigsty's form) one address, which becomes a list of one. A name starts with a letter, an address with a digit.
 */
export const pgUpstream = z.unknown().transform((value, ctx): string | string[] => {
  const fail = (message: string, path: (string | number)[] = []) => {
    ctx.addIssue({ code: "custom", message, path });
    return z.NEVER;
  };
  if (typeof value === "string") {
    if (/^[0-9]/.test(value)) return isIpv4(value) ? [value] : fail(`${JSON.stringify(value)} is not an IPv4 address. Write it as four numbers 0-255, e.g. 10.1.1.11.`);
    return CLUSTER_NAME.test(value) ? value : fail(`${JSON.stringify(value)} is not a cluster name (lowercase letters, digits and hyphens, starting with a letter) nor an IPv4 address. ${FORMS}`);
  }
  if (!Array.isArray(value)) return fail(`${JSON.stringify(value)} is neither a cluster name nor a list of addresses. ${FORMS}`);
  if (value.length === 0) return fail(`is an empty list. ${FORMS}`);
  const bad = value.findIndex((a) => typeof a !== "string" || !isIpv4(a));
  if (bad >= 0) return fail(`${JSON.stringify(value[bad])} is not an IPv4 address. Write each address of the upstream's members as four numbers 0-255, e.g. 10.1.1.11.`, [bad]);
  const twice = value.find((a, i) => value.indexOf(a) !== i);
  if (twice !== undefined) return fail(`names ${twice} twice. List each member of the upstream once.`);
  return value as string[];
});

/**
 * The CA certificate(s) that signed the upstream's server certificate, PEM: replication is verified TLS
 * (sslmode verify-full), so the standby checks the upstream's certificate against them and its address.
 */
const pemCertificates = z.string().transform((text, ctx) => {
  const block = "-----BEGIN CERTIFICATE-----\\n(?:[A-Za-z0-9+/=]{1,76}\\n)+-----END CERTIFICATE-----\\n";
  const normal = text.replace(/\r\n/g, "\n").trim() + "\n";
  if (new RegExp(`^(?:${block}\\n*)+$`).test(normal)) return normal;
  ctx.addIssue({
    code: "custom",
    message:
      "is not a PEM certificate: give the CA certificate that signed the upstream's server certificate, from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----, " +
      "e.g. pulumi config set --path 'pigsty:inventory.clusters.<cluster>.vars.pg_upstream_ca' -- \"$(cat upstream-ca.crt)\".",
  });
  return z.NEVER;
});

/** The keys of an upstream outside the stack (pg_upstream given by addresses); config/standby.ts refuses them otherwise. */
export const UPSTREAM_KEYS = {
  /** An upstream outside the stack: its members' Postgres port. Default 5432. */
  pg_upstream_port: port.optional(),
  /** An upstream outside the stack: a physical slot created there for this standby cluster (none by default). */
  pg_upstream_slot: z.string().regex(PG_IDENTIFIER, { error: "is not a slot name: lowercase letters, digits and _, starting with a letter or _" }).optional(),
  /** An upstream outside the stack: the CA certificate (PEM) that signed its server certificate. Required with it. */
  pg_upstream_ca: pemCertificates.optional(),
};
