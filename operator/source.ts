// Where the operator tool finds clusters and credentials: the stack's config and its secret outputs.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { loadInventory } from "../config/load";
import type { ClusterModel } from "../config/model";
import { rawInventory } from "../config/stack";
import type { Credentials } from "./patroni";

/** What `pulumi stack output operatorAccess --show-secrets` holds per cluster. */
export interface ClusterAccess {
  patroniApi: Credentials;
  haproxyAdmin?: Credentials;
}

const repo = join(__dirname, "..");

/** The stack's clusters, from Pulumi.<stack>.yaml through the same loading as the program. */
export function stackClusters(stack: string): ClusterModel[] {
  const file = join(repo, `Pulumi.${stack}.yaml`);
  if (!existsSync(file)) throw new Error(`no stack config ${file}: pass --stack with an existing stack name`);
  const config = parse(readFileSync(file, "utf8")).config ?? {};
  return loadInventory(rawInventory({ inventory: config["pigsty:inventory"], sandbox: config["pigsty:sandbox"], baseDir: repo })).model.clusters;
}

/**
 * Credentials from the stack's secret output, read with the project's pulumi; never typed by the user.
 * PIGSTY_OPERATOR_ACCESS may name a JSON file of the same shape (used by tests that deploy without the engine).
 */
export function stackAccess(stack: string): Record<string, ClusterAccess> {
  const file = process.env.PIGSTY_OPERATOR_ACCESS;
  if (file) return JSON.parse(readFileSync(file, "utf8"));
  const pulumi = join(repo, ".toolchain", "bin", "pulumi");
  try {
    const out = execFileSync(existsSync(pulumi) ? pulumi : "pulumi", ["stack", "output", "operatorAccess", "--show-secrets", "--json", "--stack", stack], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return JSON.parse(out);
  } catch (e) {
    // execFileSync's message starts with "Command failed: <argv>"; the CLI's reason is the first line of its stderr.
    const why = String((e as { stderr?: unknown }).stderr ?? "").trim().split("\n")[0] || (e as Error).message.split("\n")[0];
    throw new Error(`cannot read the stack's operatorAccess output (run \`pulumi up --stack ${stack}\` first): ${why}`);
  }
}
