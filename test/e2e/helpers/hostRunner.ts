// Runs the program's remote commands on the sandbox in the program's dependency order, without the Pulumi engine.
// Why: the engine's command/random provider plugins cannot be built on machines whose Go module proxy refuses them
// (see .toolchain/MISSING); this still executes every host script exactly as rendered, with its stdin, on real hosts.
import { runIsolated, type Registered } from "../../program/harness";
import { sshRun, type CmdResult } from "./sandbox";

export interface HostCommand {
  name: string;
  host: string;
  create: string;
  delete?: string;
  stdin?: string;
  deps: string[];
}

export interface StepRun {
  name: string;
  host: string;
  seconds: number;
  result: CmdResult;
}

/** The program's remote commands under mocks, with their dependsOn edges (by resource name). */
export async function programCommands(config: Record<string, unknown>): Promise<{ commands: HostCommand[]; registered: Registered[] }> {
  const { registered, deps, error } = await runIsolated(config);
  if (error) throw error;
  const commands = registered
    .filter((r) => r.type === "command:remote:Command")
    .map((r) => ({ name: r.name, host: r.inputs.connection.host, create: r.inputs.create, delete: r.inputs.delete, stdin: r.inputs.stdin, deps: deps.get(r.name) ?? [] }));
  return { commands, registered };
}

/** What an `up` from `before` to `after` runs, as the engine decides it: any input change re-runs a command. */
export function changedCommands(before: HostCommand[], after: HostCommand[]): { run: HostCommand[]; remove: HostCommand[] } {
  const sig = (c: HostCommand) => JSON.stringify([c.host, c.create, c.delete, c.stdin]);
  const old = new Map(before.map((c) => [c.name, sig(c)]));
  const names = new Set(after.map((c) => c.name));
  return { run: after.filter((c) => old.get(c.name) !== sig(c)), remove: before.filter((c) => !names.has(c.name)) };
}

/** Applies a config change on the hosts: removals first (in removal order), then creates and updates in order. */
export async function applyChange(before: HostCommand[], after: HostCommand[], log: (line: string) => void = () => undefined): Promise<{ ran: StepRun[]; removed: StepRun[] }> {
  const { run, remove } = changedCommands(before, after);
  const removed = await runDeletes(remove, log);
  const ran = await runInOrder(run, log, after);
  return { ran, removed };
}

/**
 * A command's dependencies among `running`: an unchanged command in between still orders its
 * dependents after its own dependencies (the engine walks the whole graph), so look through it.
 */
function effectiveDeps(c: HostCommand, running: Set<string>, graph: Map<string, HostCommand>, seen = new Set<string>()): string[] {
  return c.deps.flatMap((d) => {
    if (running.has(d)) return [d];
    const through = graph.get(d);
    if (!through || seen.has(d)) return [];
    seen.add(d);
    return effectiveDeps(through, running, graph, seen);
  });
}

/**
 * Runs each command as soon as its dependencies are done (as the engine does); stops at the first
 * failure. `graph` is the whole program when only some commands run (dependencies pass through the rest).
 */
export async function runInOrder(commands: HostCommand[], log: (line: string) => void = () => undefined, graph: HostCommand[] = commands): Promise<StepRun[]> {
  const known = new Set(commands.map((c) => c.name));
  const byName = new Map(graph.map((c) => [c.name, c]));
  const started = new Map<string, Promise<StepRun>>();
  const start = (c: HostCommand): Promise<StepRun> => {
    let p = started.get(c.name);
    if (!p) {
      p = (async () => {
        const deps = [...new Set(effectiveDeps(c, known, byName))].map((d) => start(commands.find((x) => x.name === d) as HostCommand));
        await Promise.all(deps);
        const t = Date.now();
        const result = await sshRun(c.host, c.create, { input: c.stdin ?? "", timeoutMs: 1_200_000 });
        const run = { name: c.name, host: c.host, seconds: (Date.now() - t) / 1000, result };
        log(`${c.name} on ${c.host}: exit ${result.code} in ${run.seconds.toFixed(1)}s`);
        if (result.code !== 0) throw new Error(`${c.name} on ${c.host} failed (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
        return run;
      })();
      started.set(c.name, p);
    }
    return p;
  };
  return Promise.all(commands.map(start));
}

/** Removal as the engine orders it: a command's delete runs once every command depending on it is deleted. */
export async function runDeletes(commands: HostCommand[], log: (line: string) => void = () => undefined): Promise<StepRun[]> {
  const dependents = (name: string) => commands.filter((c) => c.deps.includes(name));
  const started = new Map<string, Promise<StepRun | undefined>>();
  const remove = (c: HostCommand): Promise<StepRun | undefined> => {
    let p = started.get(c.name);
    if (!p) {
      p = (async () => {
        await Promise.all(dependents(c.name).map(remove));
        if (!c.delete) return undefined;
        const t = Date.now();
        const result = await sshRun(c.host, c.delete, { timeoutMs: 300_000 });
        log(`delete ${c.name} on ${c.host}: exit ${result.code}`);
        if (result.code !== 0) throw new Error(`delete of ${c.name} on ${c.host} failed:\n${result.stdout}\n${result.stderr}`);
        return { name: c.name, host: c.host, seconds: (Date.now() - t) / 1000, result };
      })();
      started.set(c.name, p);
    }
    return p;
  };
  const runs = await Promise.all(commands.map(remove));
  return runs.filter((r): r is StepRun => r !== undefined);
}
