// Host-script lines that install rendered files: fill secret placeholders on the host, validate, replace if changed.
import { PENDING_DIR } from "../render/paths";
import { FILL_PROGRAM } from "../render/placeholders";
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
}

/**
 * A command that prints file SRC with its `{{secret:slot|format}}` placeholders filled from
 * $work/secrets.json, each password escaped for its file (render/placeholders.ts FILL_PROGRAM).
 */
export const fillSecrets = (src: string) => `python3 -c '${FILL_PROGRAM}' "$work/secrets.json" ${src}`;

/**
 * Defines `install_file DEST MODE OWNER [CHECK...]` (reads the file text on stdin) and `changed`
 * (true when a file was replaced and the actions that follow a change have not yet succeeded). The
 * replaced paths are recorded on the host in "$pending" (see `pendingRecord`) before anything acts on
 * them, and the step removes that record only once its actions succeed: a step that fails after
 * writing its files runs the reload or restart on its next attempt, although the files no longer
 * differ. Placeholders `{{secret:slot}}` are filled from
 * $work/secrets.json by python3, so passwords never appear in the command text or a process list.
 */
export const installFileFunction: string[] = [
  "install_file() {",
  '  local dest=$1 mode=$2 owner=$3; shift 3',
  '  cat >"$work/raw"',
  '  if [ -f "$work/secrets.json" ]; then',
  `    ${fillSecrets('"$work/raw"')} >"$work/new"`,
  "  else",
  '    cp "$work/raw" "$work/new"',
  "  fi",
  '  if [ $# -gt 0 ]; then "$@" "$work/new" >"$work/check.log" 2>&1 || { cat "$work/check.log" >&2; echo "rejected by $1: $dest" >&2; return 1; }; fi',
  '  if ! cmp -s "$work/new" "$dest"; then',
  '    install -D -m "$mode" -o "${owner%:*}" -g "${owner#*:}" "$work/new" "$dest"',
  '    echo "$dest" >>"$pending"; say "changed $dest"',
  "  else",
  '    chmod "$mode" "$dest"; chown "$owner" "$dest"',
  "  fi",
  '  rm -f "$work/new" "$work/raw"',
  "}",
  'changed() { [ -s "$pending" ]; }',
];

/** Where a step records, on its host, the files it replaced whose follow-up actions have not yet succeeded. */
export function pendingRecord(id: string): string {
  return `${PENDING_DIR}/${hostFileName(id)}`;
}

/** Sets "$pending" for `installFileFunction` and reports what an earlier, failed attempt left to do. */
export function pendingLines(id: string): string[] {
  return [
    `pending=${quote(pendingRecord(id))}`,
    'install -d -m 0700 "$(dirname "$pending")"',
    'if [ -s "$pending" ]; then say "an earlier attempt changed $(paste -sd, "$pending") but did not finish: acting on it now"; fi',
  ];
}

/** One install_file call per file, in path order, each file's text in a here-document that carries the file's slots. */
export function installFileLines(files: FileSpec[]): SecretText[] {
  return [...files]
    .sort((a, b) => a.path.localeCompare(b.path))
    .map((f) => {
      const check = (f.check ?? "").split(" ").filter((w) => w !== "");
      const args = [f.path, f.mode ?? "0644", f.owner ?? "root:root", ...check].map(quote).join(" ");
      return heredocCarrying(`install_file ${args}`, f.content);
    });
}
