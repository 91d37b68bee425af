// Names in /etc/hosts: pgBackRest 2.45 checks DNS names (not addresses) in certificates, so each host resolves the
// names it connects to. Each step owns one marked block, replaced whole under a lock (several steps share a host).
import { ETC_HOSTS } from "../render/paths";
import { heredoc, quote } from "./shell";

/** awk: the file with the block between the markers replaced by file f's lines (dropped when f is empty). */
const REPLACE_BLOCK = [
  'BEGIN { while ((getline line < f) > 0) block = block line "\\n" }',
  'function put() { if (block != "") printf "%s\\n%s%s\\n", b, block, e; done = 1 }',
  "$0 == b { skip = 1; put(); next }",
  "$0 == e { skip = 0; next }",
  "!skip { print }",
  "END { if (!done) put() }",
].join("\n");

/** Defines `hosts_block NAME` (the block's lines on stdin; empty removes it), which says when /etc/hosts changed. */
export const hostsBlockFunction: string[] = [
  "hosts_block() {",
  '  local begin="# BEGIN pigsty $1" end="# END pigsty $1"',
  '  cat >"$work/hosts.block"',
  "  exec 9>/run/pigsty-hosts.lock; flock 9",
  // The block stays where it is (appended when new), so the same lines again leave the file as it was.
  `  awk -v b="$begin" -v e="$end" -v f="$work/hosts.block" ${quote(REPLACE_BLOCK)} ${quote(ETC_HOSTS)} >"$work/hosts.new"`,
  // In place (cat, not mv): containers often bind-mount /etc/hosts.
  `  if ! cmp -s "$work/hosts.new" ${quote(ETC_HOSTS)}; then cat "$work/hosts.new" >${quote(ETC_HOSTS)}; say "changed ${ETC_HOSTS} ($1)"; fi`,
  "  flock -u 9",
  "}",
];

/** Writes the block `name` with `lines` (`ip name` each); no lines remove it. */
export function hostsBlock(name: string, lines: string[]): string {
  return lines.length === 0 ? `hosts_block ${quote(name)} </dev/null` : heredoc(`hosts_block ${quote(name)}`, lines.join("\n"));
}
