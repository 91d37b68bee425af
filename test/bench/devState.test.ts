// The dev inventory moved to loopback for the state bench (bench/devState.ts).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { devInventoryOnLoopback } from "../../bench/devState";

test("every sandbox address of Pulumi.dev.yaml moves to 127.2.0.x, and nothing else changes", () => {
  const text = readFileSync(join(__dirname, "..", "..", "Pulumi.dev.yaml"), "utf8");
  const { inventory, addresses } = devInventoryOnLoopback(text);
  expect(addresses).toContain("127.2.0.10");
  expect(addresses).toContain("127.2.0.11");
  expect(JSON.stringify(inventory)).not.toMatch(/10\.10\.10\./);
  expect((inventory as { infra: { ip: string } }).infra.ip).toBe("127.2.0.10");
  const back = JSON.parse(JSON.stringify(inventory).replace(/127\.2\.0\./g, "10.10.10."));
  const { parse } = jest.requireActual<typeof import("yaml")>("yaml");
  expect(back).toEqual(parse(text).config["pigsty:inventory"]);
});
