// The host-side Patroni helper as installed on each member: render/host/pigsty-patroni.py with its settings line written.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { LEADER_ROLES } from "../patroni/roles";
import { PATRONI_YML } from "./paths";

const SETTINGS_LINE = "SETTINGS = {}  # written at render time";
let source: string | undefined;

/** The helper's text: the repo file, with the leader roles (patroni/roles.ts) and patroni.yml's path in its settings line. */
export function renderPatroniHelper(): string {
  source ??= readFileSync(join(__dirname, "host", "pigsty-patroni.py"), "utf8");
  const lines = source.split("\n");
  const at = lines.indexOf(SETTINGS_LINE);
  if (at < 0) throw new Error(`render/host/pigsty-patroni.py has no line "${SETTINGS_LINE}" to write its settings into`);
  // JSON of strings and lists is a python literal too.
  lines[at] = `SETTINGS = ${JSON.stringify({ leader_roles: LEADER_ROLES, config: PATRONI_YML })}`;
  return lines.join("\n");
}
