// No broken inventory of the corpus makes the program register a single resource: it stops before any.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { FIXTURES, rawFixture } from "../helpers/inventoryFixtures";
import { devStackConfig } from "./harness";

const files = readdirSync(join(FIXTURES, "broken")).sort();

/** Runs index.ts in a fresh module registry (its own Pulumi runtime) under mocks; returns what it did. */
function runIsolated(inventory: unknown): { registered: string[]; error?: Error } {
  const registered: string[] = [];
  let error: Error | undefined;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
    pulumi.runtime.setMocks({
      newResource: (args) => {
        registered.push(`${args.type}::${args.name}`);
        return { id: args.name, state: args.inputs };
      },
      call: (args) => args.inputs,
    }, "pigsty", "dev");
    pulumi.runtime.setAllConfig({ "pigsty:inventory": JSON.stringify(inventory), "pigsty:sandbox": "test/fixtures/sandbox/hosts.json" });
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require("../../index");
    } catch (e) {
      error = e as Error;
    }
  });
  return { registered, error };
}

test.each(files)("%s stops the program before any resource", async (file) => {
  const { registered, error } = runIsolated(rawFixture(join("broken", file)));
  await new Promise((r) => setTimeout(r, 20));
  expect(error?.message).toMatch(/^the inventory has problems:\n/);
  expect(registered).toEqual([]);
});

test("the control: the SOP inventory does register resources", async () => {
  const { registered, error } = runIsolated(devStackConfig()["pigsty:inventory"]);
  await new Promise((r) => setTimeout(r, 200));
  expect(error).toBeUndefined();
  expect(registered).toContain("pigsty:pg:Cluster::pg-test");
});
