// The operator tool (`npm run pg`) against the e2e stack: clusters from its config, credentials from its secret output.
import { execFile } from "node:child_process";
import { repoRoot } from "../../program/harness";
import { E2E_PASSPHRASE, E2E_STACK } from "./engine";

export function pg(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, PULUMI_CONFIG_PASSPHRASE: E2E_PASSPHRASE };
    execFile("npx", ["tsx", "operator/cli.ts", ...args, "--stack", E2E_STACK], { cwd: repoRoot, env, timeout: 600_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
