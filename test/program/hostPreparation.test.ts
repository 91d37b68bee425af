// Every remote command but a host's -prepare waits, directly or through other steps, for a -prepare of the host it
// runs on: that step installs the step library (render/hostLibrary.ts) that every other script sources, so on a
// fresh host a step that could run before it would find no library.
import { INFRA_STEPS } from "../../config/stepCatalogue";
import { devStackConfig, runIsolated, type Registered } from "./harness";
import { INVENTORIES } from "./inventories";

const PREPARE = INFRA_STEPS.prepare.suffix;

/**
 * Hosts spread out: the infra node is no DCS server, the DCS server is no member, pg-test keeps its backups on a host
 * with no other role, and pg-solo's (no backups of its own) member is pg-other's repository host.
 */
function spreadOut(): Record<string, unknown> {
  const config = devStackConfig();
  const inv = JSON.parse(JSON.stringify(config["pigsty:inventory"]));
  inv.dcs.servers = { "dcs-1": "10.10.10.14" };
  inv.clusters["pg-test"].vars.pgbackrest_repo = { host: "10.10.10.20" };
  inv.clusters["pg-solo"] = { hosts: { "10.10.10.21": { pg_seq: 1, pg_role: "primary" } }, vars: { pgbackrest_enabled: false } };
  inv.clusters["pg-other"] = { hosts: { "10.10.10.22": { pg_seq: 1, pg_role: "primary" } }, vars: { pgbackrest_repo: { host: "10.10.10.21" } } };
  const key = (n: number) => `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFRlc3RIb3N0S2V5${n}`;
  inv.ssh = { host_keys: { "10.10.10.20": key(20), "10.10.10.21": key(21), "10.10.10.22": key(22) } };
  return { ...config, "pigsty:sandbox": "test/fixtures/sandbox/five-hosts.json", "pigsty:inventory": inv };
}

const CASES: Record<string, () => Record<string, unknown>> = { ...INVENTORIES, "spread-out": spreadOut };

/** The steps that `name` waits for, directly or through others. */
function waitsFor(name: string, deps: Map<string, string[]>): Set<string> {
  const seen = new Set<string>();
  const todo = [...(deps.get(name) ?? [])];
  while (todo.length > 0) {
    const next = todo.pop() as string;
    if (seen.has(next)) continue;
    seen.add(next);
    todo.push(...(deps.get(next) ?? []));
  }
  return seen;
}

const hostOf = (r: Registered) => r.inputs.connection.host as string;

describe.each(Object.keys(CASES))("the %s inventory", (inventory) => {
  let commands: Registered[] = [];
  let deps = new Map<string, string[]>();
  beforeAll(async () => {
    const run = await runIsolated(CASES[inventory]());
    if (run.error) throw run.error;
    commands = run.registered.filter((r) => r.type === "command:remote:Command");
    deps = run.deps;
  }, 60_000);

  test("has a -prepare step on every host a command runs on", () => {
    const prepared = new Set(commands.filter((c) => c.name.endsWith(PREPARE)).map(hostOf));
    expect([...new Set(commands.map(hostOf))].filter((h) => !prepared.has(h))).toEqual([]);
  });

  test("runs every other command after a -prepare step of its own host", () => {
    const prepares = commands.filter((c) => c.name.endsWith(PREPARE));
    const unprepared = commands
      .filter((c) => !c.name.endsWith(PREPARE))
      .filter((c) => {
        const before = waitsFor(c.name, deps);
        return !prepares.some((p) => hostOf(p) === hostOf(c) && before.has(p.name));
      })
      .map((c) => `${c.name} on ${hostOf(c)}`);
    expect(unprepared).toEqual([]);
    expect(commands.length).toBeGreaterThan(prepares.length);
  });

  // Two preparations of one host that set two names (a DCS server that is also a member) left sudo unable to
  // resolve the host's name.
  test("gives every host one name at most", () => {
    const names = new Map<string, Set<string>>();
    for (const p of commands.filter((c) => c.name.endsWith(PREPARE))) {
      const set = /\|\| hostname '([^']+)' \|\| true/.exec(String(p.inputs.create))?.[1];
      if (set) names.set(hostOf(p), new Set([...(names.get(hostOf(p)) ?? []), set]));
    }
    const twice = [...names].filter(([, n]) => n.size > 1).map(([host, n]) => `${host}: ${[...n].join(", ")}`);
    expect(twice).toEqual([]);
    expect(names.size).toBeGreaterThan(0);
  });
});
