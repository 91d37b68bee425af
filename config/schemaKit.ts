// Small zod helpers shared by the inventory schemas: strict objects that remember their keys, address checks.
import { z } from "zod";

/** Marker that lets problems.ts turn zod's "unrecognized key" issue into a did-you-mean hint. */
export const KNOWN_KEYS_MARKER = "known-keys:";

/**
 * A strict object whose unknown-key issue carries the list of valid keys, so a typo such as
 * `pg_rol` can be answered with "Did you mean pg_role?" without walking the schema later.
 */
export function strictObject<T extends z.core.$ZodLooseShape>(shape: T) {
  const known = Object.keys(shape).join(",");
  return z.strictObject(shape, {
    error: (issue) => (issue.code === "unrecognized_keys" ? KNOWN_KEYS_MARKER + known : undefined),
  });
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** True for a dotted-quad IPv4 address such as 10.10.10.11 (hosts are plain Debian nodes on IPv4). */
export function isIpv4(text: string): boolean {
  return IPV4.test(text);
}

/** True for an IPv4 CIDR such as 10.0.0.0/8, or an IPv6 CIDR such as ::1/128 (HBA rules may use both). */
export function isCidr(text: string): boolean {
  const [addr, bits, ...rest] = text.split("/");
  if (rest.length > 0 || bits === undefined || !/^\d{1,3}$/.test(bits)) return false;
  if (isIpv4(addr)) return Number(bits) <= 32;
  return /^[0-9a-fA-F:]+$/.test(addr) && addr.includes(":") && Number(bits) <= 128;
}

/** An IPv4 address field with a message that says what is expected. */
export const ipv4 = z.string().refine(isIpv4, { error: (i) => `${JSON.stringify(i.input)} is not an IPv4 address. Write it as four numbers 0-255, e.g. 10.10.10.11.` });

/** A TCP port. */
export const port = z.number().int().min(1).max(65535);

/** Postgres identifiers we create ourselves: lowercase, so they never need quoting. */
export const PG_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** Cluster names become instance names, hostnames and DCS keys: lowercase letters, digits, hyphens. */
export const CLUSTER_NAME = /^[a-z][a-z0-9-]{0,62}$/;
