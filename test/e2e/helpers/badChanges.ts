// One careless or unsafe config change per mandatory policy, each of which passes the inventory's own validation
// (so the policy pack is what stops it).
import * as path from "node:path";
import type { Inventory } from "./scenario";
import { REPO_ROOT } from "./sandbox";

export const POLICY_PACK = path.join(REPO_ROOT, "policies");
export const DEV_POLICY_CONFIG = path.join(POLICY_PACK, "config", "dev.json");
/** The production template: turns on the checks that are off by default (and keeps the admin page closed). */
export const STRICT_POLICY_CONFIG = path.join(POLICY_PACK, "config", "prod-example.json");

export interface BadChange {
  policy: string;
  /** The policy config the run uses. */
  config: string;
  edit: (inv: Inventory) => void;
}

const pgTest = (inv: Inventory) => inv.clusters["pg-test"];
const hbaRules = (inv: Inventory) => pgTest(inv).vars.pg_hba_rules_extra as unknown[];

export const BAD_CHANGES: BadChange[] = [
  {
    policy: "primary-removal-needs-switchover",
    config: DEV_POLICY_CONFIG,
    edit: (i) => {
      delete pgTest(i).hosts["10.10.10.11"];
      pgTest(i).hosts["10.10.10.12"].pg_role = "primary";
    },
  },
  { policy: "hba-no-remote-trust", config: DEV_POLICY_CONFIG, edit: (i) => hbaRules(i).push({ user: "all", db: "all", addr: "world", auth: "trust", title: "open" }) },
  { policy: "hba-scram-from-anywhere", config: STRICT_POLICY_CONFIG, edit: (i) => hbaRules(i).push({ user: "dbuser_test", db: "test", addr: "world", auth: "md5", title: "md5 from anywhere" }) },
  { policy: "no-plaintext-password", config: DEV_POLICY_CONFIG, edit: (i) => ((pgTest(i).vars.pg_users as Record<string, unknown>[])[0].comment = "password=hunter2") },
  { policy: "haproxy-admin-auth", config: STRICT_POLICY_CONFIG, edit: (i) => (pgTest(i).vars.haproxy_admin_auth_enabled = false) },
  // A host the sandbox does not know has no pinned key: validation refuses that unless the stack opts in (as here,
  // so that it only warns), and the policy refuses it then.
  {
    policy: "pinned-host-key",
    config: DEV_POLICY_CONFIG,
    edit: (i) => {
      pgTest(i).hosts["10.10.10.19"] = { pg_seq: 9, pg_role: "replica" };
      (i as Inventory & { ssh?: Record<string, unknown> }).ssh = { allow_unpinned_host_keys: true };
    },
  },
  { policy: "protected-stack-data-removal", config: STRICT_POLICY_CONFIG, edit: (i) => (pgTest(i).vars.rm_pgdata = true) },
  { policy: "min-cluster-members", config: STRICT_POLICY_CONFIG, edit: (i) => delete pgTest(i).hosts["10.10.10.12"] },
  { policy: "offline-member-required", config: STRICT_POLICY_CONFIG, edit: (i) => (pgTest(i).hosts["10.10.10.13"] = { pg_seq: 3, pg_role: "replica" }) },
];
