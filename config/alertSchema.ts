// Alert thresholds (our keys, flat like Pigsty's vars): fleet-wide under `vars`, overridden per cluster (render/alertRules.ts).
import { z } from "zod";

/** A fraction strictly between 0 and 1, e.g. 0.8 (a value of another type gets problems.ts's "is not a number"). */
const ratio = (example: number) =>
  z.number().refine((n) => n > 0 && n < 1, `must be above 0 and below 1 (a fraction), e.g. ${example}`);

/** A positive whole number of the unit the key names. */
const amount = (unit: string, example: number) =>
  z.number().refine((n) => Number.isInteger(n) && n > 0, `must be a positive whole number of ${unit}, e.g. ${example}`);

/** Every threshold an alert rule reads; each defaults to the value documented on it (README, "Monitoring and alerts"). */
export const ALERT_THRESHOLD_KEYS = {
  /** A replica this many bytes of WAL behind the primary's current position (pg_stat_replication). Default 16777216 (16 MiB). */
  alert_replica_lag_bytes: amount("bytes", 16777216).default(16777216),
  /** A replica whose replay is this many seconds behind (pg_stat_replication.replay_lag). Default 30. */
  alert_replica_lag_seconds: amount("seconds", 30).default(30),
  /** A replication slot that keeps this many bytes of WAL on the member. Default 4294967296 (4 GiB). */
  alert_slot_retained_bytes: amount("bytes", 4294967296).default(4294967296),
  /** Client connections over max_connections. Default 0.8. */
  alert_connections_ratio: ratio(0.8).default(0.8),
  /** The oldest unfrozen XID's age over the 2^31 wraparound limit. Default 0.5 (about a billion XIDs left). */
  alert_xid_age_ratio: ratio(0.5).default(0.5),
  /** Hours since the newest successful backup of any type. Default 36 (the daily diff plus slack). */
  alert_backup_age_hours: amount("hours", 36).default(36),
  /** Used space of a filesystem (the one holding /pg included) over its size. Default 0.9. */
  alert_fs_usage_ratio: ratio(0.9).default(0.9),
  /** 5-minute load average per CPU. Default 1. */
  alert_load_per_cpu: z.number().refine((n) => n > 0, "must be above 0, e.g. 1").default(1),
  /** Available memory over total memory, below which the alert fires. Default 0.1. */
  alert_memory_available_ratio: ratio(0.1).default(0.1),
};

export type AlertThresholdKey = keyof typeof ALERT_THRESHOLD_KEYS;
export type AlertThresholds = { [K in AlertThresholdKey]: number };

const THRESHOLD_KEYS = Object.keys(ALERT_THRESHOLD_KEYS) as AlertThresholdKey[];

/** The alert thresholds out of parsed vars (the schema filled in the defaults). */
export function alertThresholdsOf(vars: AlertThresholds): AlertThresholds {
  return Object.fromEntries(THRESHOLD_KEYS.map((k) => [k, vars[k]])) as AlertThresholds;
}

/** The documented defaults, for a fleet without top-level vars. */
export const DEFAULT_ALERT_THRESHOLDS: AlertThresholds = alertThresholdsOf(z.object(ALERT_THRESHOLD_KEYS).parse({}));
