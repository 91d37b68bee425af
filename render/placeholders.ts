// Secret placeholders: rendered text names a slot and a format ({{secret:<slot>|<format>}}) instead of
// holding a password. The host fills each one with the password escaped for the place it stands in.
import { Scalar } from "yaml";

/**
 * How a password can be written where its placeholder stands: each format escapes it for one kind of file. The
 * host's filler (render/host/fill-placeholders.py, in the step library) holds the rules; test/helpers/fillPlaceholders.ts is their TypeScript twin,
 * which a unit test runs beside the filler over hostile passwords. Passwords hold no control characters
 * (config/safeValues.ts).
 */
export const SECRET_FORMATS = ["yaml", "userlist", "haproxy", "env", "pgpass", "url", "raw"] as const;

export type SecretFormat = (typeof SECRET_FORMATS)[number];

/** In SQL only: steps/scram.ts replaces the placeholder with a SCRAM verifier of the password, never the text. */
export const SCRAM_FORMAT = "scram";

const SLOT = "[A-Za-z0-9_./-]+";
const PLACEHOLDER = new RegExp(`\\{\\{secret:(${SLOT})(?:\\|([a-z]+))?\\}\\}`, "g");
const KNOWN_FORMATS = [...SECRET_FORMATS, SCRAM_FORMAT].join("|");

/** Matches one placeholder: group 1 the slot, group 2 the format (undefined when it has none). */
export const placeholderPattern = () => new RegExp(PLACEHOLDER.source, "g");

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
