// A scenario on the sandbox through the real engine: a fresh deployment of the dev inventory on pristine nodes,
// then config edits, each planned by the engine, applied with `up`, and followed by a plan that must be empty.
import type { Stack } from "@pulumi/pulumi/automation";
import { devStackConfig } from "../../program/harness";
import { passwords } from "./cluster";
import { freshStack, output, plan, setInventory, up, type ChangeSet, type UpResult } from "./engine";
import { ensureSandbox, forgetClusterState, resetNode } from "./sandbox";

export type Inventory = {
  dcs: { servers: Record<string, string> };
  clusters: Record<string, { hosts: Record<string, Record<string, unknown>>; vars: Record<string, unknown> }>;
};

export const devInventory = (): Inventory => JSON.parse(JSON.stringify(devStackConfig()["pigsty:inventory"]));
const log = (line: string) => process.stdout.write(`${line}\n`);

export interface Deployment {
  stack: Stack;
  inventory: Inventory;
  /** The engine's plan for the first `up`. */
  planned: ChangeSet;
  first: UpResult;
}

/** The stack's business users' passwords (secret output) into `passwords`, for psql as those users. */
export async function loadPasswords(stack: Stack): Promise<void> {
  const all = await output<Record<string, Record<string, string>>>(stack, "passwords");
  Object.assign(passwords, all["pg-test"]);
}

/**
 * Boots `nodes` sandbox nodes, resets the Postgres nodes to pristine disks, clears pg-test from the DCS, and
 * deploys the dev inventory (after `edit`) on a fresh e2e stack.
 */
export async function freshDeployment(nodes: number, pgNodes: string[], edit: (inv: Inventory) => void = () => undefined): Promise<Deployment> {
  await ensureSandbox({ count: nodes });
  for (const n of pgNodes) await resetNode(n);
  await forgetClusterState();
  const stack = await freshStack();
  const inventory = devInventory();
  edit(inventory);
  await setInventory(stack, inventory);
  const planned = await plan(stack);
  const first = await up(stack);
  log(`first up: ${first.seconds.toFixed(1)}s, ${first.steps.length} commands`);
  await loadPasswords(stack);
  return { stack, inventory, planned, first };
}

export interface Applied {
  planned: ChangeSet;
  result: UpResult;
}

/**
 * Edits the inventory, asks the engine for its plan, runs `up`, and checks that nothing is left to do. `secret`: the
 * inventory is kept as a secret in the stack's config (it holds a secret, e.g. a receiver's URL).
 */
export async function apply(d: Deployment, label: string, edit: (inv: Inventory) => void, secret = false): Promise<Applied> {
  edit(d.inventory);
  await setInventory(d.stack, d.inventory, secret);
  const planned = await plan(d.stack);
  const result = await up(d.stack);
  log(`${label}: up ${result.seconds.toFixed(1)}s, ran ${result.steps.map((s) => `${s.name}(${s.op})`).join(" ")}`);
  const after = await plan(d.stack);
  if (Object.keys(after).length > 0) throw new Error(`${label}: a second plan is not empty: ${JSON.stringify(after)}`);
  return { planned, result };
}
