// The Patroni REST programs inside cluster steps are valid python, and the switchover handles synchronous mode.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dynamicConfigStep, intendedLeaderStep } from "../../steps/patroniApi";
import { pgTest } from "../helpers/inventoryFixtures";

const { model } = pgTest();
const cluster = model.clusters[0];

/** The python program that a step writes to $work/patroni.py (its quoted here-document). */
function program(script: string): string {
  const m = /cat >"\$work\/patroni\.py" <<'(\w+)'\n([\s\S]*?)\n\1\n/.exec(script);
  if (!m) throw new Error("no patroni.py here-document in the step");
  return m[2];
}

test.each([
  ["leader", intendedLeaderStep(cluster).create],
  ["dynamic configuration", dynamicConfigStep(model, cluster).create],
])("the %s step's program parses as python", (_, script) => {
  const r = spawnSync("python3", ["-c", "import ast,sys; ast.parse(sys.stdin.read())"], { input: program(script), encoding: "utf8" });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
});

test("in synchronous mode the candidate is made a synchronous standby before the switchover, and the count restored", () => {
  const p = program(intendedLeaderStep(cluster).create);
  const raise = p.indexOf('{"synchronous_node_count": max(len(replicas), restore)}');
  const switchover = p.indexOf('call("POST", local + "/switchover"');
  const restore = p.indexOf('{"synchronous_node_count": restore}');
  expect(raise).toBeGreaterThan(0);
  expect(raise).toBeLessThan(switchover);
  expect(switchover).toBeLessThan(restore);
});

/** Runs the leader step's program against a stand-in Patroni API; returns what it printed and the calls that change things. */
async function runLeaderStep(config: Record<string, unknown>, leaderName: string): Promise<{ out: string; calls: string[] }> {
  let current = leaderName;
  const calls: string[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      if (req.method !== "GET") calls.push(`${req.method} ${req.url} ${body}`);
      if (req.url === "/switchover") current = JSON.parse(body).candidate;
      const members = ["pg-test-1", "pg-test-2", "pg-test-3"].map((name) => ({ name, role: name === current ? "leader" : "replica", state: "running" }));
      const answer = req.url === "/cluster" ? { members } : req.url === "/config" ? config : {};
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const dir = mkdtempSync(join(tmpdir(), "leader-"));
  writeFileSync(join(dir, "secrets.json"), JSON.stringify({ "pg-test/patroni_api": "pw" }));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const out = await new Promise<string>((resolve) => {
    const p = spawn("python3", ["-c", program(intendedLeaderStep(cluster).create), join(dir, "secrets.json"), "postgres", "pg-test/patroni_api", url, "/etc/ssl/certs/ca-certificates.crt"]);
    let text = "";
    p.stdout.on("data", (d) => (text += d));
    p.stderr.on("data", (d) => (text += d));
    p.on("close", () => resolve(text));
  });
  server.close();
  return { out, calls };
}

describe("the leader step switches over only when pg_role: primary moved", () => {
  test("first run with another leader: switches over and records the intent", async () => {
    const r = await runLeaderStep({}, "pg-test-2");
    expect(r.calls).toEqual(['POST /switchover {"leader": "pg-test-2", "candidate": "pg-test-1"}', 'PATCH /config {"pigsty_intended_leader": "pg-test-1"}']);
  });

  test("re-run for another reason after a failover: the same intent is recorded, nothing is switched back", async () => {
    const r = await runLeaderStep({ pigsty_intended_leader: "pg-test-1" }, "pg-test-2");
    expect(r.calls).toEqual([]);
    expect(r.out).toContain("pg-test-2 leads since a failover");
  });

  test("pg_role: primary moved since the last run: switches over", async () => {
    const r = await runLeaderStep({ pigsty_intended_leader: "pg-test-3" }, "pg-test-3");
    expect(r.calls[0]).toBe('POST /switchover {"leader": "pg-test-3", "candidate": "pg-test-1"}');
  });
});

test("the leader step's removal reads the API password from its stdin, like its creation", () => {
  const step = intendedLeaderStep(cluster);
  expect(step.delete).toContain('(umask 077; cat >"$work/secrets.json")');
  expect(step.secrets).toEqual(["pg-test/patroni_api"]);
});
