// A host step: the scripts of one remote command and the secret slots its stdin must carry.
import { placeholdersIn } from "../render/placeholders";
import { installFileFunction, installFileLines, pendingLines, type FileSpec } from "./installFiles";
import { prologue, script } from "./shell";

export interface HostStep {
  /** Runs on create and on every change of the step (scripts are idempotent). */
  create: string;
  /** Runs when the step is removed; undefined = nothing to undo. */
  delete?: string;
  /** Secret slots the scripts read from stdin (JSON object); empty = no stdin. */
  secrets: string[];
}

/** Builds a step from body lines; secret slots are found from the placeholders in the body. */
export function hostStep(title: string, body: string[], deleteBody?: string[]): HostStep {
  // The provider sends the same stdin to the removal (from the state), so a removal can read secrets too.
  const deleteSecrets = deleteBody ? placeholdersIn(deleteBody.join("\n")) : [];
  const secrets = [...new Set([...placeholdersIn(body.join("\n")), ...deleteSecrets])];
  return {
    create: script([...prologue(title, secrets.length > 0), ...body]),
    delete: deleteBody && script([...prologue(`${title} (removal)`, deleteSecrets.length > 0), ...deleteBody]),
    secrets,
  };
}

/**
 * Runs `before`, installs files, then runs `onChange` when one of them changed (now, or in an earlier
 * attempt whose `onChange` did not finish) and `always` every time.
 */
export function filesStep(title: string, files: FileSpec[], onChange: string[], always: string[] = [], deleteBody?: string[], before: string[] = []): HostStep {
  const body = [...installFileFunction, ...pendingLines(title), ...before, ...installFileLines(files)];
  if (onChange.length > 0) body.push("if changed; then", ...onChange.map((l) => `  ${l}`), "fi");
  body.push('rm -f "$pending" "$pending".*');
  return hostStep(title, [...body, ...always], deleteBody);
}
