// Host-script lines that install rendered files: fill secret placeholders on the host, validate, replace if changed.
import { hostLibrary, inLibrary, type HostLibraryFile } from "../render/hostLibrary";
import { PENDING_DIR } from "../render/paths";
import { heredocCarrying, type SecretText } from "./lines";
import { hostFileName, quote } from "./shell";

export interface FileSpec {
  path: string;
  content: string;
  /** Octal mode, default 0644. */
  mode?: string;
  /** `user:group`, default root:root. */
  owner?: string;
  /** A command that validates the candidate file; its path is appended, e.g. `haproxy -c -q -f`. */
  check?: string;
  /**
   * The step library's file with the same text (render/hostLibrary.ts): installed from the host's copy instead of
   * a here-document, so the script (and the state) does not carry it.
   */
  library?: HostLibraryFile;
}

/**
 * A command that prints file SRC with its `{{secret:slot|format}}` placeholders filled from $work/secrets.json, each
 * password escaped for its file: the step library's `fill_secrets` (render/host/pigsty-step.sh), which runs
 * render/host/fill-placeholders.py from the library.
 */
export const fillSecrets = (src: string) => `fill_secrets ${src}`;

/**
 * A files step's first line: the step library (render/host/pigsty-step.sh) defines `install_file DEST MODE OWNER
 * [CHECK...]` (reads the file text on stdin) and `changed` (true when a file was replaced and the actions that follow
 * a change have not yet succeeded). The replaced paths are recorded on the host in "$pending" (see `pendingRecord`)
 * before anything acts on them, and the step removes that record only once its actions succeed: a step that fails
 * after writing its files runs the reload or restart on its next attempt, although the files no longer differ.
 * Placeholders `{{secret:slot}}` are filled from $work/secrets.json by python3, so passwords never appear in the
 * command text or a process list. This line makes the record's directory and reports what an earlier, failed
 * attempt left to do.
 */
export const PENDING_BEGIN = "pending_begin";

/** Where a step records, on its host, the files it replaced whose follow-up actions have not yet succeeded (the library's "$pending"). */
export function pendingRecord(id: string): string {
  return `${PENDING_DIR}/${hostFileName(id)}`;
}

/**
 * One install_file call per file, in path order, each file's text in a here-document that carries the file's slots,
 * or read from the step library.
 */
export function installFileLines(files: FileSpec[]): SecretText[] {
  return [...files]
    .sort((a, b) => a.path.localeCompare(b.path))
    .map((f) => {
      const check = (f.check ?? "").split(" ").filter((w) => w !== "");
      const args = [f.path, f.mode ?? "0644", f.owner ?? "root:root", ...check].map(quote).join(" ");
      if (f.library === undefined) return heredocCarrying(`install_file ${args}`, f.content);
      if (hostLibrary().texts[f.library] !== f.content) throw new Error(`${f.path}: its text is not the step library's ${f.library}`);
      return { text: `install_file ${args} <${inLibrary(f.library)}`, secrets: [] };
    });
}
