// The real Pulumi engine, driven through the Automation API on the project directory: one stack per e2e run on
// the local backend, its config set per scenario. Plans, orders and deletes are the engine's; tests only read them.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, Stack, type EngineEvent, type OpType } from "@pulumi/pulumi/automation";
import { REPO_ROOT } from "./sandbox";

/** The e2e stack; its passphrase protects sandbox test data only. */
export const E2E_STACK = process.env.PIGSTY_E2E_STACK ?? "e2e";
export const E2E_PASSPHRASE = "pigsty-e2e-sandbox-only";
const TOOLCHAIN = path.join(REPO_ROOT, ".toolchain");

/** Resource name -> what the engine plans for it: real changes only (no `same`, no `read`), no component
 * (a component's facts change with its children; the commands are what touches hosts), no provider. */
export type ChangeSet = Record<string, OpType>;

/** Each remote command's step as the engine ran it, in the order the engine finished them. */
export interface StepEvent {
  name: string;
  op: OpType;
  /** Engine sequence of the step's end. */
  seq: number;
  /** From the engine's start event of the step to its end. */
  seconds: number;
}

const log = (line: string) => process.stdout.write(`${line}\n`);
const nameOf = (urn: string) => urn.split("::").pop() as string;
const ignoredOps = new Set<OpType>(["same", "read", "refresh", "discard"]);

export function requireToolchain(): void {
  const bin = path.join(TOOLCHAIN, "bin", "pulumi");
  if (!fs.existsSync(bin) || fs.existsSync(path.join(TOOLCHAIN, "MISSING"))) {
    throw new Error(`the e2e tier needs the real engine: run \`npm run toolchain\` (no complete toolchain at ${TOOLCHAIN})`);
  }
}

/**
 * Checks that run while a test goes on with its own work (the empty plan after an `up`, see scenario.ts), per stack
 * name: the next engine run on that stack waits for them first and fails with their error, and so does the end of
 * every e2e file (test/e2e/helpers/settleChecks.ts). A preview takes no lock on the local backend; the config must not
 * change under it, and the next `up` must not start before it.
 */
const backgroundChecks = new Map<string, Promise<Error | undefined>>();

/** Runs `check` after any earlier one of this stack, without waiting for it; an earlier failure skips it. */
function checkInBackground(stack: Stack, check: () => Promise<void>): void {
  const earlier = backgroundChecks.get(stack.name) ?? Promise.resolve(undefined);
  backgroundChecks.set(
    stack.name,
    earlier.then((failed) => failed ?? check().then(() => undefined, (e: Error) => e)),
  );
}

/** Waits for the background checks of one stack (all stacks when none is named); throws the first failure. */
export async function settleChecks(stack?: Stack): Promise<void> {
  for (const name of stack ? [stack.name] : [...backgroundChecks.keys()]) {
    const pending = backgroundChecks.get(name);
    backgroundChecks.delete(name);
    const failed = await pending;
    if (failed) throw failed;
  }
}

/** A fresh e2e stack (any earlier one is removed from the backend, without touching hosts). */
export async function freshStack(): Promise<Stack> {
  requireToolchain();
  const pulumiCommand = await PulumiCommand.get({ root: TOOLCHAIN, skipVersionCheck: true });
  const ws = await LocalWorkspace.create({ workDir: REPO_ROOT, pulumiCommand, envVars: { PULUMI_CONFIG_PASSPHRASE: E2E_PASSPHRASE } });
  if ((await ws.listStacks()).some((s) => s.name === E2E_STACK)) await ws.removeStack(E2E_STACK, { force: true });
  return Stack.create(E2E_STACK, ws);
}

/** Sets the stack's inventory (and the sandbox's hosts.json) as config; `secret`: encrypted, as when it holds a receiver's URL. */
export async function setInventory(stack: Stack, inventory: unknown, secret = false): Promise<void> {
  await settleChecks(stack);
  await stack.setAllConfig({
    "pigsty:sandbox": { value: ".sandbox/hosts.json" },
    "pigsty:inventory": { value: JSON.stringify(inventory), secret },
  });
}

function collect(into: ChangeSet): (e: EngineEvent) => void {
  return (e) => {
    const m = e.resourcePreEvent?.metadata;
    if (!m || ignoredOps.has(m.op) || m.type === "pulumi:pulumi:Stack" || m.type.startsWith("pigsty:") || m.type.startsWith("pulumi:providers:")) return;
    into[nameOf(m.urn)] = m.op;
  };
}

async function previewChanges(stack: Stack, opts: { policyPacks?: string[]; policyPackConfigs?: string[] } = {}): Promise<ChangeSet> {
  const changes: ChangeSet = {};
  await stack.preview({ onEvent: collect(changes), ...opts });
  return changes;
}

/** The engine's plan for the current config: `pulumi preview`. */
export async function plan(stack: Stack, opts: { policyPacks?: string[]; policyPackConfigs?: string[] } = {}): Promise<ChangeSet> {
  await settleChecks(stack);
  return previewChanges(stack, opts);
}

/** Throws unless the plan is empty: what an `up` leaves must need no second one. */
export function expectEmptyPlan(label: string, changes: ChangeSet): void {
  if (Object.keys(changes).length > 0) throw new Error(`${label}: a second plan is not empty: ${JSON.stringify(changes)}`);
}

/** The stack's plan must be empty, checked in the background (see backgroundChecks). */
export function emptyPlanInBackground(stack: Stack, label: string): void {
  checkInBackground(stack, async () => expectEmptyPlan(label, await previewChanges(stack)));
}

/** The names in a change set with operation `op`, sorted. */
export function named(changes: ChangeSet, op: OpType): string[] {
  return Object.entries(changes)
    .filter(([, o]) => o === op)
    .map(([name]) => name)
    .sort();
}

export interface UpResult {
  changes: ChangeSet;
  steps: StepEvent[];
  seconds: number;
}

/** Records each remote command's step from the engine's events: start (pre) to end (outputs), in end order. */
function stepRecorder(): { steps: StepEvent[]; onEvent: (e: EngineEvent) => void } {
  const steps: StepEvent[] = [];
  const startedAt = new Map<string, number>();
  const onEvent = (e: EngineEvent) => {
    const pre = e.resourcePreEvent?.metadata;
    if (pre) startedAt.set(pre.urn, e.timestamp);
    const m = e.resOutputsEvent?.metadata;
    if (!m || ignoredOps.has(m.op) || m.type !== "command:remote:Command") return;
    steps.push({ name: nameOf(m.urn), op: m.op, seq: e.sequence, seconds: e.timestamp - (startedAt.get(m.urn) ?? e.timestamp) });
  };
  return { steps, onEvent };
}

// A failed command's error repeats its whole script (the provider quotes the command): keep lines short.
const printOutput = (o: string) =>
  o
    .split("\n")
    .filter((l) => l.trim() !== "")
    .forEach((l) => log(`  | ${l.length > 300 ? `${l.slice(0, 300)} …` : l}`));

export interface TriedUp extends UpResult {
  /** Remote commands the engine started to change (created, updated, deleted, replaced). */
  started: string[];
  /** The CLI's error (with its diagnostics and policy report) when `up` failed. */
  error?: string;
}

/** `pulumi up` that reports a failure instead of throwing, with what the engine had started by then. */
export async function tryUp(stack: Stack, opts: { policyPacks?: string[]; policyPackConfigs?: string[] } = {}): Promise<TriedUp> {
  await settleChecks(stack);
  const changes: ChangeSet = {};
  const started: string[] = [];
  const recorder = stepRecorder();
  const t = Date.now();
  const onEvent = (e: EngineEvent) => {
    collect(changes)(e);
    recorder.onEvent(e);
    const pre = e.resourcePreEvent?.metadata;
    if (pre && pre.type === "command:remote:Command" && !ignoredOps.has(pre.op)) started.push(nameOf(pre.urn));
  };
  const error = await stack.up({ onEvent, onOutput: printOutput, ...opts }).then(
    () => undefined,
    (e: Error) => e.message,
  );
  return { changes, steps: recorder.steps, seconds: (Date.now() - t) / 1000, started, ...(error !== undefined && { error }) };
}

/** `pulumi up`: the engine's steps as they ran (the CLI's lines go to the test output); throws on failure. */
export async function up(stack: Stack, opts: { policyPacks?: string[]; policyPackConfigs?: string[] } = {}): Promise<UpResult> {
  const r = await tryUp(stack, opts);
  if (r.error !== undefined) throw new Error(r.error);
  return r;
}

export interface CliUp {
  code: number;
  output: string;
  /** Remote commands whose update step started (preview steps excluded). */
  started: string[];
}

/**
 * `pulumi up --yes` as a user runs it from the CLI, preview first (the Automation API's `up` skips the preview,
 * so there a policy only stops the resource it flags, after unrelated steps may have started).
 */
export async function cliUp(stack: Stack, opts: { policyPacks?: string[]; policyPackConfigs?: string[] } = {}): Promise<CliUp> {
  await settleChecks(stack);
  const eventLog = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pigsty-events-")), "events.jsonl");
  const args = ["up", "--yes", "--non-interactive", "--stack", stack.name, "--event-log", eventLog];
  for (const p of opts.policyPacks ?? []) args.push("--policy-pack", p);
  for (const c of opts.policyPackConfigs ?? []) args.push("--policy-pack-config", c);
  // --event-log is one of the CLI's debug flags (the Automation API turns them on the same way).
  const env = { ...process.env, PULUMI_CONFIG_PASSPHRASE: E2E_PASSPHRASE, PULUMI_DEBUG_COMMANDS: "true" };
  const { code, output } = await new Promise<{ code: number; output: string }>((resolve) => {
    execFile(path.join(TOOLCHAIN, "bin", "pulumi"), args, { cwd: REPO_ROOT, env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
  const events = fs.existsSync(eventLog) ? fs.readFileSync(eventLog, "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as EngineEvent) : [];
  const started = events
    .map((e) => e.resourcePreEvent)
    .filter((p) => p && !p.planning && p.metadata.type === "command:remote:Command" && !ignoredOps.has(p.metadata.op))
    .map((p) => nameOf(p!.metadata.urn));
  return { code, output, started };
}

/** `pulumi destroy`, with the engine's delete order. */
export async function destroy(stack: Stack): Promise<StepEvent[]> {
  await settleChecks(stack);
  const recorder = stepRecorder();
  await stack.destroy({ onEvent: recorder.onEvent, onOutput: printOutput });
  return recorder.steps;
}

/** A stack output's value (secrets included: the tests need the generated passwords). */
export async function output<T>(stack: Stack, name: string): Promise<T> {
  const outputs = await stack.outputs();
  return outputs[name]?.value as T;
}
