// A running DCS cannot be renamed or have its members renamed in place; moving to other servers (S12) is fine.
import { dcsChangeProblems } from "../../config/dcsChange";

const before = { name: "meta", servers: { "meta-1": "10.10.10.10" } };

test("the first up, or an unchanged DCS, has nothing to say", () => {
  expect(dcsChangeProblems(undefined, before)).toEqual([]);
  expect(dcsChangeProblems(before, { ...before })).toEqual([]);
});

test("renaming the DCS while a server stays is refused, naming the data directory and the way to move instead", () => {
  const [p] = dcsChangeProblems(before, { name: "meta2", servers: { "meta-1": "10.10.10.10" } });
  expect(p).toContain("dcs.name: changed from meta to meta2 while 10.10.10.10 stays a server");
  expect(p).toContain("/var/lib/etcd/meta");
  expect(p).toContain("Keep dcs.name: meta");
});

test("a new name on entirely new servers is a move to another DCS (S12)", () => {
  expect(dcsChangeProblems(before, { name: "dcs2", servers: { "dcs2-1": "10.10.10.14" } })).toEqual([]);
});

test("renaming a member that stays is refused", () => {
  expect(dcsChangeProblems(before, { name: "meta", servers: { "etcd-1": "10.10.10.10" } })).toEqual([
    "dcs.servers: 10.10.10.10 was etcd member meta-1 and is now etcd-1; a running member cannot be renamed. Keep the name meta-1 for 10.10.10.10.",
  ]);
});

test("a cluster's own DCS is judged the same way, its messages naming its key", () => {
  const [p] = dcsChangeProblems(before, { name: "meta2", servers: { "meta-1": "10.10.10.10" } }, "clusters.pg-std.dcs");
  expect(p).toContain("clusters.pg-std.dcs.name: changed from meta to meta2 while 10.10.10.10 stays a server");
  expect(p).toContain("Keep clusters.pg-std.dcs.name: meta");
  expect(dcsChangeProblems(before, { name: "meta", servers: { "etcd-1": "10.10.10.10" } }, "clusters.pg-std.dcs")).toEqual([
    "clusters.pg-std.dcs.servers: 10.10.10.10 was etcd member meta-1 and is now etcd-1; a running member cannot be renamed. Keep the name meta-1 for 10.10.10.10.",
  ]);
  expect(dcsChangeProblems(before, { name: "site-b", servers: { "site-b-1": "10.10.10.15" } }, "clusters.pg-std.dcs")).toEqual([]);
});
