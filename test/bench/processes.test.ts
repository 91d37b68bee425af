// Process trees from /proc (bench/processes.ts): what the bench samples, and what a test that SIGKILLs the CLI ends.
import { spawn } from "node:child_process";
import { descendants, endStillRunning } from "../../bench/processes";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test("finds a grandchild, ends it once, and leaves alone a pid that names another process", async () => {
  const parent = spawn("sh", ["-c", "sleep 30 & wait"], { stdio: "ignore" });
  // The forked child is named sh until it has exec'd sleep.
  const ready = () => descendants(parent.pid as number).filter((p) => p.comm === "sleep");
  let tree = ready();
  for (let i = 0; i < 100 && tree.length === 0; i++, tree = ready()) await sleep(20);
  expect(descendants(parent.pid as number)).toEqual(tree);
  expect(tree.map((p) => p.comm)).toEqual(["sleep"]);
  const [child] = tree;

  expect(endStillRunning([{ ...child, started: "1" }])).toEqual([]);
  expect(alive(child.pid)).toBe(true);

  expect(endStillRunning(tree)).toEqual([child]);
  await new Promise((r) => parent.on("exit", r));
  expect(endStillRunning(tree)).toEqual([]);
});

test("finds every level of a deeper tree from one pass over /proc", async () => {
  const top = spawn("sh", ["-c", 'sh -c "sleep 30 & wait" & wait'], { stdio: "ignore" });
  const sleeps = () => descendants(top.pid as number).filter((p) => p.comm === "sleep");
  for (let i = 0; i < 100 && sleeps().length === 0; i++) await sleep(20);
  const tree = descendants(top.pid as number);
  expect(tree.map((p) => p.comm)).toEqual(["sh", "sleep"]);
  endStillRunning(tree);
  await new Promise((r) => top.on("exit", r));
});
