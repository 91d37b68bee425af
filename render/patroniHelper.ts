// The host-side Patroni helper as installed on each member: render/host/pigsty-patroni.py with its settings line written.
import { LEADER_ROLES, STANDBY_LEADER_ROLE } from "../patroni/roles";
import { renderHostProgram } from "./hostProgram";
import { PATRONI_YML } from "./paths";

/** The helper's text: the repo file, with the leader roles (patroni/roles.ts) and patroni.yml's path in its settings line. */
export function renderPatroniHelper(): string {
  return renderHostProgram("pigsty-patroni.py", { leader_roles: LEADER_ROLES, standby_leader_role: STANDBY_LEADER_ROLE, config: PATRONI_YML });
}
