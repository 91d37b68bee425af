// The dev stack's program under mocks: exact resources, pinned host keys, ordering and no secret in any command.
import * as command from "@pulumi/command";
import type * as pulumi from "@pulumi/pulumi";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { dashboardBundle } from "../../render/dashboard";
import { HOST_LIBRARY_FILES, hostLibrary } from "../../render/hostLibrary";
import { libraryStagingDir } from "../../steps/hostLibrary";
import { loadInventory } from "../../config/load";
import { rawInventory } from "../../config/stack";
import { noPlaintextPassword } from "../../policies/noPlaintextPassword";
import { resourceArgs, violations } from "../policies/fixtures";
import { devStackConfig, repoRoot, runProgram, type Registered } from "./harness";
import { FEATURE_INSTANCE_STEPS, INSTANCE_STEPS, stepName, type InstanceStep } from "../../config/stepCatalogue";

const hostsFixture = "test/fixtures/sandbox/hosts.json";
const config: Record<string, unknown> = { ...devStackConfig(), "pigsty:sandbox": hostsFixture };

describe("Pulumi.dev.yaml", () => {
  const { model, secrets } = loadInventory(rawInventory({ inventory: config["pigsty:inventory"], sandbox: hostsFixture, baseDir: repoRoot }));

  it("loads the SOP demo topology", () => {
    expect(model.infra.ip).toBe("10.10.10.10");
    expect(model.clusters.map((c) => c.name)).toEqual(["pg-test"]);
    const pgTest = model.clusters[0];
    expect(pgTest.instances.map((i) => [i.name, i.ip, i.role, i.offlineQuery])).toEqual([
      ["pg-test-1", "10.10.10.11", "primary", false],
      ["pg-test-2", "10.10.10.12", "replica", false],
      ["pg-test-3", "10.10.10.13", "offline", true],
    ]);
    expect(pgTest.services.map((s) => [s.name, s.port])).toEqual([
      ["primary", 5433],
      ["replica", 5434],
      ["default", 5436],
      ["offline", 5438],
    ]);
  });

  it("takes SSH user, key and pinned host keys from the sandbox file", () => {
    expect(model.ssh.user).toBe("dba");
    expect(model.ssh.keyPath).toBe("test/fixtures/sandbox/not-a-key");
    expect(model.ssh.hostKeys["10.10.10.12"]).toMatch(/^ssh-ed25519 AAAA.*MTI$/);
  });

  it("gives no password, so every slot is generated", () => {
    expect(Object.values(secrets).every((v) => v === undefined)).toBe(true);
    expect(Object.keys(secrets)).toContain("pg-test/user/dbuser_test");
  });
});

describe("the program under mocks", () => {
  const dependsOn = new Map<string, string[]>();
  /** Dependencies as given, some of them promises of resources made later. */
  const rawDependsOn = new Map<string, unknown[]>();
  let registered: Registered[] = [];

  beforeAll(async () => {
    const original = command.remote.Command;
    jest.spyOn(command.remote, "Command").mockImplementation(((name: string, args: any, opts: any) => {
      dependsOn.set(name, ((opts?.dependsOn ?? []) as any[]).map((r) => (r as any).__name));
      rawDependsOn.set(name, (opts?.dependsOn ?? []) as unknown[]);
      return new original(name, args, opts);
    }) as any);
    const originalCopy = command.remote.CopyToRemote;
    jest.spyOn(command.remote, "CopyToRemote").mockImplementation(((name: string, args: any, opts: any) => {
      dependsOn.set(name, ((opts?.dependsOn ?? []) as any[]).map((r) => (r as any).__name));
      copyArgs.set(name, args);
      return new originalCopy(name, args, opts);
    }) as any);
    ({ registered } = await runProgram(config));
  });
  const copyArgs = new Map<string, command.remote.CopyToRemoteArgs>();

  const commands = () => registered.filter((r) => r.type === "command:remote:Command");

  it("registers exactly the infra node, the cluster, its instances and their steps", () => {
    const byType = (t: string) => registered.filter((r) => r.type === t).map((r) => r.name).sort();
    expect(byType("pigsty:infra:Node")).toEqual(["meta"]);
    expect(byType("pigsty:pg:Cluster")).toEqual(["pg-test"]);
    expect(byType("pigsty:pg:Instance")).toEqual(["pg-test-1", "pg-test-2", "pg-test-3"]);
    const expected = [
      stepName("backup-10-10-10-10", "pgbackrest"),
      stepName("pg-test", "backup"),
      stepName("meta-1", "etcd"),
      stepName("pigsty", "dcs-auth"),
      stepName("meta", "monitoring"),
      stepName("meta", "dashboard"),
      stepName("meta", "prepare"),
      stepName("pg-test", "databases"),
      stepName("pg-test", "dcs"),
      stepName("pg-test", "leader"),
      stepName("pg-test", "patroni-config"),
      stepName("pg-test", "roles"),
      // Every instance step but those of features the dev stack does not ask for (the VIP, the in-place restore).
      ...[1, 2, 3].flatMap((n) => (Object.keys(INSTANCE_STEPS) as InstanceStep[]).filter((s) => !FEATURE_INSTANCE_STEPS.includes(s) && s !== "library-copy").map((s) => stepName(`pg-test-${n}`, s))),
    ].sort();
    expect(commands().map((c) => c.name).sort()).toEqual(expected);
  });

  it("generates one random password per secret slot", () => {
    const pw = registered.filter((r) => r.type === "random:index/randomPassword:RandomPassword").map((r) => r.name).sort();
    expect(pw).toEqual([
      "backup-10-10-10-10-cipher-passphrase",
      "dcs-password-etcd-root",
      "pg-test-password-admin",
      "pg-test-password-etcd",
      "pg-test-password-haproxy_admin",
      "pg-test-password-monitor",
      "pg-test-password-patroni_api",
      "pg-test-password-replication",
      "pg-test-password-superuser",
      "pg-test-password-user-dbuser_test",
    ]);
  });

  it("pins every command's host key and connects as the admin user", () => {
    for (const c of commands()) {
      expect(c.inputs.connection.user).toBe("dba");
      expect(c.inputs.connection.hostKey).toMatch(/^ssh-ed25519 /);
    }
    const p2 = commands().find((c) => c.name === stepName("pg-test-2", "patroni")) as Registered;
    expect(p2.inputs.connection.host).toBe("10.10.10.12");
    const reg = commands().find((c) => c.name === stepName("pg-test-2", "register")) as Registered;
    expect(reg.inputs.connection.host).toBe("10.10.10.10");
  });

  it("bootstraps the primary first, replicas after it, SQL after the primary", () => {
    expect(dependsOn.get(stepName("pg-test", "dcs"))).toEqual([stepName("meta", "prepare"), stepName("pigsty", "dcs-auth")]);
    expect(dependsOn.get(stepName("pigsty", "dcs-auth"))).toEqual([stepName("meta-1", "etcd")]);
    expect(dependsOn.get(stepName("pg-test-1", "config"))).toEqual(expect.arrayContaining([stepName("pg-test-1", "tls")]));
    expect(dependsOn.get(stepName("pg-test-2", "patroni"))).toEqual(expect.arrayContaining([stepName("pg-test-2", "config"), stepName("pg-test", "dcs"), stepName("pg-test-1", "patroni")]));
    expect(dependsOn.get(stepName("pg-test-3", "patroni"))).toEqual(expect.arrayContaining([stepName("pg-test-1", "patroni")]));
    expect(dependsOn.get(stepName("pg-test-3", "patroni"))).not.toContain(stepName("pg-test-2", "patroni"));
    expect(dependsOn.get(stepName("pg-test-1", "patroni"))).not.toContain(stepName("pg-test-2", "patroni"));
    expect(dependsOn.get(stepName("pg-test", "roles"))).toEqual([stepName("pg-test-1", "patroni"), stepName("pg-test", "patroni-config")]);
    expect(dependsOn.get(stepName("pg-test", "databases"))).toEqual([stepName("pg-test", "roles")]);
  });

  it("rewrites every member's HAProxy only after the leader step (a switchover happens before backup flags follow)", async () => {
    for (const n of [1, 2, 3]) {
      const deps = await Promise.all((rawDependsOn.get(stepName(`pg-test-${n}`, "haproxy")) ?? []).map((d) => Promise.resolve(d)));
      expect(deps.map((r) => (r as any).__name)).toEqual([stepName(`pg-test-${n}`, "prepare"), stepName("pg-test", "leader")]);
    }
  });

  it("copies the dashboards by sftp from a folder holding exactly the bundle, and installs them after the copy", async () => {
    const bundle = dashboardBundle();
    const copies = registered.filter((r) => r.type === "command:remote:CopyToRemote" && r.name.endsWith("-dashboard-copy"));
    expect(copies.map((c) => c.name)).toEqual([stepName("meta", "dashboard-copy")]);
    const [copy] = copies;
    expect(copy.inputs.remotePath).toBe(`/var/tmp/pigsty-dashboard-${bundle.hash}`);
    expect([copy.inputs.connection.host, copy.inputs.connection.user]).toEqual(["10.10.10.10", "dba"]);
    expect(copy.inputs.connection.hostKey).toMatch(/^ssh-ed25519 /);
    expect(copy.secretInputs).toContain("connection");
    const source = copyArgs.get(copy.name)?.source as pulumi.asset.FileArchive;
    const folder = await source.path;
    expect(readdirSync(folder).sort()).toEqual(["cluster.html", "dashboard.css", "dashboard.js", "index.html", "uPlot.iife.min.js", "uPlot.min.css"]);
    for (const f of bundle.files) expect(readFileSync(join(folder, f.name))).toEqual(f.content);
    expect(dependsOn.get(copy.name)).toEqual([stepName("meta", "prepare")]);
    expect(dependsOn.get(stepName("meta", "dashboard"))).toEqual([copy.name]);
    // No script carries the files' bytes (every script byte is kept twice in the state): only their manifest.
    const uplot = bundle.files.find((f) => f.name === "uPlot.iife.min.js") as { content: Buffer };
    const install = commands().find((c) => c.name === stepName("meta", "dashboard")) as Registered;
    expect(install.inputs.create).toContain(bundle.manifest);
    for (const c of commands()) expect(String(c.inputs.create)).not.toContain(uplot.content.toString("utf8").slice(0, 200));
  });

  it("copies the step library by sftp to each host, once per -prepare step, which installs it from there", async () => {
    const library = hostLibrary();
    const copies = registered.filter((r) => r.type === "command:remote:CopyToRemote" && r.name.endsWith("-library-copy"));
    const prefixes = ["meta", "pg-test-1", "pg-test-2", "pg-test-3"];
    expect(copies.map((c) => c.name).sort()).toEqual(prefixes.map((p) => stepName(p, "library-copy")));
    for (const prefix of prefixes) {
      const copy = copies.find((c) => c.name === stepName(prefix, "library-copy")) as Registered;
      expect(copy.inputs.remotePath).toBe(libraryStagingDir(prefix));
      expect(copy.secretInputs).toContain("connection");
      const folder = await (copyArgs.get(copy.name)?.source as pulumi.asset.FileArchive).path;
      expect(readdirSync(folder).sort()).toEqual([...HOST_LIBRARY_FILES].sort());
      for (const f of library.files) expect(readFileSync(join(folder, f.name))).toEqual(f.content);
      expect(dependsOn.get(copy.name)).toEqual([]);
      expect(dependsOn.get(stepName(prefix, "prepare"))).toEqual([copy.name]);
      const prepare = commands().find((c) => c.name === stepName(prefix, "prepare")) as Registered;
      expect(prepare.inputs.create).toContain(library.manifest);
    }
    // No script carries the library's programs (every script byte is kept twice in the state).
    const helper = library.texts["pigsty-patroni"].slice(-400);
    for (const c of commands()) expect(String(c.inputs.create)).not.toContain(helper);
    const config1 = commands().find((c) => c.name === stepName("pg-test-1", "config")) as Registered;
    expect(config1.inputs.create).toContain(`install_file '/usr/local/bin/pigsty-patroni' '0755' 'root:root' <"$pigsty_lib"/'pigsty-patroni'`);
  });

  it("keeps passwords out of every command text and sends them only on stdin", async () => {
    const generated = registered.filter((r) => r.type.startsWith("random:")).map((r) => `generated-secret-${r.name}`);
    for (const c of commands()) {
      for (const field of ["create", "update", "delete"]) {
        for (const pw of generated) expect(String(c.inputs[field] ?? "")).not.toContain(pw);
      }
    }
    const config2 = commands().find((c) => c.name === stepName("pg-test-2", "config")) as Registered;
    expect(config2.secretInputs).toEqual(expect.arrayContaining(["stdin", "connection"]));
    const stdin = JSON.parse(config2.inputs.stdin);
    expect(Object.keys(stdin).sort()).toEqual(["pg-test/etcd", "pg-test/patroni_api", "pg-test/replication", "pg-test/superuser", "tls/ca"]);
    expect(stdin["pg-test/replication"]).toBe("generated-secret-pg-test-password-replication");
    expect(config2.inputs.create).toContain("{{secret:pg-test/replication|yaml}}");
    const prepare = commands().find((c) => c.name === stepName("pg-test-2", "prepare")) as Registered;
    expect(prepare.inputs.stdin).toBeUndefined();
  });

  it("passes no-plaintext-password on every resource: secret placeholders in rendered files are not passwords", async () => {
    const found: string[] = [];
    for (const r of registered) found.push(...(await violations(noPlaintextPassword, resourceArgs(r.type, r.name, r.inputs))));
    expect(found).toEqual([]);
    const config1 = commands().find((c) => c.name === stepName("pg-test-1", "config")) as Registered;
    expect(config1.inputs.create).toMatch(/password: "\{\{secret:pg-test\/[a-z_]+\|yaml\}\}"/);
  });

  it("exports the four service endpoints on every member", async () => {
    const { exports } = await runProgram(config);
    const services = (await exports.services)["pg-test"];
    expect(services.primary).toEqual(["10.10.10.11:5433", "10.10.10.12:5433", "10.10.10.13:5433"]);
    expect(Object.keys(services).sort()).toEqual(["default", "offline", "primary", "replica"]);
  });
});
