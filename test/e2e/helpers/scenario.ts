// A scenario on the sandbox through the real engine: a fresh deployment of the dev inventory on pristine nodes,
// then config edits, each planned by the engine, applied with `up`, and followed by a plan that must be empty.
import type { Stack } from "@pulumi/pulumi/automation";
import { devStackConfig } from "../../program/harness";
import { passwords } from "./cluster";
import { patroniList, psqlLocal, settled, waitMembers } from "./cluster";
import { emptyPlanInBackground, expectEmptyPlan, freshStack, named, output, plan, setInventory, up, type ChangeSet, type UpResult } from "./engine";
import { UPGRADE_FROM, releaseProgram, releaseStack } from "./release";
import { ensureSandbox, forgetClusterState, resetNodes } from "./sandbox";
import { describeLoop, duringWrites } from "./writes";
import type { WriteLoopResult } from "./writeLoop";

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
 * Where a deployment starts: `pristine` Debian disks (the first deploy, an interrupted one), or `packaged` ones with
 * the Postgres members' packages already installed (sandbox/packagedBase.ts) for files whose subject comes after the
 * install; they skip about a minute and a half of installs per deployment.
 */
export type Disks = "pristine" | "packaged";

/** Boots `nodes` sandbox nodes, resets the Postgres nodes' disks, clears pg-test from the DCS, and sets the dev
 * inventory (after `edit`) on a fresh e2e stack. */
async function pristineStack(nodes: number, pgNodes: string[], edit: (inv: Inventory) => void, disks: Disks): Promise<{ stack: Stack; inventory: Inventory }> {
  await ensureSandbox({ count: nodes });
  await resetNodes(pgNodes, { packaged: disks === "packaged" });
  await forgetClusterState();
  const stack = await freshStack();
  const inventory = devInventory();
  edit(inventory);
  await setInventory(stack, inventory);
  return { stack, inventory };
}

/** Deploys the dev inventory (after `edit`) on reset nodes and a fresh e2e stack. */
export async function freshDeployment(nodes: number, pgNodes: string[], disks: Disks, edit: (inv: Inventory) => void = () => undefined): Promise<Deployment> {
  const { stack, inventory } = await pristineStack(nodes, pgNodes, edit, disks);
  const planned = await plan(stack);
  const first = await up(stack);
  log(`first up: ${first.seconds.toFixed(1)}s, ${first.steps.length} commands`);
  await loadPasswords(stack);
  return { stack, inventory, planned, first };
}

/** What a member is before and after the upgrade. */
export interface MemberFacts {
  role: string;
  timeline?: number;
  /** pg_postmaster_start_time(): a restart changes it. */
  startedAt: string;
  ssl: string;
}

/** The upgrade of a deployment made by the last release: this program's first plan and `up` on it, under writes. */
export interface Upgrade {
  /** The release's own first `up`. */
  release: UpResult;
  /** Operations of this program's first plan that would replace or delete a resource (must be none). */
  replacedOrDeleted: string[];
  writes: WriteLoopResult;
  before: Record<string, MemberFacts>;
  after: Record<string, MemberFacts>;
}

async function memberFacts(pgNodes: string[]): Promise<Record<string, MemberFacts>> {
  const members = await patroniList(pgNodes[0]);
  const facts: Record<string, MemberFacts> = {};
  for (const n of pgNodes) {
    const m = members.find((x) => x.Member === n);
    const [startedAt, ssl] = (await psqlLocal(n, "SELECT pg_postmaster_start_time(), current_setting('ssl')")).trim().split("|");
    facts[n] = { role: m?.Role ?? "absent", timeline: m?.TL, startedAt, ssl };
  }
  return facts;
}

/**
 * As freshDeployment, but the last release's program deploys first (UPGRADE_FROM); then this program's first `up`
 * upgrades the deployment in place while a write loop runs through HAProxy. The tests read what it cost.
 */
export async function upgradedDeployment(nodes: number, pgNodes: string[], members = pgNodes): Promise<Deployment & { upgrade: Upgrade }> {
  const { stack, inventory } = await pristineStack(nodes, pgNodes, () => undefined, "packaged");
  const release = await up(await releaseStack(releaseProgram()));
  log(`the release ${UPGRADE_FROM.slice(0, 12)} deployed: up ${release.seconds.toFixed(1)}s, ${release.steps.length} commands`);
  await loadPasswords(stack);
  await waitMembers(settled(members), 120, members[0]);
  const before = await memberFacts(members);
  const planned = await plan(stack);
  const replacedOrDeleted = (["replace", "create-replacement", "delete-replaced", "delete"] as const).flatMap((op) => named(planned, op).map((n) => `${n} (${op})`));
  let first: UpResult | undefined;
  const writes = await duringWrites("upgrade", async () => {
    first = await up(stack);
  });
  log(`upgrade to this program: up ${first!.seconds.toFixed(1)}s, ${first!.steps.length} commands; ${describeLoop("writes through 5433", writes)}`);
  await loadPasswords(stack);
  await waitMembers(settled(members), 120, members[0]);
  const after = await memberFacts(members);
  log(`members before and after: ${JSON.stringify({ before, after })}`);
  return { stack, inventory, planned, first: first!, upgrade: { release, replacedOrDeleted, writes, before, after } };
}

export interface Applied {
  planned: ChangeSet;
  result: UpResult;
}

/**
 * Edits the inventory, asks the engine for its plan, runs `up`, and checks that nothing is left to do. `secret`: the
 * inventory is kept as a secret in the stack's config (it holds a secret, e.g. a receiver's URL). The check that
 * nothing is left (a plan, about 5 s of CPU) runs while the test checks the hosts; the stack's next engine run, or the
 * end of the file, waits for it and fails with its error.
 */
export async function apply(d: Deployment, label: string, edit: (inv: Inventory) => void, secret = false): Promise<Applied> {
  edit(d.inventory);
  await setInventory(d.stack, d.inventory, secret);
  const planned = await plan(d.stack);
  const result = await upLogged(d, label);
  emptyPlanInBackground(d.stack, label);
  return { planned, result };
}

/**
 * Edits the inventory and runs `up` without asking for its plan first, and, unless told not to, checks that nothing is
 * left to do: one or two engine runs less than apply, for the outage file, whose e2e time is budgeted.
 */
export async function applyWithoutPlan(d: Deployment, label: string, edit: (inv: Inventory) => void, { checkNothingLeft = true } = {}): Promise<UpResult> {
  edit(d.inventory);
  await setInventory(d.stack, d.inventory);
  const result = await upLogged(d, label);
  if (checkNothingLeft) await expectNothingLeft(d, label);
  return result;
}

async function expectNothingLeft(d: Deployment, label: string): Promise<void> {
  expectEmptyPlan(label, await plan(d.stack));
}

async function upLogged(d: Deployment, label: string): Promise<UpResult> {
  const result = await up(d.stack);
  log(`${label}: up ${result.seconds.toFixed(1)}s, ran ${result.steps.map((s) => `${s.name}(${s.op})`).join(" ")}`);
  return result;
}
