// The TypeScript twin of the host's placeholder filler (render/host/fill-placeholders.py, in the step library): tests fill rendered
// files with it to run the real programs on them, and compare it with the filler over hostile passwords.
import { placeholderPattern, placeholdersIn, SECRET_FORMATS, type SecretFormat } from "../../render/placeholders";

/**
 * How a password is written where its placeholder stands; each function returns the text that goes
 * between the quotes the template already has (or in place of the placeholder where there are none).
 */
export const FORMAT_RULES = {
  /** Inside a YAML double-quoted scalar: `\` and `"` escaped, everything outside printable ASCII as \u/\U. */
  yaml: (v: string) =>
    [...v]
      .map((c) => {
        const code = c.codePointAt(0) as number;
        if (c === "\\" || c === '"') return `\\${c}`;
        if (code >= 0x20 && code <= 0x7e) return c;
        return code < 0x10000 ? `\\u${code.toString(16).padStart(4, "0")}` : `\\U${code.toString(16).padStart(8, "0")}`;
      })
      .join(""),
  /** Inside a double-quoted field of pgbouncer's userlist.txt: `"` doubled. */
  userlist: (v: string) => v.replace(/"/g, '""'),
  /** Inside single quotes in haproxy.cfg (nothing is special there): `'` closes, is escaped, reopens. */
  haproxy: (v: string) => v.replace(/'/g, "'\\''"),
  /** Inside double quotes of a systemd EnvironmentFile (the shell's rules): `\`, `"`, `$` and backquote escaped. */
  env: (v: string) => v.replace(/[\\"$`]/g, (c) => `\\${c}`),
  /** A field of a libpq pgpass line: `\` and `:` escaped. */
  pgpass: (v: string) => v.replace(/[\\:]/g, (c) => `\\${c}`),
  /** The password of a URL's userinfo: every byte outside A-Z a-z 0-9 - _ . ~ percent-encoded (UTF-8). */
  url: (v: string) => encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
  /** As it is: only for a value that is a whole file or whole lines (generated certificates, keys). */
  raw: (v: string) => v,
} satisfies Record<SecretFormat, (value: string) => string>;

/**
 * Replaces every placeholder with its value escaped by its format, as render/host/fill-placeholders.py does on the host.
 * Throws when a value or format is missing, so a half-filled config never reaches a program; messages name
 * slots, never values.
 */
export function fillPlaceholders(text: string, values: Record<string, string | undefined>): string {
  const missing = placeholdersIn(text).filter((s) => values[s] === undefined);
  if (missing.length > 0) throw new Error(`No value for secret slot(s): ${missing.join(", ")}`);
  return text.replace(placeholderPattern(), (_, slot: string, format: string | undefined) => {
    if (format === undefined) throw new Error(`Secret slot ${slot} has no format, so it cannot be written safely into a file`);
    if (!(SECRET_FORMATS as readonly string[]).includes(format)) throw new Error(`Secret slot ${slot} has an unknown format ${format}`);
    return FORMAT_RULES[format as SecretFormat](values[slot] as string);
  });
}
