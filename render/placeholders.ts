// Secret placeholders: rendered text names a slot and a format ({{secret:<slot>|<format>}}) instead of
// holding a password. The host fills each one with the password escaped for the place it stands in.
import { Scalar } from "yaml";

/**
 * How a password is written where its placeholder stands; each function returns the text that goes
 * between the quotes the template already has (or in place of the placeholder where there are none).
 * The host runs FILL_PROGRAM below, whose table holds the same rules: a unit test runs both over
 * hostile passwords and compares. Passwords hold no control characters (config/safeValues.ts).
 */
export const SECRET_FORMATS = {
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
} satisfies Record<string, (value: string) => string>;

export type SecretFormat = keyof typeof SECRET_FORMATS;

/** In SQL only: steps/scram.ts replaces the placeholder with a SCRAM verifier of the password, never the text. */
export const SCRAM_FORMAT = "scram";

/** python3 program run on the host: argv[1] secrets JSON (slot -> password), argv[2] text; prints the text filled. */
export const FILL_PROGRAM = String.raw`import json, re, sys
from urllib.parse import quote
def yaml(v):
    return "".join("\\" + c if c in "\\\"" else c if " " <= c <= "~" else "\\u%04x" % ord(c) if ord(c) < 0x10000 else "\\U%08x" % ord(c) for c in v)
FORMATS = {
    "yaml": yaml,
    "userlist": lambda v: v.replace("\"", "\"\""),
    "haproxy": lambda v: v.replace(chr(39), chr(39) + "\\" + chr(39) + chr(39)),
    "env": lambda v: "".join("\\" + c if c in "\\\"$" + chr(96) else c for c in v),
    "pgpass": lambda v: v.replace("\\", "\\\\").replace(":", "\\:"),
    "url": lambda v: quote(v, safe=""),
    "raw": lambda v: v,
}
secrets = json.load(open(sys.argv[1], encoding="utf-8"))
def fill(m):
    slot, form = m.group(1), m.group(2)
    if form is None:
        sys.exit("error: secret slot %s has no format, so it cannot be written safely into a file" % slot)
    if form not in FORMATS:
        sys.exit("error: secret slot %s has an unknown format %s (known: %s)" % (slot, form, ", ".join(FORMATS)))
    if slot not in secrets:
        sys.exit("error: no value for secret slot %s on stdin" % slot)
    return FORMATS[form](secrets[slot])
text = open(sys.argv[2], encoding="utf-8").read()
sys.stdout.buffer.write(re.sub(r"\{\{secret:([A-Za-z0-9_./-]+)(?:\|([a-z]+))?\}\}", fill, text).encode("utf-8"))
`;

const SLOT = "[A-Za-z0-9_./-]+";
const PLACEHOLDER = new RegExp(`\\{\\{secret:(${SLOT})(?:\\|([a-z]+))?\\}\\}`, "g");
const KNOWN_FORMATS = [...Object.keys(SECRET_FORMATS), SCRAM_FORMAT].join("|");

/**
 * The placeholder written where the password of `slot` belongs, escaped by `format` when filled.
 * Without a format it only names the slot (a script comment that makes the step's stdin carry it):
 * both fillers refuse to write such a placeholder into a file.
 */
export function placeholder(slot: string, format?: SecretFormat | typeof SCRAM_FORMAT): string {
  return format === undefined ? `{{secret:${slot}}}` : `{{secret:${slot}|${format}}}`;
}

/**
 * A YAML node for the `yaml` library: the placeholder, always double-quoted, which is the quoting the
 * `yaml` format escapes for (the library would otherwise choose the quoting itself).
 */
export function yamlPlaceholder(slot: string): Scalar<string> {
  const node = new Scalar(placeholder(slot, "yaml"));
  node.type = Scalar.QUOTE_DOUBLE;
  return node;
}

/** True when `value` (optionally quoted) is exactly one placeholder: a reference, not a password. */
export function isPlaceholder(value: string): boolean {
  return new RegExp(`^(["']?)\\{\\{secret:${SLOT}(\\|(${KNOWN_FORMATS}))?\\}\\}\\1$`).test(value);
}

/** Slots referenced by a rendered text, unique, in order of first appearance. */
export function placeholdersIn(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]))];
}

/**
 * Replaces every placeholder with its value escaped by its format, as FILL_PROGRAM does on the host
 * (tests use this one). Throws when a value or format is missing, so a half-filled config never
 * reaches a service; messages name slots, never values.
 */
export function fillPlaceholders(text: string, values: Record<string, string | undefined>): string {
  const missing = placeholdersIn(text).filter((s) => values[s] === undefined);
  if (missing.length > 0) throw new Error(`No value for secret slot(s): ${missing.join(", ")}`);
  return text.replace(PLACEHOLDER, (_, slot: string, format: string | undefined) => {
    if (format === undefined) throw new Error(`Secret slot ${slot} has no format, so it cannot be written safely into a file`);
    if (!Object.hasOwn(SECRET_FORMATS, format)) throw new Error(`Secret slot ${slot} has an unknown format ${format}`);
    return SECRET_FORMATS[format as SecretFormat](values[slot] as string);
  });
}
