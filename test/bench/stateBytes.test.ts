// Where a state's bytes go (bench/stateBytes.ts): each resource split into parts that add up to its JSON.
import { breakdown, breakdownLines, kindOf, partsOf, PARTS } from "../../bench/stateBytes";

const script = "set -eu\n" + "echo line\n".repeat(50);
const remote = {
  urn: "urn:pulumi:s::pigsty::pigsty:pg:Cluster$pigsty:pg:Instance$command:remote:Command::pg-b1-1-haproxy",
  custom: true,
  type: "command:remote:Command",
  inputs: { connection: { host: "127.1.1.1", privateKey: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: "x".repeat(400) } }, create: script, logging: "stdoutAndStderr" },
  outputs: { connection: { host: "127.1.1.1" }, create: script, logging: "stdoutAndStderr", stdout: "ok", stderr: "" },
  parent: "urn:pulumi:s::pigsty::pigsty:pg:Cluster$pigsty:pg:Instance::pg-b1-1",
  sourcePosition: "project:///components/remote.ts#38,10",
};
const password = {
  urn: "urn:pulumi:s::pigsty::pigsty:pg:Cluster$random:index/randomPassword:RandomPassword::pg-b1-password-dbuser_app",
  custom: true,
  type: "random:index/randomPassword:RandomPassword",
  inputs: { length: 24 },
  outputs: { length: 24, result: { ciphertext: "y".repeat(80) } },
};
const state = { checkpoint: { latest: { resources: [remote, password] } } };

test("a remote command's kind is its step's suffix, the longest that matches", () => {
  expect(kindOf(remote)).toBe("-haproxy");
  expect(kindOf({ ...remote, urn: "urn:pulumi:s::pigsty::command:remote:Command::pg-b1-patroni-config" })).toBe("-patroni-config");
  expect(kindOf(password)).toBe("random:index/randomPassword:RandomPassword");
});

test("the parts of a resource add up to its compact JSON, the script counted once in inputs and once in outputs", () => {
  const parts = partsOf(remote);
  expect(PARTS.reduce((s, p) => s + parts[p], 0)).toBe(JSON.stringify(remote).length);
  expect(parts.script).toBe(JSON.stringify("create").length + 1 + JSON.stringify(script).length + 1);
  expect(parts.echo).toBe(parts.script);
  expect(parts.connection).toBeGreaterThan(400);
  expect(parts.other).toBeGreaterThan(0);
});

test("the breakdown sums per kind and in all, and says each part's share", () => {
  const b = breakdown(state, 12345);
  expect(b.resources).toBe(2);
  expect(b.kinds.map((k) => [k.kind, k.count])).toEqual([
    ["-haproxy", 1],
    ["random:index/randomPassword:RandomPassword", 1],
  ]);
  expect(b.total.script).toBe(partsOf(remote).script);
  expect(b.total.secretInput).toBe(partsOf(password).secretInput);
  const lines = breakdownLines(b);
  expect(lines[0]).toBe("state 12 KB on disk, 2 resources");
  expect(lines[1]).toMatch(/^ {2}script in inputs \(create, delete\) +\d+ KB +\d+%$/);
});
