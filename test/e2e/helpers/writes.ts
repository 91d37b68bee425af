// A bounded write loop on the sandbox during a disruptive step (writeLoop.ts): one row every 50 ms
// through pg-test-3's own HAProxy (5433, the primary service), each write bounded by a 3 s timeout. An acknowledged
// row must never be lost; the longest stretch without an acknowledgement is the outage.
import { readWriteLoop, writeLoopScript, type WriteLoopResult } from "./writeLoop";
import { passwords, psql, sleep } from "./cluster";
import { sshOk, sshRun } from "./sandbox";

const WRITER = "pg-test-3";
const VIA = { host: "10.10.10.13", port: 5433 };
const STOP = "/tmp/pigsty-e2e-writes.stop";
const tableOf = (label: string) => `writes_${label.replace(/[^A-Za-z0-9]/g, "_")}`;

/** Through 5433 from the writer, retried for a minute: right after a disruptive step the primary may not answer yet. */
async function primaryQuery(sql: string): Promise<string> {
  let last: unknown;
  for (let i = 0; i < 60; i++) {
    try {
      return await psql(VIA.host, VIA.port, sql, WRITER);
    } catch (e) {
      last = e;
      await sleep(1000);
    }
  }
  throw last;
}

/** Where a loop writes: HAProxy's primary service on the writer itself by default. */
export interface WriteTarget {
  host: string;
  port: number;
}

/**
 * Runs `action` while the loop writes into its own table; keeps writing `afterSeconds` after it (to see the
 * recovery), and at most `maxSeconds` in all.
 */
export async function duringWrites(label: string, action: () => Promise<void>, opts: { afterSeconds?: number; maxSeconds?: number } = {}): Promise<WriteLoopResult> {
  const [r] = await duringWritesVia([{ label, ...VIA }], action, opts);
  return r;
}

/** The same with one loop per target at once, each into its own table (`label`'s), all stopped together. */
export async function duringWritesVia(targets: (WriteTarget & { label: string })[], action: () => Promise<void>, opts: { afterSeconds?: number; maxSeconds?: number } = {}): Promise<WriteLoopResult[]> {
  const { afterSeconds = 5, maxSeconds = 600 } = opts;
  await sshOk(WRITER, `rm -f ${STOP}`);
  const running: Promise<{ stdout: string }>[] = [];
  for (const t of targets) {
    await primaryQuery(`CREATE TABLE IF NOT EXISTS ${tableOf(t.label)}(v int PRIMARY KEY)`);
    const loop = writeLoopScript({ host: t.host, port: t.port, table: tableOf(t.label), everyMs: 50, maxSeconds, stopFile: STOP });
    running.push(sshRun(WRITER, `bash -c '${loop.replace(/'/g, `'\\''`)}'`, { input: `${passwords.dbuser_test}\n`, timeoutMs: (maxSeconds + 30) * 1000 }));
  }
  await sleep(3000);
  try {
    await action();
    await sleep(afterSeconds * 1000);
  } finally {
    await sshOk(WRITER, `touch ${STOP}`);
  }
  return (await Promise.all(running)).map((r) => readWriteLoop(r.stdout));
}

/** One line for the test's output. */
export const describeLoop = (what: string, w: WriteLoopResult) =>
  `${what}: writes unavailable ${w.longestGapSeconds.toFixed(1)} s (longest stretch without an acknowledgement), ${w.acked} acknowledged, ${w.failed} refused`;

/** Every acknowledged row of the loop is on the primary (read through 5433, once it answers again). */
export async function expectAllKept(w: WriteLoopResult, label: string): Promise<void> {
  expect(w.acked).toBeGreaterThan(0);
  const kept = await primaryQuery(`SELECT count(*) FROM ${tableOf(label)} WHERE v = ANY('{${w.ackedRows.join(",")}}'::int[])`);
  expect(Number(kept.trim())).toBe(w.acked);
}
