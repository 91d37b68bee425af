// Small helpers shared by the inventory's checks: strict objects that remember their keys, address checks, mappings.
import { z } from "zod";

/** True for a mapping (a plain object, not a list or null): what YAML and stack config give for `key: value` blocks. */
export const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

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

const IPV4 = z.ipv4();
const CIDR = z.union([z.cidrv4(), z.cidrv6()]);

/** True for a dotted-quad IPv4 address such as 10.10.10.11 (hosts are plain Debian nodes on IPv4). */
export const isIpv4 = (text: string): boolean => IPV4.safeParse(text).success;

/** True for an IPv4 CIDR such as 10.0.0.0/8, or an IPv6 CIDR such as ::1/128 (HBA rules may use both). */
export const isCidr = (text: string): boolean => CIDR.safeParse(text).success;

/** An IPv4 address field with a message that says what is expected. */
export const ipv4 = z.string().refine(isIpv4, { error: (i) => `${JSON.stringify(i.input)} is not an IPv4 address. Write it as four numbers 0-255, e.g. 10.10.10.11.` });

/** A TCP port. */
export const port = z.number().int().min(1).max(65535);

/** Postgres identifiers we create ourselves: lowercase, so they never need quoting. */
export const PG_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** Cluster names become instance names, hostnames and DCS keys: lowercase letters, digits, hyphens. */
export const CLUSTER_NAME = /^[a-z][a-z0-9-]{0,62}$/;
