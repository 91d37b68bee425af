// The host-side Patroni helper (render/host/pigsty-patroni.py), run by python3 against a stand-in Patroni over HTTPS,
// with a patroni.yml rendered as members get it: every subcommand, in each of Patroni's role vocabularies.
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { slot } from "../../config/secretSlots";
import { LEADER_ROLES } from "../../patroni/roles";
import { renderPatroniHelper } from "../../render/patroniHelper";
import { renderPatroniYml } from "../../render/patroni";
import { placeholdersIn } from "../../render/placeholders";
import { fillPlaceholders } from "../helpers/fillPlaceholders";
import { CA_CERT } from "../../render/tls";
import { answer, fakePatroni, selfSignedCert, type Call, type Routes } from "../helpers/fakePatroni";
import { pgTest } from "../helpers/inventoryFixtures";

const { model } = pgTest();
const cluster = model.clusters[0];
const me = cluster.instances[0];
const API_PASSWORD = 'p"a\\s:s w\'ö$rd';
const dir = mkdtempSync(join(tmpdir(), "patroni-helper-"));
const helper = join(dir, "pigsty-patroni");
writeFileSync(helper, renderPatroniHelper());
let cert: ReturnType<typeof selfSignedCert>;
beforeAll(() => {
  cert = selfSignedCert();
});

/** patroni.yml of pg-test-1 as its config step installs it, its API on `port` and its CA the test's. */
function patroniYml(port: number): string {
  const text = renderPatroniYml(model, { ...cluster, ports: { ...cluster.ports, patroni: port } }, me).replaceAll(CA_CERT, cert.ca);
  const values = Object.fromEntries(placeholdersIn(text).map((s) => [s, s === slot.patroniApi(cluster.name) ? API_PASSWORD : "x"]));
  const path = join(dir, `patroni-${port}.yml`);
  writeFileSync(path, fillPlaceholders(text, values));
  return path;
}

interface Run {
  code: number | null;
  out: string;
  err: string;
  calls: Call[];
}

/** Runs `pigsty-patroni ARGS` against a stand-in answering from `routes`. */
async function run(routes: Routes, ...args: string[]): Promise<Run> {
  const api = await fakePatroni(cert, routes);
  try {
    const env = { ...process.env, PIGSTY_PATRONI_YML: patroniYml(api.port) };
    return await new Promise<Run>((resolve) => {
      const p = spawn("python3", [helper, ...args], { env });
      let [out, err] = ["", ""];
      p.stdout.on("data", (d) => (out += d));
      p.stderr.on("data", (d) => (err += d));
      p.on("close", (code) => resolve({ code, out, err, calls: api.calls }));
    });
  } finally {
    await api.close();
  }
}

const members = (leader: string | undefined, leaderRole = "leader", states: Record<string, string> = {}) => ({
  members: cluster.instances.map((i) => ({
    name: i.name,
    host: i.ip,
    role: i.name === leader ? leaderRole : "replica",
    state: states[i.name] ?? "running",
    api_url: `https://127.0.0.1:1/patroni`,
  })),
});
const patroni = (self: Record<string, unknown>, cfg: Record<string, unknown> = {}, cl: unknown = members("pg-test-1")): Routes => (_m, url) =>
  url === "/patroni" ? self : url === "/config" ? cfg : url === "/cluster" ? cl : answer(404);

test("the list of leader roles is written into the helper once, from patroni/roles.ts", () => {
  const text = renderPatroniHelper();
  expect(text).toContain(`SETTINGS = {"leader_roles":${JSON.stringify(LEADER_ROLES)},"standby_leader_role":"standby_leader","config":"/pg/bin/patroni.yml"}`);
  const others = text.split("\n").filter((l) => !l.startsWith("SETTINGS = "));
  expect(others.join("\n")).not.toMatch(/"(primary|master|standby_leader)"/);
});

describe.each(["master", "primary", "standby_leader"])("a member whose /patroni says %s", (role) => {
  test("is the leader, and says its role and status", async () => {
    expect((await run(patroni({ role, state: "running" }), "is-leader")).code).toBe(0);
    expect((await run(patroni({ role, state: "running" }), "role")).out).toBe(`${role}\n`);
    expect((await run(patroni({ role, state: "running" }), "status")).out).toBe(`${role} running\n`);
  });
});

test.each(["replica", "sync_standby", "demoted"])("a member whose /patroni says %s does not lead", async (role) => {
  const r = await run(patroni({ role, state: "streaming" }), "is-leader");
  expect(r.code).toBe(1);
  expect((await run(patroni({ role, state: "streaming" }), "state")).out).toBe("streaming\n");
});

test("status says ? for what Patroni does not say yet; every read is over TLS, without the password", async () => {
  const r = await run(patroni({}), "status");
  expect(r.out).toBe("? ?\n");
  expect(r.calls.map((c) => [c.method, c.url, c.authorization])).toEqual([["GET", "/patroni", undefined]]);
});

test.each(["leader", "standby_leader", "primary"])("the leader in /cluster with the role %s is named, or its host", async (leaderRole) => {
  const routes = patroni({}, {}, members("pg-test-2", leaderRole));
  expect((await run(routes, "leader")).out).toBe("pg-test-2\n");
  expect((await run(routes, "leader", "--host")).out).toBe(`${cluster.instances[1].ip}\n`);
});

test("no leader: leader prints an empty line and succeeds", async () => {
  const r = await run(patroni({}, {}, members(undefined)), "leader");
  expect([r.code, r.out]).toEqual([0, "\n"]);
});

test("is-paused follows /patroni's pause", async () => {
  expect((await run(patroni({ role: "replica", pause: true }), "is-paused")).code).toBe(0);
  expect((await run(patroni({ role: "replica" }), "is-paused")).code).toBe(1);
});

test("an answer that is an error, or no answer, exits 2 with the reason", async () => {
  const r = await run(() => answer(503, "busy"), "role");
  expect(r.code).toBe(2);
  expect(r.err).toContain("GET https://127.0.0.1:");
  expect(r.err).toContain("/patroni answered 503");
  const down = await new Promise<{ code: number | null; err: string }>((resolve) => {
    const p = spawn("python3", [helper, "is-leader"], { env: { ...process.env, PIGSTY_PATRONI_YML: patroniYml(9) } });
    let err = "";
    p.stderr.on("data", (d) => (err += d));
    p.on("close", (code) => resolve({ code, err }));
  });
  expect(down.code).toBe(2);
  expect(down.err).toContain("failed");
});

test("a wrong command prints the usage and exits 2", async () => {
  const r = await run(patroni({}), "switchover-to");
  expect(r.code).toBe(2);
  expect(r.err).toContain("Usage: pigsty-patroni COMMAND");
});

describe("check-removal: removing the leader's host while others run is refused; the whole cluster's is not", () => {
  const now = Math.floor(Date.now() / 1000);
  test.each([
    ["the leader, others streaming", "master", {}, { "pg-test-2": "streaming" }, 1],
    ["the standby leader, others running", "standby_leader", {}, {}, 1],
    ["the leader, the others already stopped (whole cluster going)", "master", {}, { "pg-test-2": "stopped", "pg-test-3": "stopped" }, 0],
    ["the leader of a cluster marked for removal", "primary", { pigsty_cluster_removal: now - 60 }, {}, 0],
    ["the leader of a cluster with a stale removal mark", "primary", { pigsty_cluster_removal: now - 7200 }, {}, 1],
    ["a replica", "replica", {}, {}, 0],
  ])("removing %s", async (_what, role, cfg, states, code) => {
    const r = await run(patroni({ role }, cfg, members("pg-test-1", "leader", states)), "check-removal");
    expect(r.code).toBe(code);
    if (code === 1) expect(r.err).toMatch(/^error: pg-test-1 leads pg-test while pg-test-\d(, pg-test-\d)? still run: removing it now would fail the cluster over\. Switch over first/);
  });

  test("a member whose Patroni does not answer, or has no patroni.yml, is removed", async () => {
    const code = (yml: string) =>
      new Promise<number | null>((resolve) => spawn("python3", [helper, "check-removal"], { env: { ...process.env, PIGSTY_PATRONI_YML: yml } }).on("close", resolve));
    expect(await code(patroniYml(9))).toBe(0);
    expect(await code(join(dir, "missing.yml"))).toBe(0);
  });
});

test("mark-removal PATCHes the mark with basic auth from patroni.yml; the password is never an argument", async () => {
  const r = await run(patroni({}), "mark-removal");
  expect(r.code).toBe(0);
  expect(r.out).toContain("the whole cluster is being removed");
  const [patch] = r.calls;
  expect([patch.method, patch.url]).toEqual(["PATCH", "/config"]);
  expect(Object.keys(JSON.parse(patch.body))).toEqual(["pigsty_cluster_removal"]);
  expect(patch.authorization).toBe(`Basic ${Buffer.from(`${cluster.accounts.patroniApi}:${API_PASSWORD}`).toString("base64")}`);
});

describe("apply-config", () => {
  const desired = { loop_wait: 0, ttl: 30, pause: false, postgresql: { parameters: { max_connections: 100 } } };
  const file = join(dir, "desired.json");
  writeFileSync(file, JSON.stringify(desired));

  test("unchanged: nothing written, nobody restarted", async () => {
    const r = await run(patroni({}, { ...desired, pause: undefined }, members("pg-test-1")), "apply-config", file);
    expect(r.calls.filter((c) => c.method !== "GET")).toEqual([]);
    expect(r.out).toBe("not paused\n");
  });

  // It waits loop_wait + 5 s for members to load a change.
  test("changed: PATCHed with the removal mark cleared", async () => {
    const r = await run(patroni({}, { ...desired, ttl: 20, pigsty_cluster_removal: 1 }, members("pg-test-1")), "apply-config", file);
    const patch = r.calls.find((c) => c.method === "PATCH") as Call;
    expect(JSON.parse(patch.body)).toEqual({ ...desired, pigsty_cluster_removal: null, standby_cluster: null, slots: null });
    expect(r.out).toContain("changed Patroni dynamic configuration");
  }, 20_000);

  test("a standby cluster whose model has no standby_cluster any more: PATCHed with it null, which promotes it", async () => {
    const standby = { host: "10.10.10.11,10.10.10.12", port: 5432, primary_slot_name: "standby_pg_std" };
    const r = await run(patroni({}, { ...desired, standby_cluster: standby }, members("pg-test-1", "standby_leader")), "apply-config", file);
    const patch = r.calls.find((c) => c.method === "PATCH") as Call;
    expect(JSON.parse(patch.body).standby_cluster).toBeNull();
    expect(r.out).toContain("changed Patroni dynamic configuration");
  }, 20_000);

  test("a standby cluster that stays one: its standby_cluster unchanged, nothing written", async () => {
    const standby = { host: "10.10.10.11,10.10.10.12", port: 5432, primary_slot_name: "standby_pg_std", create_replica_methods: ["pgbackrest", "basebackup"] };
    const wanted = join(dir, "standby.json");
    writeFileSync(wanted, JSON.stringify({ ...desired, standby_cluster: standby }));
    const r = await run(patroni({}, { ...desired, pause: undefined, standby_cluster: { ...standby, port: "5432" } }, members("pg-test-1", "standby_leader")), "apply-config", wanted);
    expect(r.calls.filter((c) => c.method !== "GET")).toEqual([]);
  });

  test("pending restarts are done replicas first, each through its own API, whatever the leader's role is called", async () => {
    for (const leaderRole of ["leader", "standby_leader"]) {
      const restarted: string[] = [];
      const r = await run((method, url, _body, base) => {
        if (method === "POST") restarted.push(url.split("/")[1]);
        const list = members("pg-test-1", leaderRole).members.map((m) => ({ ...m, pending_restart: !restarted.includes(m.name), api_url: `${base}/${m.name}/patroni` }));
        return url === "/config" ? desired : url === "/cluster" ? { members: list } : {};
      }, "apply-config", file);
      expect(restarted).toEqual(["pg-test-2", "pg-test-3", "pg-test-1"]);
      expect(r.out).toBe("restarted pg-test-2\nrestarted pg-test-3\nrestarted pg-test-1\nnot paused\n");
    }
  });

  describe("a cluster that just became a standby cluster (the way back): every replica streams from its standby leader", () => {
    const wanted = join(dir, "way-back.json");
    writeFileSync(wanted, JSON.stringify({ ...desired, standby_cluster: { host: "10.10.10.16", port: 5432, primary_slot_name: "standby_pg_test" } }));
    beforeAll(() => {
      process.env.PIGSTY_FOLLOW_GRACE_SECONDS = "3";
    });
    afterAll(() => {
      delete process.env.PIGSTY_FOLLOW_GRACE_SECONDS;
    });

    /**
     * pg-test-1 a running standby leader on timeline 3 once the PATCH is in; its walsenders serve `streaming()`; the
     * replicas in `onItsTimeline()` replay on timeline 3, the others on 2 (the old one).
     */
    const wayBack =
      (streaming: () => string[], onItsTimeline: () => string[] = streaming): Routes =>
      (method, url, body, base) => {
        if (url === "/config") return method === "PATCH" ? {} : desired;
        if (url === "/cluster") return { members: members("pg-test-1", "standby_leader").members.map((m) => ({ ...m, api_url: `${base}/${m.name}/patroni` })) };
        if (url === "/pg-test-1/patroni") return { role: "standby_leader", state: "running", timeline: 3, replication: streaming().map((n) => ({ application_name: n, state: "streaming" })) };
        const replica = /^\/(pg-test-\d)\/patroni$/.exec(url);
        if (replica) return { role: "replica", state: "running", timeline: onItsTimeline().includes(replica[1]) ? 3 : 2 };
        return method === "POST" ? {} : answer(404);
      };

    test("replicas that follow are left alone", async () => {
      const r = await run(wayBack(() => ["pg-test-2", "pg-test-3"]), "apply-config", wanted);
      expect(r.calls.filter((c) => c.method === "POST")).toEqual([]);
      expect(r.out).toContain("pg-test-2 follows the standby leader pg-test-1\npg-test-3 follows the standby leader pg-test-1\n");
    }, 30_000);

    test("a replica that does not stream (it holds WAL the new upstream lacks) is rebuilt through its own API, then streams", async () => {
      let rebuilt = false;
      const routes = wayBack(() => (rebuilt ? ["pg-test-2", "pg-test-3"] : ["pg-test-2"]));
      const r = await run((method, url, body, base) => {
        if (method === "POST" && url === "/pg-test-3/reinitialize") rebuilt = true;
        return routes(method, url, body, base);
      }, "apply-config", wanted);
      const posts = r.calls.filter((c) => c.method === "POST");
      expect(posts.map((c) => [c.url, JSON.parse(c.body)])).toEqual([["/pg-test-3/reinitialize", { force: true }]]);
      expect(posts[0].authorization).toMatch(/^Basic /);
      expect(r.out).toContain("pg-test-3 does not follow the standby leader pg-test-1");
      expect(r.out).toContain("rebuilt pg-test-3: it streams from pg-test-1\nnot paused\n");
      expect(r.code).toBe(0);
    }, 30_000);

    test("a replica that streams but stays on the old timeline (served up to the fork, again and again) is rebuilt", async () => {
      let rebuilt = false;
      const routes = wayBack(() => ["pg-test-2", "pg-test-3"], () => (rebuilt ? ["pg-test-2", "pg-test-3"] : ["pg-test-2"]));
      const r = await run((method, url, body, base) => {
        if (method === "POST" && url === "/pg-test-3/reinitialize") rebuilt = true;
        return routes(method, url, body, base);
      }, "apply-config", wanted);
      expect(r.calls.filter((c) => c.method === "POST").map((c) => c.url)).toEqual(["/pg-test-3/reinitialize"]);
      expect(r.out).toContain("pg-test-2 follows the standby leader pg-test-1\npg-test-3 does not follow the standby leader pg-test-1");
      expect(r.out).toContain("rebuilt pg-test-3: it streams from pg-test-1\n");
    }, 30_000);

    test("a cluster that already was a standby cluster is not checked", async () => {
      const r = await run(
        (method, url, body, base) => (url === "/config" ? { ...desired, pause: undefined, standby_cluster: { host: "10.10.10.16", port: 5432, primary_slot_name: "standby_pg_test" } } : wayBack(() => [])(method, url, body, base)),
        "apply-config",
        wanted,
      );
      expect(r.calls.map((c) => c.url)).not.toContain("/pg-test-1/patroni");
      expect(r.out).toBe("not paused\n");
    });
  });

  test("paused: pending restarts are only listed", async () => {
    writeFileSync(join(dir, "paused.json"), JSON.stringify({ ...desired, pause: true }));
    const pending = { members: members("pg-test-1").members.map((m) => ({ ...m, pending_restart: true })) };
    const r = await run(patroni({}, { ...desired, pause: true }, pending), "apply-config", join(dir, "paused.json"));
    expect(r.calls.filter((c) => c.method !== "GET")).toEqual([]);
    expect(r.out).toBe("maintenance mode: not restarting pg-test-2, pg-test-3, pg-test-1 (pending restart)\npaused\n");
  });
});

/** switchover-to against a cluster whose leader is `leaderName` (a switchover moves it); returns the calls that change things. */
async function switchover(config: Record<string, unknown>, leaderName: string, leaderRole = "leader"): Promise<{ out: string; changes: string[] }> {
  let current = leaderName;
  let sync = false;
  const r = await run((method, url, body) => {
    if (url === "/switchover") current = JSON.parse(body).candidate;
    if (url === "/config" && method === "PATCH" && JSON.parse(body).synchronous_node_count > 1) sync = true;
    const list = members(current, leaderRole);
    if (sync) list.members = list.members.map((m) => (m.role === "replica" ? { ...m, role: "sync_standby" } : m));
    return url === "/cluster" ? list : url === "/config" ? config : {};
  }, "switchover-to", "pg-test-1");
  return { out: r.out + r.err, changes: r.calls.filter((c) => c.method !== "GET").map((c) => `${c.method} ${c.url} ${c.body}`) };
}

describe("switchover-to switches over only when pg_role: primary moved", () => {
  test.each(["leader", "standby_leader"])("first run with another member as %s: switches over and records the intent", async (role) => {
    const r = await switchover({}, "pg-test-2", role);
    expect(r.changes).toEqual(['POST /switchover {"leader": "pg-test-2", "candidate": "pg-test-1"}', 'PATCH /config {"pigsty_intended_leader": "pg-test-1"}']);
    expect(r.out).toContain("leader: pg-test-1");
  });

  test("re-run for another reason after a failover: nothing is switched back", async () => {
    const r = await switchover({ pigsty_intended_leader: "pg-test-1" }, "pg-test-2");
    expect(r.changes).toEqual([]);
    expect(r.out).toContain("pg-test-2 leads since a failover");
  });

  test("pg_role: primary moved since the last run: switches over", async () => {
    const r = await switchover({ pigsty_intended_leader: "pg-test-3" }, "pg-test-3");
    expect(r.changes[0]).toBe('POST /switchover {"leader": "pg-test-3", "candidate": "pg-test-1"}');
  });

  test("synchronous mode: the candidate is made a synchronous standby first, and the count put back", async () => {
    const r = await switchover({ synchronous_mode: true, synchronous_node_count: 1 }, "pg-test-2");
    expect(r.changes).toEqual([
      'PATCH /config {"synchronous_node_count": 2}',
      'POST /switchover {"leader": "pg-test-2", "candidate": "pg-test-1"}',
      'PATCH /config {"synchronous_node_count": 1}',
      'PATCH /config {"pigsty_intended_leader": "pg-test-1"}',
    ]);
  });

  test("no leader: refuses with what to do", async () => {
    const r = await switchover({}, "nobody");
    expect(r.out).toContain("error: the cluster has no leader now");
  });
});
