// Loads the inventory fixtures under test/fixtures in either form (stack config YAML or pigsty.yml).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { inventoryFromPigstyYaml, loadInventory, type LoadResult } from "../../config/load";

export const FIXTURES = join(__dirname, "..", "fixtures");

/** Raw stack-config value of a fixture; `.pigsty.yml` / `pigsty.yml` files go through the converter. */
export function rawFixture(file: string): unknown {
  const text = readFileSync(join(FIXTURES, file), "utf8");
  return file.endsWith("pigsty.yml") ? inventoryFromPigstyYaml(text) : parse(text);
}

/** The SOP's pg-test demo, loaded from the stack-config form. */
export function pgTest(): LoadResult {
  return loadInventory(rawFixture("pg-test.stack.yaml"));
}
