// Names in /etc/hosts: pgBackRest 2.45 checks DNS names (not addresses) in certificates, so each host resolves the
// names it connects to. Each step owns one marked block, replaced whole under a lock (several steps share a host).
import { ETC_HOSTS } from "../render/paths";
import { heredoc, quote } from "./shell";

/** Defines `hosts_block NAME` (the block's lines on stdin; empty removes it), which says when /etc/hosts changed. */
export const hostsBlockFunction: string[] = [
  "hosts_block() {",
  '  local begin="# BEGIN pigsty $1" end="# END pigsty $1"',
  '  cat >"$work/hosts.block"',
  "  exec 9>/run/pigsty-hosts.lock; flock 9",
  `  awk -v b="$begin" -v e="$end" '$0==b{skip=1;next} $0==e{skip=0;next} !skip' ${quote(ETC_HOSTS)} >"$work/hosts.new"`,
  '  if [ -s "$work/hosts.block" ]; then { echo "$begin"; cat "$work/hosts.block"; echo "$end"; } >>"$work/hosts.new"; fi',
  // In place (cat, not mv): containers often bind-mount /etc/hosts.
  `  if ! cmp -s "$work/hosts.new" ${quote(ETC_HOSTS)}; then cat "$work/hosts.new" >${quote(ETC_HOSTS)}; say "changed ${ETC_HOSTS} ($1)"; fi`,
  "  flock -u 9",
  "}",
];

/** Writes the block `name` with `lines` (`ip name` each); no lines remove it. */
export function hostsBlock(name: string, lines: string[]): string {
  return lines.length === 0 ? `hosts_block ${quote(name)} </dev/null` : heredoc(`hosts_block ${quote(name)}`, lines.join("\n"));
}
