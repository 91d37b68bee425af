// Names in /etc/hosts: pgBackRest 2.45 checks DNS names (not addresses) in certificates, so each host resolves the
// names it connects to. Each step owns one marked block, which the step library's hosts_block replaces whole under a
// lock (render/host/pigsty-step.sh).
import { heredoc, quote } from "./shell";

/** Writes the block `name` with `lines` (`ip name` each); no lines remove it. */
export function hostsBlock(name: string, lines: string[]): string {
  return lines.length === 0 ? `hosts_block ${quote(name)} </dev/null` : heredoc(`hosts_block ${quote(name)}`, lines.join("\n"));
}
