// The program alone: index.ts under Pulumi's mocks in a child process (bench/underMocks.ts), loaded by the ts-node
// that Pulumi's Node.js language host uses, with the options it uses, so the time is the part of a preview that is
// ours. Like the engine's, this ts-node type-checks and keeps what it compiled in its cache (in the temp directory),
// so after the first run the figure is the program's own work.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const repo = resolve(__dirname, "..");
const tsNode = join(repo, "node_modules", "@pulumi", "pulumi", "vendor", "ts-node@7.0.1");

export interface MocksRun {
  /** Wall time of the child process, start to exit. */
  seconds: number;
  /** Requiring index.ts: compiling it and its imports, and the synchronous part of building resources. */
  loadSeconds: number;
  /** After the require, until every registration reached the mocks. */
  settleSeconds: number;
  /** Peak resident memory of the child, MB. */
  peakMb: number;
  resources: number;
  /** Remote command name -> the host it connects to. */
  hosts: Record<string, string>;
}

/** Runs index.ts with this stack config under mocks; rejects with the child's error output when it fails. */
export function programUnderMocks(stack: string, config: Record<string, string>): Promise<MocksRun> {
  const dir = mkdtempSync(join(tmpdir(), "pigsty-mocks-"));
  const input = join(dir, "in.json");
  const output = join(dir, "out.json");
  writeFileSync(input, JSON.stringify({ stack, config }), { mode: 0o600 });
  // As @pulumi/pulumi's cmd/run registers ts-node for `runtime.options.typescript: true` (the project's tsconfig).
  const options = { compiler: "typescript", project: join(repo, "tsconfig.json"), skipProject: false, compilerOptions: { sourceMap: true } };
  const bootstrap = `require(${JSON.stringify(tsNode)}).register(${JSON.stringify(options)}); require(${JSON.stringify(join(__dirname, "underMocks.ts"))});`;
  return new Promise((done, fail) => {
    const started = Date.now();
    const child = spawn(process.execPath, ["-e", bootstrap], { cwd: repo, env: { ...process.env, BENCH_MOCKS_IN: input, BENCH_MOCKS_OUT: output }, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => {
      const seconds = (Date.now() - started) / 1000;
      try {
        if (code !== 0) return fail(new Error(`the program under mocks failed (exit ${code}):\n${err.slice(-3000)}`));
        done({ seconds, ...(JSON.parse(readFileSync(output, "utf8")) as Omit<MocksRun, "seconds">) });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
