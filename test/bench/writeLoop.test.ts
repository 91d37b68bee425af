import { readWriteLoop, writeLoopScript } from "../e2e/helpers/writeLoop";

const loop = (lines: string[]) => lines.join("\n") + "\n";

describe("the switchover's write loop", () => {
  it("reports the longest gap between acknowledged writes", () => {
    const r = readWriteLoop(loop(["ok 1 100.00", "ok 2 100.05", "fail 3 100.10", "fail 4 103.20", "ok 5 104.60", "ok 6 104.65", "end 104.70"]));
    expect(r.acked).toBe(4);
    expect(r.ackedRows).toEqual([1, 2, 5, 6]);
    expect(r.failed).toBe(2);
    expect(r.longestGapSeconds).toBeCloseTo(4.55);
    expect(r.windowSeconds).toBeCloseTo(4.7);
  });

  it("counts failures at the end up to the end of the loop, and at the start from the first write", () => {
    expect(readWriteLoop(loop(["ok 1 10", "ok 2 11", "fail 3 12", "end 19"])).longestGapSeconds).toBeCloseTo(8);
    expect(readWriteLoop(loop(["fail 1 10", "ok 2 16", "ok 3 17", "end 17.5"])).longestGapSeconds).toBeCloseTo(6);
  });

  it("is the whole window when nothing was acknowledged", () => {
    expect(readWriteLoop(loop(["fail 1 10", "fail 2 14", "end 20"]))).toEqual({ acked: 0, ackedRows: [], failed: 2, longestGapSeconds: 10, windowSeconds: 10 });
  });

  it("knows when the last write was acknowledged", () => {
    expect(readWriteLoop(loop(["ok 1 10 10.2", "ok 2 11 12.5", "fail 3 13", "end 19"])).lastAckAt).toBeCloseTo(12.5);
    expect(readWriteLoop(loop(["ok 1 10", "end 19"])).lastAckAt).toBeCloseTo(10);
  });

  it("ignores other lines and refuses an output without writes", () => {
    expect(readWriteLoop(loop(["psql: warning", "ok 1 5", "ok 2 5.5", "end 6"])).longestGapSeconds).toBeCloseTo(0.5);
    expect(() => readWriteLoop("bash: psql: command not found\n")).toThrow(/no write/);
  });

  it("writes through the given service, pauses as asked, and stops at the file or the bound", () => {
    const s = writeLoopScript({ host: "10.10.10.13", port: 5433, table: "bench_writes", everyMs: 20, maxSeconds: 60, stopFile: "/tmp/pigsty-bench-stop" });
    expect(s).toContain("-h 10.10.10.13 -p 5433");
    expect(s).toContain("INSERT INTO bench_writes VALUES ($i)");
    expect(s).toContain("sleep 0.020");
    expect(s).toContain("end=$((SECONDS + 60))");
    expect(s).toContain("[ ! -e /tmp/pigsty-bench-stop ]");
  });

  it("refuses values that would need quoting", () => {
    expect(() => writeLoopScript({ host: "10.10.10.13; rm -rf /", port: 5433, table: "t", everyMs: 20, maxSeconds: 60, stopFile: "/tmp/x" })).toThrow(/host/);
  });
});
