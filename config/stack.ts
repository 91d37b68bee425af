// Turns stack config (pigsty:inventory, pigsty:sandbox) into the raw inventory that loadInventory checks.
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { isAbsolute, resolve } from "node:path";
import { inventoryFromStackConfig } from "./pigstyYaml";
import { isRecord } from "./schemaKit";

/** What `npm run sandbox -- up` writes to .sandbox/hosts.json (sandbox/render.ts), which the program and the e2e tests read. */
export interface SandboxHosts {
  admin_user: string;
  key_path: string;
  port: number;
  nodes: SandboxNode[];
}

/** One sandbox node: its name, address and host key (pinned). */
export interface SandboxNode {
  name: string;
  ip: string;
  host_key: string;
}

/** `~/x` and project-relative paths made absolute. */
export function expandPath(path: string, base: string): string {
  if (path === "~" || path.startsWith("~/")) return homedir() + path.slice(1);
  return isAbsolute(path) ? path : resolve(base, path);
}

/** The sandbox supplies SSH access (user, key, port, pinned host keys) wherever the inventory is silent. */
export function withSandbox(raw: unknown, sandbox: SandboxHosts): unknown {
  if (!isRecord(raw)) return raw;
  const ssh = isRecord(raw.ssh) ? raw.ssh : {};
  const hostKeys = Object.fromEntries(sandbox.nodes.map((n) => [n.ip, n.host_key]));
  return {
    ...raw,
    ssh: {
      user: sandbox.admin_user,
      key_path: sandbox.key_path,
      port: sandbox.port,
      ...ssh,
      host_keys: { ...hostKeys, ...(isRecord(ssh.host_keys) ? ssh.host_keys : {}) },
    },
  };
}

export interface StackConfig {
  /** Value of pigsty:inventory (an object; may name a pigsty.yml with `pigsty_yml`). */
  inventory: unknown;
  /** Value of pigsty:sandbox: path of the sandbox's hosts.json. */
  sandbox?: string;
  /** Directory that relative paths are relative to (the project). */
  baseDir: string;
}

export function rawInventory(cfg: StackConfig): unknown {
  const read = (p: string) => readFileSync(expandPath(p, cfg.baseDir), "utf8");
  let raw = inventoryFromStackConfig(cfg.inventory, read);
  if (cfg.sandbox) {
    const path = expandPath(cfg.sandbox, cfg.baseDir);
    if (!existsSync(path)) {
      throw new Error(`pigsty:sandbox: ${path} does not exist. Start the sandbox with \`npm run sandbox -- up\`, or remove pigsty:sandbox and give ssh settings in pigsty:inventory.`);
    }
    raw = withSandbox(raw, JSON.parse(readFileSync(path, "utf8")) as SandboxHosts);
  }
  return raw;
}
