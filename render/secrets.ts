// Secret placeholders: rendered text names a slot ({{secret:<slot>}}) instead of holding a password.

const PLACEHOLDER = /\{\{secret:([A-Za-z0-9_.\/-]+)\}\}/g;

/** The placeholder written where the password of `slot` belongs. */
export function placeholder(slot: string): string {
  return `{{secret:${slot}}}`;
}

/** True when `value` (optionally quoted) is exactly one placeholder: a reference, not a password. */
export function isPlaceholder(value: string): boolean {
  return /^(["']?)\{\{secret:[A-Za-z0-9_.\/-]+\}\}\1$/.test(value);
}

/** Slots referenced by a rendered text, unique, in order of first appearance. */
export function placeholdersIn(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]))];
}

/**
 * Replaces every placeholder with its value (on the host, or in tests). Throws when a value is
 * missing, so a half-filled config never reaches a service.
 */
export function fillPlaceholders(text: string, values: Record<string, string | undefined>): string {
  const missing = placeholdersIn(text).filter((s) => values[s] === undefined);
  if (missing.length > 0) throw new Error(`No value for secret slot(s): ${missing.join(", ")}`);
  return text.replace(PLACEHOLDER, (_, slot: string) => values[slot] as string);
}
