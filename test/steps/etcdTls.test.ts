// etcd's member and per-cluster steps: joining a running DCS refused, credentials never on a command line (client
// authentication's step runs in test/steps/infra.test.ts).
import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadInventory } from "../../config/load";
import { dcsStateStep } from "../../steps/dcsState";
import { etcdAuthStep, etcdStep, refuseJoining } from "../../steps/infra";
import { configStep, guardStep } from "../../steps/postgres";
import { pinHostKeys, rawFixture } from "../helpers/inventoryFixtures";
import { unwrapScript } from "../helpers/shellRegions";

const raw = rawFixture("pg-test.stack.yaml") as { dcs: { servers: Record<string, string> } };
const { model } = loadInventory(pinHostKeys({ ...raw, dcs: { ...raw.dcs, servers: { "meta-1": "10.10.10.10", "meta-2": "10.10.10.14", "meta-3": "10.10.10.15" } } }));
const cluster = model.clusters[0];

/** The JSON of `etcdctl member list` (etcd 3.4) on a new DCS whose meta-2 (10.10.10.14) has not started yet, or has. */
const memberList = (meta2Started: boolean) =>
  JSON.stringify({
    header: { cluster_id: 1 },
    members: [
      { ID: 1, name: "meta-1", peerURLs: ["https://10.10.10.10:2380"], clientURLs: ["https://10.10.10.10:2379"] },
      meta2Started ? { ID: 2, name: "meta-2", peerURLs: ["https://10.10.10.14:2380"], clientURLs: ["https://10.10.10.14:2379"] } : { ID: 2, name: "meta-2", peerURLs: ["https://10.10.10.14:2380"] },
      { ID: 3, name: "meta-3", peerURLs: ["https://10.10.10.15:2380"], clientURLs: ["https://10.10.10.15:2379"] },
    ],
  });

/**
 * Runs the refusal with `curl` answering healthy for the addresses in HEALTHY and `etcdctl member list`
 * printing MEMBERS (nothing: the DCS does not list meta-2); `data` makes the member not fresh. The CA's
 * fill (python3) is a no-op here.
 */
function join_(healthy: string, data = false, members = ""): { status: number | null; stderr: string } {
  const root = mkdtempSync(join(tmpdir(), "etcd-"));
  if (data) mkdirSync(join(root, model.dcs.name, "member"), { recursive: true });
  const stubs = [
    `work=${root}`,
    'curl() { for a in $HEALTHY; do [[ "$*" == *"//$a:"* ]] && { echo \'{"health":"true"}\'; return 0; }; done; return 7; }',
    'etcdctl() { [[ "$*" == *"member list -w json"* ]] && [ -n "$MEMBERS" ] && { echo "$MEMBERS"; return 0; }; return 1; }',
    "python3() { :; }",
  ];
  const lines = refuseJoining(model.dcs, "meta-2", root).map((l) => (typeof l === "string" ? l : l.text));
  const r = spawnSync("/bin/bash", ["-c", [...stubs, ...lines, "echo passed"].join("\n")], { encoding: "utf8", env: { ...process.env, HEALTHY: healthy, MEMBERS: members } });
  return { status: r.status, stderr: r.stderr };
}

describe("a DCS member without data", () => {
  it("is refused while another member of its DCS runs without it", () => {
    const r = join_("10.10.10.15");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("etcd member meta-2 (10.10.10.14) has no data, but the DCS pigsty already runs on meta-3 (10.10.10.15) without waiting for it");
  });
  it("is refused when the running DCS lists it as started already (its data was lost)", () => {
    expect(join_("10.10.10.15", false, memberList(true)).status).toBe(1);
  });
  it("starts when the running DCS lists it as not started yet (the last member of a new DCS)", () => {
    expect(join_("10.10.10.10 10.10.10.15", false, memberList(false)).status).toBe(0);
  });
  it("starts when no other member answers (a new DCS), and a member with data always restarts", () => {
    expect(join_("").status).toBe(0);
    expect(join_("10.10.10.10 10.10.10.15", true).status).toBe(0);
  });
});

test("scripts pass no credential to etcdctl on its command line, and no plain http to etcd", () => {
  const scripts = [etcdStep(model.dcs, "meta-1"), etcdAuthStep(model.dcs), dcsStateStep(model, cluster), guardStep(model, cluster, cluster.instances[0]), configStep(model, cluster, cluster.instances[0])];
  for (const s of scripts) {
    const text = unwrapScript(s.create) + (s.delete ? unwrapScript(s.delete) : "");
    expect(text).not.toMatch(/etcdctl[^\n]*--(user|password)/);
    expect(text).not.toMatch(/ETCDCTL_USER=[^"\n]/);
    expect(text).not.toMatch(/http:\/\/[0-9.]+:2379/);
  }
});
