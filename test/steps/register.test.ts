// An instance's Prometheus registration (steps/register.ts), its real scripts against a scratch root: one target file
// per job, written afresh after a reset, all removed with the instance.
import { targetFiles } from "../../render/files";
import { registerStep } from "../../steps/register";
import { fakeHost } from "../helpers/fakeHost";
import { pgTest } from "../helpers/inventoryFixtures";

const { model } = pgTest();
const target = model.scrapeTargets[0];
const files = targetFiles(model, target);
const host = fakeHost();

test("writes one target file per job, and its removal removes every one", () => {
  const step = registerStep(model, target);
  expect(host().run(step.create).status).toBe(0);
  for (const [path, content] of Object.entries(files)) expect(host().read(path)).toBe(content);
  // Another instance's files stay.
  host().write("/etc/prometheus/targets/pgsql/pg-test-2.json", "[]\n");
  expect(host().run(step.delete!).status).toBe(0);
  for (const path of Object.keys(files)) expect(host().exists(path)).toBe(false);
  expect(host().exists("/etc/prometheus/targets/pgsql/pg-test-2.json")).toBe(true);
});

test("a reset removes the files before they are written, so every one is written afresh", () => {
  const step = registerStep(model, target, (actions) => ['if [ -n "${RESET:-}" ]; then', ...actions, "fi"]);
  expect(host().run(step.create).said).toHaveLength(Object.keys(files).length);
  expect(host().run(step.create).said).toEqual([]);
  const reset = host().run(step.create, { env: { RESET: "1" } });
  expect(reset.status).toBe(0);
  expect(reset.said).toEqual(Object.keys(files).sort().map((p) => `changed ${p}`));
});
