// Every resource's URN, as the engine would spell it, against the list frozen before the step catalogue
// (config/stepCatalogue.ts) existed: a renamed resource would be replaced on every existing stack. Resources added
// since (created by an existing stack's next up, replacing nothing) are listed apart.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { devStackConfig, runIsolated } from "./harness";

const frozen: Record<string, string[]> = JSON.parse(readFileSync(join(__dirname, "resourceUrns.json"), "utf8"));

async function urnsOf(config: Record<string, unknown>): Promise<string[]> {
  const { urns, error } = await runIsolated(config);
  if (error) throw error;
  return [...urns].sort();
}

/** Every frozen URN is still there (a missing one is a replacement), and what is new is what was added on purpose. */
function expectKept(urns: string[], name: string): void {
  expect(frozen[name].filter((u) => !urns.includes(u))).toEqual([]);
  expect(urns.filter((u) => !frozen[name].includes(u))).toEqual(frozen[`${name}, added since`]);
}

test("the dev stack's resources keep their URNs", async () => {
  expectKept(await urnsOf({ ...devStackConfig(), "pigsty:sandbox": "test/fixtures/sandbox/hosts.json" }), "dev stack");
}, 30_000);

test("with DCS servers on other hosts (their own preparation), the resources keep their URNs", async () => {
  const inventory = JSON.parse(JSON.stringify(devStackConfig()["pigsty:inventory"]));
  inventory.dcs.servers = { "meta-1": "10.10.10.10", "meta-2": "10.10.10.11", "meta-3": "10.10.10.12" };
  const config = { ...devStackConfig(), "pigsty:sandbox": "test/fixtures/sandbox/five-hosts.json", "pigsty:inventory": inventory };
  expectKept(await urnsOf(config), "dev stack with a three-member DCS");
}, 30_000);
