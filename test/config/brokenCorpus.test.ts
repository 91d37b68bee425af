// Every inventory under test/fixtures/broken is rejected, and with the message its first line expects.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadInventory, InventoryError } from "../../config/load";
import { formatProblem } from "../../config/problems";
import { FIXTURES, rawFixture } from "../helpers/inventoryFixtures";

const dir = join(FIXTURES, "broken");
const files = readdirSync(dir).sort();

function expectedOf(file: string): string {
  const first = readFileSync(join(dir, file), "utf8").split("\n")[0];
  const m = /^# expect: (.+)$/.exec(first);
  if (!m) throw new Error(`${file} must start with "# expect: <path>: <message>"`);
  return m[1];
}

test("the corpus holds at least 30 broken inventories", () => {
  expect(files.length).toBeGreaterThanOrEqual(30);
});

test.each(files)("%s is rejected with its expected message", (file) => {
  let thrown: unknown;
  try {
    loadInventory(rawFixture(join("broken", file)));
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(InventoryError);
  const lines = (thrown as InventoryError).problems.map(formatProblem);
  expect(lines).toContain(expectedOf(file));
  // The error message lists every problem, one per line.
  for (const line of lines) expect((thrown as Error).message.split("\n")).toContain(line);
});
