// Backup and restore keys of a cluster (Pigsty's pgbackrest_* names where Pigsty has one): pgBackRest's repository,
// schedule and safety switches, and pg_pitr, which creates a cluster from another cluster's backups (or restores a
// deployed cluster in place from its own).
import { z } from "zod";
import { matching, safePath } from "./safeValues";
import { ipv4, strictObject } from "./schemaKit";

/** A systemd calendar expression (`man systemd.time`), checked by `systemd-analyze calendar` on the repository host. */
/** Postgres parameters the backups own while pgbackrest_enabled is true (render/patroni.ts); lowercase. */
export const ARCHIVE_PARAMETERS = ["archive_mode", "archive_command", "restore_command"];

const calendar = matching(/^[A-Za-z0-9 *:,./~-]{1,64}$/, "a systemd calendar expression", "Write it as systemd timers do, e.g. Sun *-*-* 01:00:00 or daily");

/** The repository: where backups and archived WAL are kept, never on a member of the cluster it serves. */
export const BackupRepoSchema = strictObject({
  /** The repository host. Default: the infra node. It may serve several clusters; it must not be a member of them. */
  host: ipv4.optional(),
  /** The repository's directory on that host (pgBackRest's repo1-path). Default /var/lib/pgbackrest. */
  path: safePath("/var/lib/pgbackrest").default("/var/lib/pgbackrest"),
  /** Full backups kept (repo1-retention-full); older ones and the WAL only they need are expired. Default 2. */
  retention_full: z.number().int().min(1).max(9999999).default(2),
  /**
   * Encryption of the repository: aes-256-cbc with a passphrase generated for the repository host and kept as a
   * Pulumi secret (only the repository host has it), or none. Default aes-256-cbc.
   */
  cipher: z.enum(["aes-256-cbc", "none"]).default("aes-256-cbc"),
});

/** When the repository host backs the cluster up (systemd timers there). */
export const BackupScheduleSchema = strictObject({
  /** Full backups. Default weekly, Sunday 01:00. */
  full: calendar.default("Sun *-*-* 01:00:00"),
  /** Differential backups. Default the other days at 01:00. */
  diff: calendar.default("Mon..Sat *-*-* 01:00:00"),
});

/** A recovery target: exactly one of time, lsn, xid, name or immediate. */
const TARGET_KEYS = ["time", "lsn", "xid", "name", "immediate"] as const;
export type PitrTargetKey = (typeof TARGET_KEYS)[number];

/**
 * A time Postgres reads as recovery_target_time: `YYYY-MM-DD HH:MM:SS[.ffffff]` with a zone offset (or UTC/Z).
 * A zone is required: without one, the restore would read it in the repository host's time zone.
 */
const TIME = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-]\d{2}(:?\d{2})?|Z| UTC)$/;

/** True for a TIME whose date and clock exist (no February 30, no 24:00). */
function isTimeWithZone(text: string): boolean {
  const m = TIME.exec(text);
  if (!m) return false;
  const [y, mo, d, h, mi, sec] = text.slice(0, 19).split(/[- T:]/).map(Number);
  const day = new Date(Date.UTC(y, mo - 1, d));
  return day.getUTCFullYear() === y && day.getUTCMonth() === mo - 1 && day.getUTCDate() === d && h < 24 && mi < 60 && sec < 60;
}

export const PitrSchema = strictObject({
  /** The cluster whose backups and archived WAL are restored; a cluster of this stack with pgbackrest_enabled. */
  cluster: z.string().min(1),
  /** Recover up to this time, e.g. 2026-12-02 10:15:00+00 (the zone is required). */
  time: z
    .string()
    .refine(isTimeWithZone, {
      error: (i) => `${JSON.stringify(i.input)} is not a time with a zone. Write it as YYYY-MM-DD HH:MM:SS+00 (or with Z), e.g. the output of SELECT clock_timestamp().`,
    })
    .optional(),
  /** Recover up to this WAL location, e.g. 0/3000060. */
  lsn: matching(/^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/, "a WAL location", "Write it as pg_current_wal_lsn() prints it, e.g. 0/3000060").optional(),
  /** Recover up to this transaction id. */
  xid: z.number().int().positive().optional(),
  /** Recover up to this restore point (pg_create_restore_point). */
  name: matching(/^[A-Za-z0-9_.:-]{1,63}$/, "a restore point name", "Use letters, digits, _ . : and -").optional(),
  /** Recover only to the end of the backup (the earliest consistent point). */
  immediate: z.literal(true).optional(),
  /**
   * In-place restore only (cluster names this cluster): the restore's number. The restore runs once per number;
   * raise it to restore again. Required there, refused elsewhere.
   */
  restore: z.number().int().min(1).max(999999).optional(),
  /** In-place restore only: every write after the target is lost. The policy pack refuses the restore without it. */
  data_loss_acknowledged: z.literal(true).optional(),
}).superRefine((pitr, ctx) => {
  const given = TARGET_KEYS.filter((k) => pitr[k] !== undefined);
  if (given.length !== 1) {
    ctx.addIssue({
      code: "custom",
      message: given.length === 0
        ? "names no recovery target. Add exactly one of time, lsn, xid, name or immediate: true."
        : `names ${given.length} recovery targets (${given.join(", ")}). Keep exactly one.`,
    });
  }
});

export type PitrInput = z.infer<typeof PitrSchema>;

/** The restore's target as pgBackRest's --type and --target take it. */
export function pitrTarget(pitr: PitrInput): { type: PitrTargetKey; target?: string } {
  for (const k of TARGET_KEYS) {
    const v = pitr[k];
    if (v === undefined) continue;
    return k === "immediate" ? { type: "immediate" } : { type: k, target: String(v) };
  }
  throw new Error("pg_pitr has no target (the schema refuses that)");
}

/** pgBackRest's size form for archive-push-queue-max, e.g. 4GB. */
export const backupSize = matching(/^\d{1,6}(KB|MB|GB|TB)$/, "a size", "Write it as a number and a unit (KB, MB, GB, TB: powers of 1024), e.g. 4GB");
