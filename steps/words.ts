// Messages and arguments of host scripts built from quoted text: every value from the model goes
// through `quote`, and only the script's own expansions ($leader, ...) stay unquoted.
import { quote } from "./shell";

/** A shell expansion written by us, kept as it is, e.g. expand('"$leader"'). */
export interface Expansion {
  expansion: string;
}

export const expand = (text: string): Expansion => ({ expansion: text });

/** One shell word: text parts single-quoted, expansions as they are, all adjacent. */
export function words(...parts: (string | Expansion)[]): string {
  return parts.map((p) => (typeof p === "string" ? quote(p) : p.expansion)).join("");
}

/** A command group that prints the message to stderr and exits 1. */
export const fail = (...parts: (string | Expansion)[]) => `{ echo ${words(...parts)} >&2; exit 1; }`;

/** A `say` line (prologue's function: to the engine's output and the step log). */
export const sayWords = (...parts: (string | Expansion)[]) => `say ${words(...parts)}`;

/** A helper command whose output lines reach the engine's output through say (and the step's log); fails as it fails. */
export const reporting = (command: string) => `${command} 2>&1 | while IFS= read -r line; do say "$line"; done; [ "\${PIPESTATUS[0]}" -eq 0 ]`;
