// Strict rules for inventory strings that reach a root shell, SQL or a config file on a host.
// Validation proves these values harmless; steps still quote them (render/quote.ts), so a
// rule that is too loose one day is not at once a hole.
import { z } from "zod";
import { settingProblem, type SettingScope } from "./pgSettings";
import { OWN_DIRS } from "../render/paths";
import { PG_IDENTIFIER } from "./schemaKit";

/** Line breaks, NUL and the other ASCII control characters. */
const CONTROL_CHAR = /[\x00-\x1f\x7f]/;

/** One path segment: no spaces, quotes, globs, `$`, backslashes or control characters. */
const PATH_SEGMENT = /^[A-Za-z0-9._-]+$/;

/**
 * Directories that scripts must never create, chown or remove as a whole: `rm -rf` on pg_data or a
 * chown on prometheus_sd_dir would take the system with it. Their subdirectories are fine.
 */
export const SYSTEM_DIRS = new Set([
  "/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/libx32", "/media", "/mnt",
  "/opt", "/proc", "/root", "/run", "/sbin", "/srv", "/sys", "/tmp", "/usr", "/var",
  "/usr/bin", "/usr/lib", "/usr/local", "/usr/sbin", "/usr/share", "/var/lib", "/var/log", "/var/run", "/var/tmp",
]);

/** Directories of this program's own layout: wiping one as pg_data would take Patroni's config with it. */
const OWN = new Set(OWN_DIRS);

/** Why `text` is not a safe absolute path, or undefined when it is. */
export function pathProblem(text: string, example: string): string | undefined {
  const shown = JSON.stringify(text);
  if (!text.startsWith("/")) return `${shown} is not an absolute path. Start it with /, e.g. ${example}`;
  if (SYSTEM_DIRS.has(text)) return `${shown} is a system directory, which host scripts would create, chown or remove as root. Use a directory of its own, e.g. ${example}`;
  if (OWN.has(text)) return `${shown} holds files this program renders. Use a directory of its own, e.g. ${example}`;
  const segments = text.slice(1).split("/");
  if (segments.some((s) => !PATH_SEGMENT.test(s))) {
    return `${shown} is not a plain path. Use only letters, digits, ., _ and - between single slashes (no spaces, quotes, globs, $ or trailing /), e.g. ${example}`;
  }
  if (segments.some((s) => s === "." || s === "..")) return `${shown} has a . or .. segment. Write the directory itself, e.g. ${example}`;
  return undefined;
}

/** An absolute path that host scripts create, write or remove as root. */
export const safePath = (example: string) =>
  z.string().superRefine((value, ctx) => {
    const problem = pathProblem(value, example);
    if (problem) ctx.addIssue({ code: "custom", message: `${problem}.` });
  });

/** A role or account name: a lowercase Postgres identifier, which is also a valid OS and HTTP user name. */
export const accountName = (what: string) =>
  z.string().superRefine((value, ctx) => {
    if (!PG_IDENTIFIER.test(value)) {
      ctx.addIssue({ code: "custom", message: `${JSON.stringify(value)} is not a valid ${what} name. Use lowercase letters, digits and _, starting with a letter or _ (at most 63).` });
    }
  });

/** A string matching `pattern`, else `<value> is not <what>. <fix>.` */
export const matching = (pattern: RegExp, what: string, fix: string) =>
  z.string().superRefine((value, ctx) => {
    if (!pattern.test(value)) ctx.addIssue({ code: "custom", message: `${JSON.stringify(value)} is not ${what}. ${fix}.` });
  });

/** A name Postgres knows a setting by: `work_mem`, or `extension.setting` for a custom one. */
export const GUC_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?$/;

/** What a value is when it is not a string, a finite number or a boolean; undefined when it is one. */
function notScalar(value: unknown): string | undefined {
  if (typeof value === "string" || typeof value === "boolean") return undefined;
  if (typeof value === "number") return Number.isFinite(value) ? undefined : "an infinite number";
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "a mapping" : `a ${typeof value}`;
}

/**
 * A setting's value. It reaches postgresql.conf through Patroni (one `name = '...'` line, Patroni doubles
 * ' and \) and SQL as a quoted literal, so any one-line scalar is safe; a line break would start a new setting.
 */
const settingValue = z.custom<string | number | boolean>().superRefine((value, ctx) => {
  const kind = notScalar(value);
  if (kind) {
    ctx.addIssue({ code: "custom", message: `is ${kind}, not a setting value. Give a string, a number or true/false, e.g. work_mem: 64MB.` });
  } else if (typeof value === "string" && CONTROL_CHAR.test(value)) {
    ctx.addIssue({ code: "custom", message: `${JSON.stringify(value)} has a line break or control character, which a setting's value cannot hold (postgresql.conf has one setting per line). Write the value on one line.` });
  }
});

/**
 * Settings keyed by GUC name (pg_parameters, role and database parameters): names and values checked against
 * PostgreSQL 15 (config/pgSettings.ts), values quoted where they land. `checkedElsewhere`: names (lowercase) whose
 * check belongs to a later stage, e.g. the archive settings, which the backups own while they run (config/validateBackups.ts).
 */
export const gucRecord = (scope: SettingScope, checkedElsewhere: readonly string[] = []) =>
  z.record(z.string(), settingValue).superRefine((record, ctx) => {
    for (const [key, value] of Object.entries(record)) {
      if (!GUC_NAME.test(key)) {
        ctx.addIssue({ code: "custom", path: [key], message: `${JSON.stringify(key)} is not a setting name. Use the parameter's name as Postgres spells it, e.g. work_mem or auto_explain.log_min_duration.` });
        continue;
      }
      // A value that is no scalar or holds a line break has its own message (settingValue).
      if (checkedElsewhere.includes(key.toLowerCase()) || notScalar(value) || (typeof value === "string" && CONTROL_CHAR.test(value))) continue;
      const problem = settingProblem(key, value, scope);
      if (problem) ctx.addIssue({ code: "custom", path: [key], message: problem });
    }
  });

/** Text that lands on one line of a file (HBA titles become `# title`): no line breaks or control characters. */
export const oneLine = z.string().superRefine((value, ctx) => {
  if (CONTROL_CHAR.test(value)) ctx.addIssue({ code: "custom", message: `${JSON.stringify(value)} has a line break or control character. Write it on one line.` });
});

/**
 * Characters no file on a host can carry in a password, whatever the escaping: control characters
 * (line breaks, tabs, NUL), lone surrogates, noncharacters and the byte order mark (invalid in a
 * systemd EnvironmentFile). Everything else is escaped per file when the host fills it in.
 */
const UNCARRIABLE = /[\p{Cc}\p{Cs}\p{Noncharacter_Code_Point}\uFEFF]/u;

/** The longest password pgbouncer 1.18 (Debian 12) logs in with from userlist.txt (measured: 1025 bytes fail). */
export const MAX_PASSWORD_BYTES = 1024;

/** A password: any printable text up to MAX_PASSWORD_BYTES. Messages never show the value. */
export const passwordText = z.string().superRefine((value, ctx) => {
  const hidden = "the given value (hidden, a password)";
  if (UNCARRIABLE.test(value)) {
    ctx.addIssue({ code: "custom", message: `${hidden} has a line break, tab or other control character (or is not valid Unicode text), which no config file can carry. Write the password on one line with printable characters only.` });
  } else if (Buffer.byteLength(value, "utf8") > MAX_PASSWORD_BYTES) {
    ctx.addIssue({ code: "custom", message: `${hidden} is longer than ${MAX_PASSWORD_BYTES} bytes (UTF-8), more than pgbouncer's userlist.txt holds. Use a shorter password.` });
  }
});

/** Hosts fill `{{secret:<slot>}}` with passwords, so no other value may contain one. */
const RESERVED = "{{secret:";

/** Keys whose values are passwords: never shown in messages, and free to contain anything. */
export const isPasswordKey = (key: PropertyKey | undefined) => typeof key === "string" && /password$/.test(key);

/** Keys whose values are secrets other than passwords (a receiver's URL may carry a token): never shown in messages either. */
export const isSecretKey = (key: PropertyKey | undefined) => isPasswordKey(key) || key === "alertmanager_webhook_url";

/** Every string outside password fields that contains the placeholder syntax, with its path. */
export function reservedPlaceholderPaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (typeof value === "string") return value.includes(RESERVED) ? [path] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => reservedPlaceholderPaths(v, [...path, i]));
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => {
    const here = [...path, k];
    const keyHit = k.includes(RESERVED) ? [here] : [];
    return isPasswordKey(k) ? keyHit : [...keyHit, ...reservedPlaceholderPaths(v, here)];
  });
}

export const RESERVED_MESSAGE = `contains ${RESERVED}...}}, which hosts replace with a password. Remove it; give passwords only in password fields.`;

/** Initdb and CREATE DATABASE encodings, e.g. UTF8. */
export const encodingName = matching(/^[A-Za-z0-9_-]{1,32}$/, "an encoding name", "Use a name such as UTF8 or LATIN1");

/** Locale names, e.g. C, C.UTF-8, en_US.UTF-8, de_DE@euro. */
export const localeName = matching(/^[A-Za-z0-9_.@-]{1,64}$/, "a locale name", "Use a name such as C, C.UTF-8 or en_US.UTF-8");
