// `npm run up` (scripts/up.ts) with the project's real CLI, on a throw-away program in a temp dir and a local backend of
// its own (real-tools tier): local commands stand for hosts, each writing the secrets it was given to a file. A
// SIGKILL in phase 1 records nothing and no host has a secret; one in phase 2 leaves the passwords and certificates
// of phase 1 in the state, and the next run keeps them;
// the same kill of a plain `up` without checkpoints loses them, and its next run installs new ones over the old. A
// SIGTERM to `npm run up` reaches the CLI, which writes what it did.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { descendants, endStillRunning, type ProcessInfo } from "../../bench/processes";

const repo = join(__dirname, "..", "..");
const PULUMI = join(repo, ".toolchain", "bin", "pulumi");
const TSX = join(repo, "node_modules", ".bin", "tsx");
const STEPS = 8;

/** Two clusters' passwords, a CA and a certificate per "host" under pigsty:tls:Certificates, and a slow step per host. */
const program = (hostsDir: string) => `Error.stackTraceLimit = 0;
const pulumi = require("@pulumi/pulumi");
const command = require("@pulumi/command");
const random = require("@pulumi/random");
const key = (name, parent, stdin) => new command.local.Command(name, { create: "head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \\\\n'", stdin, logging: "stderr" }, { parent, additionalSecretOutputs: ["stdout"] });
class Certificates extends pulumi.ComponentResource {
  constructor(name) {
    super("pigsty:tls:Certificates", name, {});
    const ca = key(name + "-ca", this);
    this.certs = Array.from({ length: ${STEPS} }, (_, i) => key("h" + i + "-certificate", this, ca.stdout).stdout);
    this.registerOutputs({});
  }
}
class Cluster extends pulumi.ComponentResource {
  constructor(name) {
    super("upx:test:Cluster", name, {});
    this.password = new random.RandomPassword(name + "-password", { length: 16, special: false }, { parent: this }).result;
    this.registerOutputs({});
  }
}
const pki = new Certificates("pki");
const clusters = [new Cluster("c0"), new Cluster("c1")];
for (let i = 0; i < ${STEPS}; i++) {
  const secrets = pulumi.all([clusters[i % 2].password, pki.certs[i]]).apply(([p, c]) => p + " " + c);
  new command.local.Command("step" + i, { create: "sleep 1; cat > ${hostsDir}/h" + i, stdin: secrets });
}
`;

describe("npm run up against the real CLI", () => {
  const dir = mkdtempSync(join(tmpdir(), "pigsty-up-"));
  const env: NodeJS.ProcessEnv = { ...process.env, PULUMI_BACKEND_URL: `file://${join(dir, "state")}`, PULUMI_CONFIG_PASSPHRASE: "test-only" };
  delete env.PULUMI_SKIP_CHECKPOINTS;
  const prog = join(dir, "program");
  let orphans: ProcessInfo[] = [];

  beforeAll(() => {
    for (const d of ["state", "program"]) mkdirSync(join(dir, d));
    writeFileSync(join(prog, "Pulumi.yaml"), "name: upx\nruntime: nodejs\n");
    writeFileSync(join(prog, "package.json"), JSON.stringify({ name: "upx", main: "index.js" }));
    symlinkSync(join(repo, "node_modules"), join(prog, "node_modules"));
  });
  afterAll(() => {
    // The killed CLI cannot end its language host and providers: they are ended here, by pid.
    endStillRunning(orphans);
    rmSync(dir, { recursive: true, force: true });
  });

  /** A fresh stack with its own "hosts" folder. */
  function stack(name: string): string {
    const hosts = join(dir, `hosts-${name}`);
    mkdirSync(hosts);
    writeFileSync(join(prog, "index.js"), program(hosts));
    const r = spawnSync(PULUMI, ["stack", "init", name, "--non-interactive"], { cwd: prog, env, encoding: "utf8" });
    if (r.status !== 0) throw new Error(r.stderr);
    return hosts;
  }

  /**
   * Runs `command`; once its output matches `when` (by default: the CLI has created a host step), either SIGKILLs the CLI (not its parent) or sends SIGTERM
   * to `command` itself. Resolves with the exit code and output.
   */
  function stoppedMidway(
    command: string,
    args: string[],
    how: "SIGKILL the CLI" | "SIGTERM the script",
    extraEnv: NodeJS.ProcessEnv = {},
    when: RegExp = /command:local:Command step\d+ created/,
  ): Promise<{ code: number | null; output: string }> {
    return new Promise((done) => {
      const child = spawn(command, args, { cwd: prog, env: { ...env, ...extraEnv } });
      let output = "";
      let stopped = false;
      const onData = (d: Buffer) => {
        output += d;
        if (stopped || !when.test(output)) return;
        stopped = true;
        if (how === "SIGTERM the script") return void child.kill("SIGTERM");
        // The wrapper execs the CLI: it is the child itself, or below the script.
        const cli = command === PULUMI ? (child.pid as number) : descendants(child.pid as number).find((p) => p.comm === "pulumi.real")?.pid;
        if (cli === undefined) throw new Error(`no CLI under ${command}`);
        orphans = [...orphans, ...descendants(cli)];
        process.kill(cli, "SIGKILL");
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
      child.on("close", (code, signal) => done({ code: code ?? (signal ? -1 : null), output }));
    });
  }

  /** The generated secrets in the state (name -> value), and the names of the host steps it records. */
  function stateOf(name: string): { secrets: Record<string, string>; steps: string[] } {
    const r = spawnSync(PULUMI, ["stack", "export", "--show-secrets", "--stack", name], { cwd: prog, env, encoding: "utf8", maxBuffer: 64 << 20 });
    const resources = (JSON.parse(r.stdout).deployment.resources ?? []) as { urn: string; type: string; outputs?: Record<string, unknown> }[];
    const nameOf = (urn: string) => urn.split("::").pop() as string;
    // An exported secret with --show-secrets: { <signature>: ..., plaintext: <its value as JSON> }.
    const valueOf = (v: unknown) => {
      const plaintext = v !== null && typeof v === "object" ? (v as { plaintext?: string }).plaintext : undefined;
      if (plaintext === undefined) throw new Error(`not a secret in the state: ${JSON.stringify(v)}`);
      return String(JSON.parse(plaintext));
    };
    const secrets: Record<string, string> = {};
    for (const res of resources) {
      if (res.type.endsWith("RandomPassword")) secrets[nameOf(res.urn)] = valueOf(res.outputs?.result);
      if (res.urn.includes("pigsty:tls:Certificates$command:local:Command")) secrets[nameOf(res.urn)] = valueOf(res.outputs?.stdout);
    }
    return { secrets, steps: resources.filter((res) => /::step\d+$/.test(res.urn)).map((res) => nameOf(res.urn)) };
  }

  /** The recovery after a killed CLI (docs/operations.md): its lock stays until `pulumi cancel` removes it. */
  function cancel(name: string): void {
    const r = spawnSync(PULUMI, ["cancel", "--yes", "--stack", name, "--non-interactive"], { cwd: prog, env, encoding: "utf8" });
    if (r.status !== 0) throw new Error(r.stderr);
  }

  /** What each "host" was given: its file, by step. */
  const onHosts = (hosts: string) => Object.fromEntries(readdirSync(hosts).map((f) => [f, readFileSync(join(hosts, f), "utf8")]));
  const upArgs = (name: string) => ["--yes", "--skip-preview", "--non-interactive", "--stack", name, "--parallel", "2"];

  test("a SIGKILL in phase 2 keeps phase 1's secrets; the next run keeps them and the hosts' copies agree", async () => {
    expect(existsSync(PULUMI)).toBe(true);
    const hosts = stack("two-phase");
    const killed = await stoppedMidway(TSX, [join(repo, "scripts", "up.ts"), ...upArgs("two-phase")], "SIGKILL the CLI");
    expect(killed.output).toContain("phase 1 of 2, PULUMI_SKIP_CHECKPOINTS=true, no host step: generates 2 password(s), 9 certificate(s)");
    expect(killed.output).toContain("phase 2 ended (exit 137)");
    expect(killed.code).toBe(137);
    const after = stateOf("two-phase");
    expect(Object.keys(after.secrets)).toHaveLength(2 + 1 + STEPS);
    expect(after.steps).toEqual([]);
    const given = onHosts(hosts);
    expect(Object.keys(given).length).toBeGreaterThan(0);

    cancel("two-phase");
    const again = spawnSync(TSX, [join(repo, "scripts", "up.ts"), ...upArgs("two-phase")], { cwd: prog, env, encoding: "utf8", timeout: 300_000 });
    expect(again.status).toBe(0);
    expect(again.stderr).toContain("phase 1 skipped: no password or certificate to generate");
    const final = stateOf("two-phase");
    expect(final.secrets).toEqual(after.secrets);
    expect(final.steps).toHaveLength(STEPS);
    // A host given a secret before the kill holds the same one now.
    const now = onHosts(hosts);
    for (const [h, value] of Object.entries(given)) expect(now[h]).toBe(value);
  }, 300_000);

  test("a SIGKILL in phase 1 records nothing and no host has a secret; the next run makes them all and finishes", async () => {
    const hosts = stack("killed-in-one");
    const killed = await stoppedMidway(TSX, [join(repo, "scripts", "up.ts"), ...upArgs("killed-in-one")], "SIGKILL the CLI", {}, /command:local:Command h\d+-certificate created/);
    expect(killed.output).toContain("phase 1 ended (exit 137)");
    expect(killed.output).not.toContain("phase 2 of 2");
    expect(stateOf("killed-in-one")).toEqual({ secrets: {}, steps: [] });
    expect(onHosts(hosts)).toEqual({});

    cancel("killed-in-one");
    const again = spawnSync(TSX, [join(repo, "scripts", "up.ts"), ...upArgs("killed-in-one")], { cwd: prog, env, encoding: "utf8", timeout: 300_000 });
    expect(again.status).toBe(0);
    expect(again.stderr).toContain("generates 2 password(s), 9 certificate(s)");
    const final = stateOf("killed-in-one");
    expect(Object.keys(final.secrets)).toHaveLength(2 + 1 + STEPS);
    expect(final.steps).toHaveLength(STEPS);
    // Every host holds its cluster's password and its certificate from the state.
    const now = onHosts(hosts);
    for (let i = 0; i < STEPS; i++) expect(now[`h${i}`]).toBe(`${final.secrets[`c${i % 2}-password`]} ${final.secrets[`h${i}-certificate`]}`);
  }, 300_000);

  test("the same kill of a plain up without checkpoints loses the secrets, and the next up installs new ones over them", async () => {
    const hosts = stack("no-checkpoints");
    const killed = await stoppedMidway(PULUMI, ["up", ...upArgs("no-checkpoints")], "SIGKILL the CLI", { PULUMI_SKIP_CHECKPOINTS: "true" });
    expect(killed.code).not.toBe(0);
    expect(stateOf("no-checkpoints").secrets).toEqual({});
    const given = onHosts(hosts);
    expect(Object.keys(given).length).toBeGreaterThan(0);

    cancel("no-checkpoints");
    const again = spawnSync(PULUMI, ["up", ...upArgs("no-checkpoints")], { cwd: prog, env, encoding: "utf8", timeout: 300_000 });
    expect(again.status).toBe(0);
    const now = onHosts(hosts);
    for (const [h, value] of Object.entries(given)) expect(now[h]).not.toBe(value);
  }, 300_000);

  test("a SIGTERM to npm run up in phase 2 reaches the CLI, which records the steps done and leaves no lock", async () => {
    stack("terminated");
    const stopped = await stoppedMidway(TSX, [join(repo, "scripts", "up.ts"), ...upArgs("terminated")], "SIGTERM the script");
    expect(stopped.output).toMatch(/SIGTERM: passed on to pulumi \(pid \d+\)/);
    expect(stopped.code).not.toBe(0);
    const after = stateOf("terminated");
    expect(Object.keys(after.secrets)).toHaveLength(2 + 1 + STEPS);
    expect(after.steps.length).toBeGreaterThan(0);
    const again = spawnSync(TSX, [join(repo, "scripts", "up.ts"), ...upArgs("terminated")], { cwd: prog, env, encoding: "utf8", timeout: 300_000 });
    expect(again.status).toBe(0);
    expect(stateOf("terminated").steps).toHaveLength(STEPS);
  }, 300_000);
});
