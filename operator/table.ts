// Text tables for the operator tool, in the spirit of `patronictl list`.

import { isLeaderRole } from "../patroni/roles";

export function table(headers: string[], rows: (string | number | undefined)[][]): string {
  const cells = rows.map((r) => r.map((c) => (c === undefined ? "" : String(c))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  const rule = `+${widths.map((w) => "-".repeat(w + 2)).join("+")}+`;
  return [rule, line(headers), rule, ...cells.map(line), rule].join("\n");
}

export interface MemberRow {
  name: string;
  host: string;
  role: string;
  state: string;
  timeline?: number;
  lag?: number;
  pendingRestart?: boolean;
  tags?: Record<string, unknown>;
}

/** Patroni's /cluster members as a table; lag in MB like patronictl. */
/** Patroni's REST roles as patronictl shows them. */
const ROLE_NAMES: Record<string, string> = { leader: "Leader", standby_leader: "Standby Leader", sync_standby: "Sync Standby" };

/** `about`: a note after the cluster's name (e.g. what it is a standby cluster of). */
export function membersTable(cluster: string, members: MemberRow[], about?: string): string {
  const rows = members.map((m) => [
    m.name,
    m.host,
    ROLE_NAMES[m.role] ?? "Replica",
    m.state,
    m.timeline,
    isLeaderRole(m.role) ? "" : typeof m.lag === "number" ? Math.round(m.lag / 1048576) : "unknown",
    m.pendingRestart ? "*" : "",
    Object.entries(m.tags ?? {}).map(([k, v]) => `${k}=${v}`).join(","),
  ]);
  return `cluster ${cluster}${about ? `: ${about}` : ""}\n${table(["Member", "Host", "Role", "State", "TL", "Lag in MB", "Pending restart", "Tags"], rows)}`;
}
