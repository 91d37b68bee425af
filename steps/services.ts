// What the service steps share: waiting for ports, the role-following HBA file, keeping files aside, stopping on removal.
import type { ClusterModel } from "../config/model";
import * as paths from "../render/paths";
import { askPatroni } from "./patroniApi";
import { quote } from "./shell";

/** Waits (10 s) until every port listens; fails naming the unit's log otherwise (the step library's wait_ports). */
export function waitListening(ports: number[], unit: string): string {
  return ["wait_ports", unit, ...ports.map(String)].map(quote).join(" ");
}

/**
 * A missing active HBA file starts as the leader's variant: right for a bootstrapping primary, and a
 * new replica gets its own at once from Patroni's on_start callback. Nothing here names the intended
 * role, so a switchover in config does not re-run these steps.
 */
export const seedActive = (active: string, primaryVariant: string, mode: string) =>
  `[ -s ${quote(active)} ] || install -m ${quote(mode)} -o postgres -g postgres ${quote(primaryVariant)} ${quote(active)}`;

/** Runs the role-change callback with the role Patroni reports now; when Patroni does not answer, leaves the files as they are. */
export function activateActualRole(cluster: ClusterModel): string[] {
  return [
    `if role=$(${askPatroni("role")}); then`,
    `  runuser -u postgres -- ${quote(paths.ROLE_CHANGE_SCRIPT)} on_role_change "$role" ${quote(cluster.name)}`,
    "fi",
  ];
}

/** Host files kept in the step's scratch dir before new ones are installed, and the line that puts them back (the step library's keep_aside and put_back). */
export function keepAside(files: string[]): { before: string[]; restore: string[] } {
  const list = files.map(quote).join(" ");
  return { before: [`keep_aside ${list}`], restore: [`put_back ${list}`] };
}

/** On removal a member stops serving: a pooler or proxy left running would still route clients to the cluster. */
export function stopService(unit: string): string[] {
  return [`if systemctl cat ${unit} >/dev/null 2>&1; then systemctl disable --now -q ${unit}; say ${quote(`stopped and disabled ${unit}`)}; fi`];
}
