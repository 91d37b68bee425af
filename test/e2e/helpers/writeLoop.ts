// A bounded write loop, for the switchover figure (npm run bench) and the e2e outage cases: the bash that a sandbox
// member runs (one INSERT, then a pause, until a stop file appears or the time is up), and the longest gap between
// acknowledged writes in its output.

export interface WriteLoopOptions {
  /** Where the writes go: a member's HAProxy primary service. */
  host: string;
  port: number;
  table: string;
  /** Pause after each write, ms. */
  everyMs: number;
  /** Upper bound of the loop, seconds. */
  maxSeconds: number;
  /** The loop stops when this file exists on the member. */
  stopFile: string;
}

const SAFE = /^[A-Za-z0-9_./-]+$/;

/**
 * The loop's bash; the password comes on its first line of stdin. Prints `ok <n> <started> <acknowledged>` or
 * `fail <n> <started>` per write (epoch seconds), then `end <epoch seconds>`.
 */
export function writeLoopScript(o: WriteLoopOptions): string {
  for (const [field, value] of [["host", o.host], ["table", o.table], ["stopFile", o.stopFile]]) {
    if (!SAFE.test(value)) throw new Error(`write loop ${field} "${value}": use letters, digits and _ . / - only`);
  }
  return [
    "read -r PGPASSWORD; export PGPASSWORD PGCONNECT_TIMEOUT=2",
    `rm -f ${o.stopFile}; end=$((SECONDS + ${Math.floor(o.maxSeconds)})); i=0`,
    `while [ $SECONDS -lt $end ] && [ ! -e ${o.stopFile} ]; do`,
    "  i=$((i + 1)); t=$(date +%s.%N)",
    `  if timeout 3 psql -X -q -h ${o.host} -p ${Math.floor(o.port)} -U dbuser_test -d test -c "INSERT INTO ${o.table} VALUES ($i)" >/dev/null 2>&1; then echo "ok $i $t $(date +%s.%N)"; else echo "fail $i $t"; fi`,
    `  sleep ${(o.everyMs / 1000).toFixed(3)}`,
    "done",
    'echo "end $(date +%s.%N)"',
  ].join("\n");
}

export interface WriteLoopResult {
  acked: number;
  /** The row numbers (`$i`) of the acknowledged writes: each must be in the table afterwards. */
  ackedRows: number[];
  failed: number;
  /**
   * Longest time without an acknowledged write: between the starts of two acknowledged writes in a row, and from
   * the first write or to the end of the loop when writes failed there.
   */
  longestGapSeconds: number;
  /** From the first write to the end of the loop. */
  windowSeconds: number;
  /** When the last write was acknowledged (epoch seconds; its start when the output has no acknowledgement time). */
  lastAckAt?: number;
}

/** Reads the loop's output. */
export function readWriteLoop(output: string): WriteLoopResult {
  const lines = output
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => ["ok", "fail", "end"].includes(f[0]) && f.length >= 2);
  const writes = lines.filter((f) => f[0] !== "end").map((f) => ({ ok: f[0] === "ok", row: Number(f[1]), at: Number(f[2]), ackAt: Number(f[3] ?? f[2]) }));
  if (writes.length === 0) throw new Error("the write loop made no write: is psql installed on the member, and did the loop start?");
  const first = writes[0].at;
  const end = Number(lines.find((f) => f[0] === "end")?.[1] ?? writes[writes.length - 1].at);
  const acked = writes.filter((w) => w.ok).map((w) => w.at);
  const marks = [...(writes[0].ok ? [] : [first]), ...acked, ...(writes[writes.length - 1].ok ? [] : [end])];
  let longest = marks.length < 2 ? end - first : 0;
  for (let k = 1; k < marks.length; k++) longest = Math.max(longest, marks[k] - marks[k - 1]);
  const ackedRows = writes.filter((w) => w.ok).map((w) => w.row);
  const ackTimes = writes.filter((w) => w.ok).map((w) => w.ackAt);
  return {
    acked: acked.length,
    ackedRows,
    failed: writes.length - acked.length,
    longestGapSeconds: longest,
    windowSeconds: end - first,
    ...(ackTimes.length > 0 && { lastAckAt: Math.max(...ackTimes) }),
  };
}
