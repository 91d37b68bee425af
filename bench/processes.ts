// Processes under a given one, read from /proc (Linux): the bench samples their memory, and a test that SIGKILLs
// the CLI ends the plugins that the CLI can no longer end itself.
import { readdirSync, readFileSync } from "node:fs";

export interface ProcessInfo {
  pid: number;
  comm: string;
  /** Start time in clock ticks since boot: with the pid, it names one process even after the pid is reused. */
  started: string;
}

/** The process `pid` from /proc/<pid>/stat with its parent's pid, or undefined when it is gone. */
function stat(pid: number): (ProcessInfo & { parent: number }) | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces): state is field 3, ppid 4, starttime 22.
    const after = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { pid, comm: text.slice(text.indexOf("(") + 1, text.lastIndexOf(")")), parent: Number(after[1]), started: after[19] };
  } catch {
    return undefined;
  }
}

/** Resident memory (MB) of a process, 0 when it is gone. */
export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Every process on the machine, by pid, from one pass over /proc. */
function processTable(): (ProcessInfo & { parent: number })[] {
  return readdirSync("/proc")
    .filter((x) => /^\d+$/.test(x))
    .map((d) => stat(Number(d)))
    .filter((p): p is ProcessInfo & { parent: number } => p !== undefined);
}

/**
 * Every process below `pid`, with its command name. One pass over /proc, whatever the tree's depth: the bench calls
 * this while its sshd holds thousands of sessions (two processes each), and its TCP forwarders share this event loop.
 */
export function descendants(pid: number): ProcessInfo[] {
  const children = new Map<number, ProcessInfo[]>();
  for (const { parent, ...p } of processTable()) {
    const siblings = children.get(parent);
    if (siblings) siblings.push(p);
    else children.set(parent, [p]);
  }
  const below = (of: number): ProcessInfo[] => (children.get(of) ?? []).flatMap((c) => [c, ...below(c.pid)]);
  return below(pid);
}

/** Ends (SIGTERM) each of `processes` that still runs, the same process and not a reuse of its pid; returns those. */
export function endStillRunning(processes: ProcessInfo[]): ProcessInfo[] {
  return processes.filter((p) => {
    if (stat(p.pid)?.started !== p.started) return false;
    try {
      process.kill(p.pid, "SIGTERM");
      return true;
    } catch {
      return false;
    }
  });
}
