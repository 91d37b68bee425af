import { HostFacts, findConflicts } from "../../sandbox/conflicts";
import { buildPlan } from "../../sandbox/plan";
import { emptyState } from "../../sandbox/state";

const plan = buildPlan();
const clean: HostFacts = {
  links: ["lo", "eth0"],
  addresses: [
    { ifname: "lo", local: "127.0.0.1", prefixlen: 8, family: "inet" },
    { ifname: "eth0", local: "192.0.2.2", prefixlen: 24, family: "inet" },
  ],
  routes: [{ dst: "default", dev: "eth0" }, { dst: "192.0.2.0/24", dev: "eth0" }],
  netns: [],
  listeners: [{ local: "0.0.0.0", port: 2024, process: "" }],
};

describe("conflict detection", () => {
  it("finds nothing on a clean host", () => {
    expect(findConflicts(plan, emptyState(), clean)).toEqual([]);
  });

  it("accepts what a previous run recorded", () => {
    const state = emptyState();
    state.bridge = "pgsbr0";
    state.nodes.meta = { name: "meta", ip: "10.10.10.10", netns: "pgs-meta", vethHost: "pgsh10" };
    const facts: HostFacts = {
      ...clean,
      links: [...clean.links, "pgsbr0", "pgsh10"],
      addresses: [...clean.addresses, { ifname: "pgsbr0", local: "10.10.10.1", prefixlen: 24, family: "inet" }],
      routes: [...clean.routes, { dst: "10.10.10.0/24", dev: "pgsbr0" }],
      netns: ["pgs-meta"],
      listeners: [...clean.listeners, { local: "10.10.10.1", port: 3128, process: 'users:(("tinyproxy",pid=77,fd=0))' }],
      ourProxyPid: 77,
    };
    expect(findConflicts(plan, state, facts)).toEqual([]);
  });

  it("explains addresses, routes, names and ports already taken by someone else", () => {
    const facts: HostFacts = {
      links: [...clean.links, "pgsbr0", "pgsh11", "dummy0"],
      addresses: [...clean.addresses, { ifname: "dummy0", local: "10.10.10.13", prefixlen: 32, family: "inet" }, { ifname: "wg0", local: "10.10.0.1", prefixlen: 16, family: "inet" }],
      routes: [...clean.routes, { dst: "10.10.10.128/25", dev: "tun0" }],
      netns: ["pgs-pg-test-2"],
      listeners: [...clean.listeners, { local: "0.0.0.0", port: 3128, process: 'users:(("squid",pid=9,fd=3))' }],
    };
    const p = findConflicts(plan, emptyState(), facts);
    expect(p).toEqual([
      expect.stringContaining("link named pgsbr0 exists but this sandbox did not create it"),
      expect.stringContaining("address 10.10.10.13 is already in use on interface dummy0"),
      expect.stringContaining("interface wg0 has 10.10.0.1/16, which overlaps the sandbox subnet 10.10.10.0/24"),
      expect.stringContaining("route 10.10.10.128/25 via tun0 overlaps"),
      expect.stringContaining("link named pgsh11 exists"),
      expect.stringContaining("network namespace pgs-pg-test-2 exists"),
      expect.stringContaining('TCP port 3128 on 0.0.0.0 is already in use (users:(("squid",pid=9,fd=3)))'),
    ]);
  });

  it("ignores the same port on loopback or another address", () => {
    const facts = { ...clean, listeners: [{ local: "127.0.0.1", port: 3128, process: "x" }] };
    expect(findConflicts(plan, emptyState(), facts)).toEqual([]);
  });
});
