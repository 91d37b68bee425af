// The TLS keys of a cluster: how long the Postgres server certificates live, and whether remote HBA rules need TLS.
import { z } from "zod";

/** Pigsty's default cert_validity: 20 years. */
export const DEFAULT_CERT_VALIDITY = "7300d";
const MIN_DAYS = 2;
const MAX_DAYS = 36500;

/**
 * Pigsty's `cert_validity`, in days written `<N>d` (e.g. 365d): the lifetime of each member's Postgres certificate. A
 * number or another unit is refused, with the form to use.
 */
export const certValidity = z.unknown().transform((value, ctx) => {
  const days = typeof value === "string" && /^\d{1,6}d$/.test(value) ? Number(value.slice(0, -1)) : undefined;
  if (days === undefined || days < MIN_DAYS || days > MAX_DAYS) {
    const given = typeof value === "string" ? JSON.stringify(value) : `${JSON.stringify(value)} (a ${typeof value})`;
    ctx.addIssue({
      code: "custom",
      message: `${given} is not a certificate lifetime. Write it as a number of days followed by d, as Pigsty does, between ${MIN_DAYS}d and ${MAX_DAYS}d, e.g. 365d (default ${DEFAULT_CERT_VALIDITY}).`,
    });
    return z.NEVER;
  }
  return days;
});

/** Days between renewals of a certificate that lives `validityDays`: half its life, so an `up` in time renews it. */
export const renewalEvery = (validityDays: number) => Math.max(1, Math.floor(validityDays / 2));

/**
 * The renewal period `now` falls in: whole periods of renewalEvery(validityDays) days since 1970-01-01 UTC. A
 * certificate is issued again at the first `up` of each period, so it is replaced at most half its lifetime after it
 * was issued (if an `up` runs then), and stays valid at least that long after the period began.
 */
export function renewalPeriod(now: Date, validityDays: number): number {
  return Math.floor(Math.floor(now.getTime() / 86_400_000) / renewalEvery(validityDays));
}

/** Postgres settings each member's patroni.yml sets for its own certificate (render/patroni.ts): not for pg_parameters. */
export const STACK_SSL_PARAMETERS = ["ssl", "ssl_cert_file", "ssl_key_file", "ssl_ca_file"];
