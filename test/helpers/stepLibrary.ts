// Runs a step's script outside a fake host: host paths moved by plain text replacement, and the step library the
// script sources written beside it with the same replacements (the script names the library's fixed host path).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { hostLibrary } from "../../render/hostLibrary";

/**
 * `script` with each host path of `moves` (host path -> local path) replaced, sourcing a copy of the step library
 * written under `dir` with the same replacements.
 */
export function withLocalLibrary(dir: string, script: string, moves: [string, string][]): string {
  const move = (text: string) => moves.reduce((t, [from, to]) => t.split(from).join(to), text);
  const local = writeLibrary(dir, move);
  return move(script.split(hostLibrary().dir).join(local));
}

/** Writes the step library into `dir`/step-library, each file's text through `move`; returns that directory. */
export function writeLibrary(dir: string, move = (text: string) => text): string {
  const local = join(dir, "step-library");
  mkdirSync(local, { recursive: true });
  for (const [name, text] of Object.entries(hostLibrary().texts)) writeFileSync(join(local, name), move(text));
  return local;
}
