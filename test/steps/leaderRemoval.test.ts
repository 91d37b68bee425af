// Removing the leader's host while other members run is refused; removing the whole cluster is not.
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { LEADER_CHECK, patroniStep } from "../../steps/postgres";
import { CLUSTER_REMOVAL_MARK } from "../../steps/patroniApi";
import { pgTest } from "../helpers/inventoryFixtures";

const { model } = pgTest();
const cluster = model.clusters[0];

/** A stand-in Patroni REST API answering GET /patroni, /config and /cluster from `answers`. */
function fakePatroni(answers: Record<string, unknown>): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const body = answers[req.url ?? ""];
    res.writeHead(body === undefined ? 404 : 200, { "Content-Type": "application/json" });
    res.end(JSON.stringify(body ?? {}));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server })));
}

function check(url: string, me: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn("python3", ["-c", LEADER_CHECK, url, me, "pg-test", "/nonexistent/ca.crt"]);
    let stderr = "";
    p.stderr.on("data", (d) => (stderr += d));
    p.on("close", (code) => resolve({ code, stderr }));
  });
}

const members = (states: Record<string, string>) => ({ members: Object.entries(states).map(([name, state]) => ({ name, state, role: name === "pg-test-1" ? "leader" : "replica" })) });

test.each([
  ["the leader, others streaming", "master", {}, { "pg-test-1": "running", "pg-test-2": "streaming", "pg-test-3": "running" }, 1],
  ["the leader, the others already stopped (whole cluster going)", "master", {}, { "pg-test-1": "running", "pg-test-2": "stopped", "pg-test-3": "stopped" }, 0],
  ["the leader of a cluster marked for removal", "primary", { [CLUSTER_REMOVAL_MARK]: Math.floor(Date.now() / 1000) - 60 }, { "pg-test-1": "running", "pg-test-2": "streaming" }, 0],
  ["the leader of a cluster with a stale removal mark", "primary", { [CLUSTER_REMOVAL_MARK]: Math.floor(Date.now() / 1000) - 7200 }, { "pg-test-1": "running", "pg-test-2": "streaming", "pg-test-3": "running" }, 1],
  ["a replica", "replica", {}, { "pg-test-1": "running", "pg-test-2": "streaming" }, 0],
])("removing %s", async (_what, role, config, states, code) => {
  const { url, server } = await fakePatroni({ "/patroni": { role }, "/config": config, "/cluster": members(states) });
  try {
    const r = await check(url, "pg-test-1");
    expect(r.code).toBe(code);
    if (code === 1) expect(r.stderr).toContain("pg-test-1 leads pg-test while pg-test-2, pg-test-3 still run: removing it now would fail the cluster over. Switch over first");
  } finally {
    server.close();
  }
});

test("a member whose Patroni does not answer is removed", async () => {
  expect((await check("http://127.0.0.1:9", "pg-test-1")).code).toBe(0);
});

test("the member's removal runs the check before it stops Patroni", () => {
  const del = patroniStep(cluster, cluster.instances[1], 60).delete as string;
  expect(del.indexOf("leader_check.py")).toBeGreaterThan(0);
  expect(del.indexOf("leader_check.py")).toBeLessThan(del.indexOf("systemctl disable --now patroni"));
});
