// Shell building blocks for host scripts: quoting, here-documents and the scripts' starts.
import { createHash } from "node:crypto";
import { hostLibrary } from "../render/hostLibrary";
import { HOST_LIBRARY_ROOT, STEP_LOG_DIR } from "../render/paths";
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
 * The start of a host's -prepare step, which installs the step library (steps/hostLibrary.ts) and so cannot source
 * it: the same start as the library's (render/host/pigsty-step.sh), written out. Strict mode, the output to the
 * step's log with only `say` lines and a final line on stdout, a private scratch dir removed on exit, the secrets on
 * stdin saved there when the step reads any.
 */
export function inlinePrologue(id: string, readsSecrets: boolean): string[] {
  const log = stepLogPath(id);
  const lines = [
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
 * Every other host script starts like this: the host's step library (render/host/pigsty-step.sh) sourced with the
 * step's id, which sets strict mode and up the log, `say`, the scratch dir $work, the secrets on stdin when the step
 * reads any, `install_file`, `changed` and `fill_secrets`. The step's name is in the command's first line and in the
 * line that sources the library, so the script repeats it nowhere else. A host without that version of the library has not
 * run its -prepare step since this program changed it: the script stops before doing anything and says so.
 */
export function libraryPrologue(id: string, readsSecrets: boolean): string[] {
  // Short, as every script carries it. `pulumi up` runs the -prepare step when it changed; a host that lost the
  // library since (rebuilt, cleaned) needs that step run again by hand (docs/operations.md).
  const missing = "error: $(hostname) lacks the step library $pigsty_lib: run pulumi up, which runs the host's -prepare step first (docs/operations.md)";
  return [
    `pigsty_lib=${quote(hostLibrary().dir)}`,
    `[ -r "$pigsty_lib/step.sh" ] || { echo ${JSON.stringify(missing)} >&2; exit 1; }`,
    `. "$pigsty_lib/step.sh" ${quote(id)}${readsSecrets ? " secrets" : ""}`,
  ];
}

/**
 * A removal's start: the library of its step's last run, else the newest on the host (removals use only what every
 * version has: `say`, `fill_secrets`, `hosts_block`); a host with none has nothing of this stack left to undo.
 */
export function removalPrologue(id: string, readsSecrets: boolean): string[] {
  const gone = "warning: $(hostname) has no step library of this stack (rebuilt since?), so there is nothing to undo there";
  return [
    `pigsty_lib=${quote(hostLibrary().dir)}`,
    `[ -r "$pigsty_lib/step.sh" ] || pigsty_lib=$(ls -td ${HOST_LIBRARY_ROOT}/*/ 2>/dev/null | head -n 1)`,
    `[ -r "$pigsty_lib/step.sh" ] || { echo ${JSON.stringify(gone)} >&2; exit 0; }`,
    `. "$pigsty_lib/step.sh" ${quote(id)}${readsSecrets ? " secrets" : ""}`,
  ];
}

/** The shell functions the step library defines (render/host/pigsty-step.sh) beyond those a written-out start has. */
export function libraryFunctions(): string[] {
  const defined = [...hostLibrary().texts["step.sh"].matchAll(/^([a-z_]+)\(\) \{/gm)].map((m) => m[1]);
  return defined.filter((f) => f !== "say" && f !== "finish");
}

/**
 * Joins script lines into the text of a remote command that runs as root: the script is bash's
 * argument (it holds no secret, only placeholders), so the SSH channel's stdin stays free for secrets.
 * The command's first line is a comment naming step `id` and its log on the host: when the step fails, the
 * provider's error quotes the whole command on one line before the step's own last words (why it failed), so
 * that line is what a user reads first.
 */
export function script(id: string, lines: string[]): string {
  const body = `${lines.join("\n")}\n`;
  const tag = heredocDelimiter(body);
  const header = `# step ${JSON.stringify(id)}; if it fails, why follows this script, and its full log is on the host at ${stepLogPath(id)}`;
  return `${header}\nsudo -n /bin/bash -c "$(cat <<'${tag}'\n${body}${tag}\n)"\n`;
}
