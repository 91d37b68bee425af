// Placeholders stand in for every password: listed, filled on demand, and no secret ever rendered.
import { dcsFiles, infraFiles, instanceFiles } from "../../render/files";
import { fillPlaceholders, placeholdersIn } from "../../render/secrets";
import { pgTest } from "../helpers/inventoryFixtures";

test("placeholdersIn lists unique slots in order; fillPlaceholders substitutes them", () => {
  const text = "a {{secret:pg-test/monitor}} b {{secret:pg-test/user/x}} c {{secret:pg-test/monitor}}";
  expect(placeholdersIn(text)).toEqual(["pg-test/monitor", "pg-test/user/x"]);
  expect(fillPlaceholders(text, { "pg-test/monitor": "m", "pg-test/user/x": "u" })).toBe("a m b u c m");
});

test("fillPlaceholders refuses to leave a placeholder unfilled", () => {
  expect(() => fillPlaceholders("{{secret:a}} {{secret:b}}", { a: "1" })).toThrow("No value for secret slot(s): b");
});

test("no rendered file of pg-test contains a password, and every placeholder is a known slot", () => {
  const { model, secrets } = pgTest();
  const cluster = model.clusters[0];
  const texts = [
    ...cluster.instances.flatMap((i) => Object.values(instanceFiles(model, cluster, i))),
    ...Object.values(infraFiles(model)),
    ...Object.values(dcsFiles(model)),
  ];
  const values = Object.values(secrets).filter((v): v is string => v !== undefined);
  expect(values.length).toBeGreaterThan(0);
  for (const text of texts) {
    for (const v of values) expect(text).not.toContain(v);
    for (const s of placeholdersIn(text)) expect(Object.keys(secrets)).toContain(s);
  }
});
