// The member table reads like `patronictl list`: roles capitalised, lag in MB, pending restarts and tags.
import { membersTable } from "../../operator/table";

test("members render with lag in MB, a star for a pending restart, and tags", () => {
  const text = membersTable("pg-test", [
    { name: "pg-test-1", host: "10.10.10.11", role: "leader", state: "running", timeline: 2 },
    { name: "pg-test-2", host: "10.10.10.12", role: "replica", state: "streaming", timeline: 2, lag: 5 * 1048576, pendingRestart: true, tags: { clonefrom: true } },
    { name: "pg-test-3", host: "10.10.10.13", role: "replica", state: "running", timeline: 2 },
  ]);
  expect(text.split("\n")).toEqual([
    "cluster pg-test",
    "+-----------+-------------+---------+-----------+----+-----------+-----------------+----------------+",
    "| Member    | Host        | Role    | State     | TL | Lag in MB | Pending restart | Tags           |",
    "+-----------+-------------+---------+-----------+----+-----------+-----------------+----------------+",
    "| pg-test-1 | 10.10.10.11 | Leader  | running   | 2  |           |                 |                |",
    "| pg-test-2 | 10.10.10.12 | Replica | streaming | 2  | 5         | *               | clonefrom=true |",
    "| pg-test-3 | 10.10.10.13 | Replica | running   | 2  | unknown   |                 |                |",
    "+-----------+-------------+---------+-----------+----+-----------+-----------------+----------------+",
  ]);
});

test("the synchronous standby is named as such, as patronictl does", () => {
  const text = membersTable("pg-test", [
    { name: "pg-test-1", host: "10.10.10.11", role: "leader", state: "running", timeline: 2 },
    { name: "pg-test-2", host: "10.10.10.12", role: "sync_standby", state: "streaming", timeline: 2, lag: 0 },
  ]);
  expect(text).toContain("| pg-test-2 | 10.10.10.12 | Sync Standby | streaming |");
});
