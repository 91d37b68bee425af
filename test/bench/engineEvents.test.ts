import type { EngineEvent } from "@pulumi/pulumi/automation";
import { changeCounts, commandRuns, commandsStarted, parseEventLog, serialWorkByHost, slowestHost, type TimedEvent } from "../../bench/engineEvents";
import { stepName } from "../../config/stepCatalogue";

const P1 = stepName("pg-test-1", "prepare");
const P2 = stepName("pg-test-2", "prepare");
const P3 = stepName("pg-test-3", "prepare");
const ROLES = stepName("pg-test", "roles");
const C2 = stepName("pg-test-2", "config");

const urn = (type: string, name: string) => `urn:pulumi:bench::pigsty::pigsty:pg:Cluster$${type}::${name}`;
const CMD = "command:remote:Command";
let seq = 0;
const pre = (type: string, name: string, op: string, at: number, planning = false): TimedEvent => ({
  at,
  event: { sequence: seq++, timestamp: Math.floor(at / 1000), resourcePreEvent: { planning, metadata: { op, urn: urn(type, name), type, provider: "" } } } as unknown as EngineEvent,
});
const outputs = (type: string, name: string, op: string, at: number): TimedEvent => ({
  at,
  event: { sequence: seq++, timestamp: Math.floor(at / 1000), resOutputsEvent: { metadata: { op, urn: urn(type, name), type, provider: "" } } } as unknown as EngineEvent,
});

describe("the engine's event log", () => {
  const events = [
    pre(CMD, P1, "create", 0, true), // the preview's announcement, not a run
    pre(CMD, P1, "create", 1_000),
    pre(CMD, P2, "create", 1_500),
    pre("random:index/randomPassword:RandomPassword", "pw", "create", 1_600),
    outputs("random:index/randomPassword:RandomPassword", "pw", "create", 1_700),
    outputs(CMD, P2, "create", 9_500),
    outputs(CMD, P1, "create", 11_000),
    pre(CMD, ROLES, "update", 12_000),
    outputs(CMD, ROLES, "update", 14_500),
    pre(CMD, P3, "same", 12_000),
    outputs(CMD, P3, "same", 12_000),
    pre("pigsty:pg:Instance", "pg-test-1", "update", 12_000),
    outputs("pigsty:pg:Instance", "pg-test-1", "update", 12_000),
    pre(CMD, C2, "create", 13_000), // failed: started, never finished
  ];
  const hosts = { [P1]: "10.10.10.11", [P2]: "10.10.10.12", [ROLES]: "10.10.10.11" };

  it("times each remote command that ran from its step's start to its outputs, skipping unchanged ones", () => {
    expect(commandRuns(events)).toEqual([
      { name: P2, op: "create", seconds: 8 },
      { name: P1, op: "create", seconds: 10 },
      { name: ROLES, op: "update", seconds: 2.5 },
    ]);
  });

  it("counts the commands whose steps started, the preview's announcements not included", () => {
    expect(commandsStarted(events)).toEqual([P1, P2, ROLES, C2]);
    expect(commandsStarted([pre(CMD, "a", "same", 0), pre(CMD, "b", "create", 0, true)])).toEqual([]);
  });

  it("sums each host's own commands and names the slowest host", () => {
    const work = serialWorkByHost(commandRuns(events), hosts);
    expect(work).toEqual({ "10.10.10.11": 12.5, "10.10.10.12": 8 });
    expect(slowestHost(work)).toEqual({ host: "10.10.10.11", seconds: 12.5 });
  });

  it("names a command whose host is unknown", () => {
    expect(() => serialWorkByHost([{ name: "ghost-step", op: "create", seconds: 1 }], hosts)).toThrow(/ghost-step/);
  });

  it("counts the resources an update changed, without components", () => {
    expect(changeCounts(events)).toEqual({ create: 3, update: 1 });
  });

  it("reads an --event-log file, timed by whole seconds", () => {
    const text = [pre(CMD, "x", "create", 3_000), outputs(CMD, "x", "create", 7_000)].map((e) => JSON.stringify(e.event)).join("\n") + "\n";
    expect(commandRuns(parseEventLog(text))).toEqual([{ name: "x", op: "create", seconds: 4 }]);
  });

  it("refuses outputs without the start of their step", () => {
    expect(() => commandRuns([outputs(CMD, "orphan", "create", 0)])).toThrow(/orphan/);
  });
});
