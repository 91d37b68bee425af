// npm run bench: `pulumi preview` of fleets of N clusters x 3 instances, side by side with the engine floor (the
// same number of trivial resources in a throw-away program), measured in one run. Hosts are loopback addresses,
// so nothing but loopback is contacted. Beside each preview, the program alone under mocks (bench/mocks.ts): the part
// of the time that is ours. Then the sandbox parts (bench/sandbox.ts) when root and BENCH_SANDBOX=1.
// Prints a table and writes bench/results/<date>.json.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { programUnderMocks } from "./mocks";
import { descendants, rssMb } from "./processes";
import { sandboxBench, sandboxLines, sandboxSkipReason, type SandboxFigures } from "./sandbox";
import { previewTargets, sandboxTargets, type PreviewRow } from "./targets";

const repo = resolve(__dirname, "..");
const pulumi = join(repo, ".toolchain", "bin", "pulumi");
const env = { ...process.env, PULUMI_CONFIG_PASSPHRASE: "bench-only" };
const sizes = (process.env.BENCH_SIZES ?? "10,30,100").split(",").map(Number);
const FAKE_HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEJlbmNoSG9zdEtleU9ubHlOb3RSZWFs";

interface Run {
  seconds: number;
  /** Peak resident memory of the CLI process, MB. */
  cliMb: number;
  /** Peak resident memory of the program (all node processes under the CLI), MB. */
  programMb: number;
  resources: number;
}

function inventory(clusters: number, keyPath: string): object {
  const ips: string[] = ["127.1.0.1"];
  const fleet: Record<string, object> = {};
  for (let k = 1; k <= clusters; k++) {
    const hosts: Record<string, object> = {};
    for (let s = 1; s <= 3; s++) {
      const ip = `127.1.${k}.${s}`;
      ips.push(ip);
      hosts[ip] = { pg_seq: s, pg_role: s === 1 ? "primary" : s === 3 ? "offline" : "replica" };
    }
    fleet[`pg-b${k}`] = {
      hosts,
      vars: {
        pg_users: [{ name: "dbuser_app", pgbouncer: true, roles: ["dbrole_readwrite"] }],
        pg_databases: [{ name: "app", owner: "dbuser_app" }],
        haproxy_admin_auth_enabled: true,
      },
    };
  }
  return {
    infra: { ip: "127.1.0.1" },
    dcs: { servers: { "meta-1": "127.1.0.1" } },
    ssh: { user: "dba", key_path: keyPath, host_keys: Object.fromEntries(ips.map((ip) => [ip, FAKE_HOST_KEY])) },
    clusters: fleet,
  };
}

/** `pulumi preview --json` in `cwd`, sampling the memory of the CLI and of the program every 100 ms. */
function preview(cwd: string, stack: string): Promise<Run> {
  return new Promise((done, fail) => {
    const started = Date.now();
    const child = spawn(pulumi, ["preview", "--stack", stack, "--non-interactive", "--json"], { cwd, env });
    let out = "";
    let err = "";
    let cliMb = 0;
    let programMb = 0;
    const timer = setInterval(() => {
      // The wrapper execs the CLI, so the child is the CLI itself.
      const tree = descendants(child.pid as number);
      cliMb = Math.max(cliMb, rssMb(child.pid as number));
      programMb = Math.max(programMb, tree.filter((p) => p.comm === "node").reduce((sum, p) => sum + rssMb(p.pid), 0));
    }, 100);
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => {
      clearInterval(timer);
      if (code !== 0) return fail(new Error(`preview of ${stack} failed (exit ${code}):\n${err.slice(-2000)}${out.slice(-2000)}`));
      const summary = JSON.parse(out).changeSummary as Record<string, number>;
      done({ seconds: (Date.now() - started) / 1000, cliMb, programMb, resources: Object.values(summary).reduce((a, b) => a + b, 0) });
    });
  });
}

function run(args: string[], cwd: string): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(pulumi, args, { cwd, env, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => (code === 0 ? done() : fail(new Error(`pulumi ${args.join(" ")}: ${err}`))));
  });
}

/** A fresh stack of this project with `config`, removed again by the returned function. */
async function projectStack(name: string, config: Record<string, string>): Promise<() => Promise<void>> {
  const file = join(repo, `Pulumi.${name}.yaml`);
  await run(["stack", "rm", name, "--yes", "--force", "--non-interactive"], repo).catch(() => undefined);
  await run(["stack", "init", name, "--non-interactive"], repo);
  const salt = /encryptionsalt: .*/.exec(readFileSync(file, "utf8"))?.[0] ?? "";
  writeFileSync(file, `${salt}\nconfig:\n${Object.entries(config).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`).join("\n")}\n`);
  return async () => {
    await run(["stack", "rm", name, "--yes", "--force", "--non-interactive"], repo);
    rmSync(file, { force: true });
  };
}

/**
 * The floor: a throw-away program of `count` constant local commands (the same provider as ours), previewed the same
 * way: the same CLI and home, and the same SDK setting our index.ts makes (no stack trace per promise).
 */
async function floorProgram(count: number): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "pigsty-floor-"));
  writeFileSync(join(dir, "Pulumi.yaml"), "name: pigsty-floor\nruntime: nodejs\n");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "pigsty-floor", main: "index.js" }));
  symlinkSync(join(repo, "node_modules"), join(dir, "node_modules"));
  writeFileSync(
    join(dir, "index.js"),
    "Error.stackTraceLimit = 0;\n" +
      `const command = require("@pulumi/command");\nfor (let i = 0; i < ${count}; i++) new command.local.Command("c" + i, { create: "true" });\n`,
  );
  await run(["stack", "init", "floor", "--non-interactive"], dir);
  return {
    dir,
    remove: async () => {
      await run(["stack", "rm", "floor", "--yes", "--force", "--non-interactive"], dir);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function main() {
  if (!existsSync(pulumi)) throw new Error("no toolchain: run `npm run toolchain` first");
  const keyDir = mkdtempSync(join(tmpdir(), "pigsty-bench-key-"));
  const keyPath = join(keyDir, "not-a-key");
  writeFileSync(keyPath, "bench: never used to connect\n", { mode: 0o600 });
  const rows: (PreviewRow & Record<string, unknown>)[] = [];
  for (const n of sizes) {
    const stack = `bench-${n}`;
    const config = { "pigsty:inventory": JSON.stringify(inventory(n, keyPath)) };
    const remove = await projectStack(stack, config);
    try {
      const ours = await preview(repo, stack);
      const mocks = await programUnderMocks(stack, config);
      const floor = await floorProgram(ours.resources);
      try {
        const base = await preview(floor.dir, "floor");
        const row = {
          clusters: n, instances: 3 * n, resources: ours.resources, seconds: ours.seconds, cliMb: ours.cliMb, programMb: ours.programMb,
          floorSeconds: base.seconds, floorCliMb: base.cliMb, floorProgramMb: base.programMb, ratio: ours.seconds / base.seconds,
          mocksSeconds: mocks.seconds, mocksMb: mocks.peakMb, mocksShare: mocks.seconds / ours.seconds,
        };
        rows.push(row);
        console.log(
          `${String(n).padStart(4)} x 3  ${String(ours.resources).padStart(6)} resources  ours ${ours.seconds.toFixed(1).padStart(6)} s  ` +
            `CLI ${ours.cliMb.toFixed(0).padStart(5)} MB  program ${ours.programMb.toFixed(0).padStart(5)} MB  ` +
            `floor ${base.seconds.toFixed(1).padStart(6)} s (CLI ${base.cliMb.toFixed(0)} MB, program ${base.programMb.toFixed(0)} MB)  ratio ${row.ratio.toFixed(2)}  ` +
            `program alone (mocks) ${mocks.seconds.toFixed(1).padStart(5)} s (${(100 * row.mocksShare).toFixed(0)}% of ours) ${mocks.peakMb.toFixed(0).padStart(5)} MB`,
        );
      } finally {
        await floor.remove();
      }
    } finally {
      await remove();
    }
  }
  if (rows.length >= 2) {
    const [a, b] = [rows[0], rows[rows.length - 1]];
    const slope = (from: number, to: number) => ((1000 * (to - from)) / (b.instances - a.instances)).toFixed(0);
    console.log(`slope: ${slope(a.seconds, b.seconds)} ms per instance (the floor's, for the same resources: ${slope(a.floorSeconds, b.floorSeconds)} ms)`);
  }
  previewTargets(rows).forEach((l) => console.log(l));
  rmSync(keyDir, { recursive: true, force: true });
  const skip = sandboxSkipReason();
  let sandbox: SandboxFigures | undefined;
  if (skip) console.log(skip);
  else {
    sandbox = await sandboxBench();
    sandboxLines(sandbox).forEach((l) => console.log(l));
    sandboxTargets(sandbox).forEach((l) => console.log(l));
  }
  mkdirSync(join(repo, "bench", "results"), { recursive: true });
  // A second run on the same day keeps the first one's file.
  const day = new Date().toISOString().slice(0, 10);
  let file = join(repo, "bench", "results", `${day}.json`);
  for (let k = 2; existsSync(file); k++) file = join(repo, "bench", "results", `${day}-${k}.json`);
  writeFileSync(file, `${JSON.stringify({ when: new Date().toISOString(), preview: rows, ...(sandbox && { sandbox }) }, null, 2)}\n`);
  console.log(`written ${file}`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
