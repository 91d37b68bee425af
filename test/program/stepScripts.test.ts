// Every host step's create and delete script, for the dev inventory and for one that uses most keys, kept as
// reviewed text files under test/program/step-scripts/ (placeholders only: secrets travel on stdin, never in a script).
// A change to any host script shows in review as a diff of the script itself; a script that changes re-runs on
// every existing host. After a deliberate change: UPDATE_STEP_SCRIPTS=1 npx jest --selectProjects unit
// --testPathPattern test/program/stepScripts, then review the diff.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runIsolated, unwrapSecrets } from "./harness";
import { INVENTORIES } from "./inventories";

const DIR = join(__dirname, "step-scripts");
const update = process.env.UPDATE_STEP_SCRIPTS === "1";

describe.each(Object.keys(INVENTORIES))("the %s inventory's host scripts", (inventory) => {
  test("are the reviewed ones, byte for byte", async () => {
    const { registered, error } = await runIsolated(INVENTORIES[inventory]());
    if (error) throw error;
    const scripts = new Map<string, string>();
    for (const r of registered.filter((x) => x.type === "command:remote:Command")) {
      const inputs = unwrapSecrets(r.inputs);
      scripts.set(`${r.name}.create.txt`, inputs.create);
      if (inputs.delete !== undefined) scripts.set(`${r.name}.delete.txt`, inputs.delete);
    }
    const dir = join(DIR, inventory);
    if (update) {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      for (const [file, text] of scripts) writeFileSync(join(dir, file), text);
    }
    expect(existsSync(dir) ? readdirSync(dir).sort() : []).toEqual([...scripts.keys()].sort());
    for (const [file, text] of scripts) expect(`${file}:\n${text}`).toBe(`${file}:\n${readFileSync(join(dir, file), "utf8")}`);
    // Only placeholders: no generated password of the mocks reaches a script.
    for (const text of scripts.values()) expect(text).not.toContain("generated-secret-");
  }, 60_000);
});
