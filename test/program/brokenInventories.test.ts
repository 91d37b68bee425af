// No broken inventory of the corpus makes the program register a single resource: it stops before any.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { FIXTURES, rawFixture } from "../helpers/inventoryFixtures";
import { devStackConfig, runIsolated } from "./harness";

const hostsFixture = "test/fixtures/sandbox/hosts.json";

const files = readdirSync(join(FIXTURES, "broken")).sort();

test.each(files)("%s stops the program before any resource", async (file) => {
  const { registered, error } = await runIsolated({ "pigsty:inventory": rawFixture(join("broken", file)), "pigsty:sandbox": hostsFixture });
  expect(error?.message).toMatch(/^the inventory has problems:\n/);
  expect(registered).toEqual([]);
});

test("the control: the SOP inventory does register resources", async () => {
  const { registered, error } = await runIsolated({ ...devStackConfig(), "pigsty:sandbox": hostsFixture });
  expect(error).toBeUndefined();
  expect(registered.map((r) => `${r.type}::${r.name}`)).toContain("pigsty:pg:Cluster::pg-test");
});
