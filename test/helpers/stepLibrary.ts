// Runs a step's script outside a fake host: host paths moved by plain text replacement, and the step library the
// script sources written beside it with the same replacements (the script names the library's fixed host path). Or
// a few of the library's functions as text, for tests that run a few script lines in plain bash.
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

/** The definitions of the named functions of the step library (render/host/pigsty-step.sh), as it has them. */
export function libraryFunctionText(...names: string[]): string {
  const library = hostLibrary().texts["step.sh"];
  return names
    .map((name) => {
      const at = library.indexOf(`\n${name}() {`);
      if (at < 0) throw new Error(`the step library defines no function ${name}`);
      const firstLine = library.slice(at + 1, library.indexOf("\n", at + 1));
      return firstLine.endsWith("}") ? firstLine : library.slice(at + 1, library.indexOf("\n}\n", at) + 2);
    })
    .join("\n");
}
