// Problems found in an inventory, and how zod's issues become messages that say where and how to fix.
import type { z } from "zod";
import { isPasswordKey, isSecretKey } from "./safeValues";
import { KNOWN_KEYS_MARKER } from "./schemaKit";
import { closest } from "./didYouMean";

export { closest } from "./didYouMean";

export interface Problem {
  /** Dotted path, e.g. clusters.pg-test.hosts.10.10.10.12.pg_seq; array indexes as [i]. */
  path: string;
  /** What is wrong, then how to fix it. */
  message: string;
  severity: "error" | "warning";
}

/** One line per problem: `<path>: <message>`. */
export function formatProblem(p: Problem): string {
  return `${p.path}: ${p.message}`;
}

/** Thrown by loadInventory when the inventory has errors; lists every one of them. */
export class InventoryError extends Error {
  constructor(readonly problems: Problem[]) {
    super(`The inventory has ${problems.length} problem(s):\n` + problems.map(formatProblem).join("\n"));
    this.name = "InventoryError";
  }
}

/** Joins path segments: keys with dots, numeric indexes as [i]. */
export function joinPath(segments: readonly PropertyKey[]): string {
  let out = "";
  for (const s of segments) {
    if (typeof s === "number") out += `[${s}]`;
    else out += out === "" ? String(s) : `.${String(s)}`;
  }
  return out;
}

export const error = (path: string, message: string): Problem => ({ path, message, severity: "error" });
export const warning = (path: string, message: string): Problem => ({ path, message, severity: "warning" });

const KINDS: Record<string, string> = {
  object: "a mapping",
  array: "a list",
  record: "a mapping",
  number: "a number",
  int: "an integer",
  string: "a string",
  boolean: "true or false",
};

/** What a message shows for a wrong value; a password field's value is never shown (messages end up in CI logs). */
function show(value: unknown, secret: "a password" | "a secret" | undefined): string {
  if (secret) return `the given value (hidden, ${secret})`;
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/** Turns one zod issue into problems (an unknown-key issue yields one problem per key). */
export function problemsFromIssue(issue: z.core.$ZodIssue): Problem[] {
  const path = joinPath(issue.path);
  const at = (suffix: string) => (path === "" ? suffix : `${path}.${suffix}`);
  const input = (issue as { input?: unknown }).input;
  const key = issue.path[issue.path.length - 1];
  const secret = isPasswordKey(key) ? "a password" : isSecretKey(key) ? "a secret" : undefined;
  switch (issue.code) {
    case "unrecognized_keys": {
      const known = issue.message.startsWith(KNOWN_KEYS_MARKER) ? issue.message.slice(KNOWN_KEYS_MARKER.length).split(",") : [];
      return issue.keys.map((key) => {
        const guess = closest(key, known);
        const hint = guess ? `Did you mean ${guess}?` : `Valid keys here: ${known.join(", ")}.`;
        return error(at(key), `unknown key. ${hint}`);
      });
    }
    case "invalid_type": {
      const want = KINDS[issue.expected] ?? `a ${issue.expected}`;
      if (input === undefined) return [error(path, `is required. Add ${want}.`)];
      return [error(path, `${show(input, secret)} is not ${want}. Write ${want}.`)];
    }
    case "invalid_value":
      return [error(path, `${show(input, secret)} is not allowed. Use one of: ${issue.values.map(String).join(", ")}.`)];
    case "too_small":
    case "too_big": {
      if (issue.origin === "number" || issue.origin === "int") {
        const range = rangeOf(issue);
        return [error(path, `${show(input, secret)} is out of range. Use ${range}.`)];
      }
      return [error(path, `${issue.message}. Fix the value.`)];
    }
    case "invalid_union":
      return [error(path, `${show(input, secret)} does not match any accepted form. Check the documented forms of this field.`)];
    default:
      // zod's own generic messages may quote the input; a password field gets a message of ours (our
      // own refinements of passwords, config/safeValues.ts passwordText, never show the value).
      if (secret && issue.code !== "custom") return [error(path, `${show(input, secret)} is not accepted. Give the ${secret === "a password" ? "password" : "value"} as a string.`)];
      // Our own refinements already say what to do; zod's generic ones get a nudge.
      return [error(path, /[.?]$/.test(issue.message) ? issue.message : `${issue.message}. Fix the value.`)];
  }
}

function rangeOf(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  const bounds: Record<string, string> = {
    pg_weight: "an integer from 0 to 255 (0 drains the instance)",
  };
  const last = issue.path[issue.path.length - 1];
  if (typeof last === "string" && bounds[last]) return bounds[last];
  if (issue.code === "too_small") return `a number >= ${String(issue.minimum)}`;
  return `a number <= ${String(issue.maximum)}`;
}
