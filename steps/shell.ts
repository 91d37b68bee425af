// Shell building blocks for host scripts: quoting, here-documents and the common script prologue.
import { createHash } from "node:crypto";
import { STEP_LOG_DIR } from "../render/paths";
import { quote } from "../render/quote";

export { quote };

/** A quoted here-document delimiter that does not occur in `text`, stable for the same text. */
export function heredocDelimiter(text: string): string {
  const tag = `PIGSTY_${createHash("sha256").update(text).digest("hex").slice(0, 12).toUpperCase()}`;
  if (text.split("\n").includes(tag)) throw new Error(`here-document delimiter ${tag} occurs in the text`);
  return tag;
}

/** `command <<'TAG'` + text + TAG, so the text reaches the command verbatim (no expansion). */
export function heredoc(command: string, text: string): string {
  const body = text.endsWith("\n") ? text : `${text}\n`;
  const tag = heredocDelimiter(body);
  return `${command} <<'${tag}'\n${body}${tag}`;
}

/** A step id as a file name on its host (its log, its pending record). */
export const hostFileName = (id: string) => id.replace(/[^A-Za-z0-9_.-]+/g, "-");

/** Where a step's full output stays on its host (root only): one file per step id, appended per run. */
export function stepLogPath(id: string): string {
  return `${STEP_LOG_DIR}/${hostFileName(id)}.log`;
}

/**
 * Every host script starts like this: strict mode, a private scratch dir removed on exit, and the
 * secrets that arrive on stdin (a JSON object slot -> value) saved there, never echoed.
 * Everything the script prints goes to its log on the host; only `say` lines (what changed) and a
 * final line reach the command's stdout, so `pulumi up` stays readable and the state small. On a
 * failure the last lines of the log go to stderr, so the error is in the engine's output too.
 */
export function prologue(id: string, readsSecrets: boolean): string[] {
  const log = stepLogPath(id);
  const lines = [
    "#!/bin/bash",
    `# ${id}`,
    "set -euo pipefail",
    "umask 022",
    `log=${quote(log)}`,
    `install -d -m 0750 ${STEP_LOG_DIR} && exec 3>&1 4>&2 >>"$log" 2>&1 && chmod 0600 "$log"`,
    `echo "=== $(date -Is) "${quote(id)}`,
    'say() { echo "[$(hostname)] $*" >&3; echo "$*"; }',
    "finish() {",
    '  local rc=$?; rm -rf "$work"',
    '  if [ "$rc" -eq 0 ]; then echo "[$(hostname)] ok (log: $log)" >&3',
    '  else { echo "[$(hostname)] failed with exit code $rc; the last lines of $log:"; tail -n 25 "$log"; } >&4; fi',
    "}",
    'work=$(mktemp -d /tmp/pigsty.XXXXXX); trap finish EXIT',
  ];
  if (readsSecrets) lines.push('(umask 077; cat >"$work/secrets.json")');
  return lines;
}

/**
 * Joins script lines into the text of a remote command that runs as root: the script is bash's
 * argument (it holds no secret, only placeholders), so the SSH channel's stdin stays free for secrets.
 */
export function script(lines: string[]): string {
  const body = `${lines.join("\n")}\n`;
  const tag = heredocDelimiter(body);
  return `sudo -n /bin/bash -c "$(cat <<'${tag}'\n${body}${tag}\n)"\n`;
}
