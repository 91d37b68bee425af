// The one list of Patroni roles that mean "this member leads", shared by TypeScript and the host helper.

/**
 * Every word Patroni uses for a leading member: `leader` and `standby_leader` in GET /cluster; `master`
 * (Patroni 3.0, Debian 12's), `primary` (later releases) and `standby_leader` in GET /patroni and in the
 * role-change callback's arguments. render/patroniHelper.ts writes this list into the host helper.
 */
export const LEADER_ROLES = ["leader", "primary", "master", "standby_leader"] as const;

/** True when `role`, as any Patroni endpoint or callback says it, is a leading member's. */
export const isLeaderRole = (role: string | undefined): boolean => (LEADER_ROLES as readonly string[]).includes(role ?? "");

/** The role of a standby cluster's leader, in GET /cluster and GET /patroni alike. */
export const STANDBY_LEADER_ROLE: (typeof LEADER_ROLES)[number] = "standby_leader";
