// Figures from the engine's event log (`pulumi up --event-log FILE`, or the Automation API's onEvent): which remote
// commands ran and how long, each host's serial work, and what an `up` created or updated.
import type { EngineEvent, OpType } from "@pulumi/pulumi/automation";

/** An engine event and when it was seen, in ms: the event's own timestamp has whole seconds only. */
export interface TimedEvent {
  at: number;
  event: EngineEvent;
}

/** A remote command the engine ran: from the start of its step to its outputs. */
export interface CommandRun {
  name: string;
  op: OpType;
  seconds: number;
}

/** Steps that leave a resource as it is: no command runs on a host. */
const UNCHANGED = new Set<OpType>(["same", "read", "refresh", "discard"]);
const REMOTE_COMMAND = "command:remote:Command";
const nameOf = (urn: string) => urn.split("::").pop() as string;

/** The lines of an `--event-log` file, timed by their own timestamps (whole seconds). */
export function parseEventLog(text: string): TimedEvent[] {
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as EngineEvent)
    .map((event) => ({ at: event.timestamp * 1000, event }));
}

/** The remote commands that ran (created, updated, replaced or deleted) and finished, in the order they finished. */
export function commandRuns(events: TimedEvent[]): CommandRun[] {
  const started = new Map<string, number>();
  const runs: CommandRun[] = [];
  for (const { at, event } of events) {
    const pre = event.resourcePreEvent;
    // A preview before `up` announces each step first (planning); the update's own start comes later and wins.
    if (pre && pre.metadata.type === REMOTE_COMMAND && !UNCHANGED.has(pre.metadata.op)) started.set(pre.metadata.urn, at);
    const out = event.resOutputsEvent?.metadata;
    if (!out || out.type !== REMOTE_COMMAND || UNCHANGED.has(out.op)) continue;
    const start = started.get(out.urn);
    if (start === undefined) throw new Error(`the event log has the outputs of ${nameOf(out.urn)} but not the start of its step`);
    runs.push({ name: nameOf(out.urn), op: out.op, seconds: (at - start) / 1000 });
  }
  return runs;
}

/** The names of the remote commands whose steps started (whether or not they finished). */
export function commandsStarted(events: TimedEvent[]): string[] {
  return events
    .map((e) => e.event.resourcePreEvent)
    .filter((p) => p !== undefined && !p.planning && p.metadata.type === REMOTE_COMMAND && !UNCHANGED.has(p.metadata.op))
    .map((p) => nameOf(p!.metadata.urn));
}

/** Seconds of remote commands per host: the work each host did one command after another. */
export function serialWorkByHost(runs: CommandRun[], hostOf: Record<string, string>): Record<string, number> {
  const work: Record<string, number> = {};
  for (const r of runs) {
    const host = hostOf[r.name];
    if (host === undefined) throw new Error(`no host known for the remote command ${r.name}: the program under mocks did not register it`);
    work[host] = (work[host] ?? 0) + r.seconds;
  }
  return work;
}

/** The host with the most serial work. */
export function slowestHost(work: Record<string, number>): { host: string; seconds: number } {
  const [host, seconds] = Object.entries(work).sort((a, b) => b[1] - a[1])[0] ?? ["none", 0];
  return { host, seconds };
}

/** How many resources the update created, updated, replaced or deleted (no stack, component or provider). */
export function changeCounts(events: TimedEvent[]): Partial<Record<OpType, number>> {
  const counts: Partial<Record<OpType, number>> = {};
  for (const { event } of events) {
    const m = event.resOutputsEvent?.metadata;
    if (!m || UNCHANGED.has(m.op) || m.type.startsWith("pulumi:") || m.type.startsWith("pigsty:")) continue;
    counts[m.op] = (counts[m.op] ?? 0) + 1;
  }
  return counts;
}
