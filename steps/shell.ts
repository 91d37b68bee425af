// Shell building blocks for host scripts: quoting, here-documents and the common script prologue.
import { createHash } from "node:crypto";

/** Single-quotes a word for POSIX sh. */
export function quote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

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

/**
 * Every host script starts like this: strict mode, a private scratch dir removed on exit, and the
 * secrets that arrive on stdin (a JSON object slot -> value) saved there, never echoed.
 */
export function prologue(title: string, readsSecrets: boolean): string[] {
  const lines = [
    "#!/bin/bash",
    `# ${title}`,
    "set -euo pipefail",
    "umask 022",
    'work=$(mktemp -d /tmp/pigsty.XXXXXX); trap \'rm -rf "$work"\' EXIT',
    'say() { echo "[$(hostname)] $*"; }',
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
