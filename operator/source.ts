// Where the operator tool finds clusters and credentials: the stack's config and its secret outputs.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { loadInventory } from "../config/load";
import type { ClusterModel, Model } from "../config/model";
import { rawInventory } from "../config/stack";
import type { Credentials } from "../patroni/client";

/** What `pulumi stack output operatorAccess --show-secrets` holds per cluster. */
export interface ClusterAccess {
  patroniApi: Credentials;
  haproxyAdmin?: Credentials;
  /** The stack's CA certificate: Patroni's REST API serves TLS with a certificate it signed. */
  ca: string;
}

/** The project directory: relative paths of the stack config (pigsty:sandbox, ssh.key_path) are relative to it. */
export const repoDir = join(__dirname, "..");
const repo = repoDir;

const pulumiBin = () => {
  const local = join(repo, ".toolchain", "bin", "pulumi");
  return existsSync(local) ? local : "pulumi";
};

/** Runs the project's pulumi and parses its JSON output; the error carries the CLI's own reason. */
function pulumiJson(args: string[], what: string): any {
  try {
    return JSON.parse(execFileSync(pulumiBin(), args, { cwd: repo, env: process.env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }));
  } catch (e) {
    // execFileSync's message starts with "Command failed: <argv>"; the CLI's reason is the first line of its stderr.
    const why = String((e as { stderr?: unknown }).stderr ?? "").trim().split("\n")[0] || (e as Error).message.split("\n")[0];
    throw new Error(`cannot read ${what}: ${why}`);
  }
}

/** A config value as `pulumi config --json` shows it: objects come parsed, or as JSON text. */
function configValue(entry: { value?: string; objectValue?: unknown } | undefined): unknown {
  if (!entry) return undefined;
  if (entry.objectValue !== undefined) return entry.objectValue;
  try {
    return JSON.parse(entry.value ?? "");
  } catch {
    return entry.value;
  }
}

/**
 * The stack's model, from its config as Pulumi reads it (secrets set with `pulumi config set --secret --path`
 * decrypted), through the same loading as the program.
 */
export function stackModel(stack: string): Model {
  const config = pulumiJson(["config", "--json", "--show-secrets", "--stack", stack], `the config of stack ${stack} (pass --stack with an existing stack name)`);
  const sandbox = configValue(config["pigsty:sandbox"]);
  return loadInventory(rawInventory({ inventory: configValue(config["pigsty:inventory"]), sandbox: typeof sandbox === "string" ? sandbox : undefined, baseDir: repo })).model;
}

/** The stack's clusters (stackModel). */
export function stackClusters(stack: string): ClusterModel[] {
  return stackModel(stack).clusters;
}

/**
 * Credentials from the stack's secret output, read with the project's pulumi; never typed by the user.
 */
export function stackAccess(stack: string): Record<string, ClusterAccess> {
  return pulumiJson(["stack", "output", "operatorAccess", "--show-secrets", "--json", "--stack", stack], `the stack's operatorAccess output (run \`pulumi up --stack ${stack}\` first)`);
}
