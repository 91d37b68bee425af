import { PlanError, buildPlan, defaultNodes, intToIp, ipToInt, macFor, parseNodeList, parseSubnet } from "../../sandbox/plan";

function problems(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    if (e instanceof PlanError) return e.problems;
    throw e;
  }
  throw new Error("expected a PlanError");
}

describe("address plan", () => {
  it("defaults to meta + pg-test-1..3 at .10-.13 behind bridge pgsbr0 10.10.10.1/24", () => {
    const plan = buildPlan();
    expect(plan.bridge).toBe("pgsbr0");
    expect(plan.bridgeIp).toBe("10.10.10.1");
    expect(plan.subnet).toBe("10.10.10.0/24");
    expect(plan.prefix).toBe(24);
    expect(plan.proxyPort).toBe(3128);
    expect(plan.nodes.map((n) => [n.name, n.ip])).toEqual([
      ["meta", "10.10.10.10"],
      ["pg-test-1", "10.10.10.11"],
      ["pg-test-2", "10.10.10.12"],
      ["pg-test-3", "10.10.10.13"],
    ]);
  });

  it("derives namespace, veth names (<= 15 chars) and a locally administered MAC per node", () => {
    const plan = buildPlan({ count: 6 });
    for (const n of plan.nodes) {
      expect(n.netns).toBe(`pgs-${n.name}`);
      expect(n.vethHost.length).toBeLessThanOrEqual(15);
      expect(n.vethPeer.length).toBeLessThanOrEqual(15);
      expect(n.mac).toMatch(/^02(:[0-9a-f]{2}){5}$/);
    }
    const meta = plan.nodes[0];
    expect([meta.vethHost, meta.vethPeer, meta.mac]).toEqual(["pgsh10", "pgsn10", "02:70:67:0a:0a:0a"]);
    expect(new Set(plan.nodes.map((n) => n.vethHost)).size).toBe(6);
    expect(new Set(plan.nodes.map((n) => n.mac)).size).toBe(6);
  });

  it("scales with --count (scale tests need 5+)", () => {
    expect(defaultNodes(6).map((n) => n.name)).toEqual(["meta", "pg-test-1", "pg-test-2", "pg-test-3", "pg-test-4", "pg-test-5"]);
    expect(buildPlan({ count: 6 }).nodes[5].ip).toBe("10.10.10.15");
    expect(buildPlan({ count: 1 }).nodes.map((n) => n.name)).toEqual(["meta"]);
  });

  it("accepts an explicit node list and another subnet", () => {
    const nodes = parseNodeList("meta=10.20.0.10, pg-a-1=10.20.0.21");
    const plan = buildPlan({ nodes, subnet: "10.20.0.0/24", proxyPort: 3300 });
    expect(plan.bridgeIp).toBe("10.20.0.1");
    expect(plan.proxyPort).toBe(3300);
    expect(plan.nodes.map((n) => n.vethHost)).toEqual(["pgsh10", "pgsh21"]);
  });

  it("rejects addresses outside the subnet, the bridge, network and broadcast addresses, duplicates — all at once", () => {
    const p = problems(() =>
      buildPlan({
        nodes: [
          { name: "a", ip: "10.10.11.5" },
          { name: "b", ip: "10.10.10.1" },
          { name: "c", ip: "10.10.10.0" },
          { name: "d", ip: "10.10.10.255" },
          { name: "e", ip: "10.10.10.20" },
          { name: "f", ip: "10.10.10.20" },
          { name: "e", ip: "10.10.10.21" },
        ],
      }),
    );
    expect(p).toEqual(
      expect.arrayContaining([
        expect.stringContaining("10.10.11.5 is outside the sandbox subnet 10.10.10.0/24"),
        expect.stringContaining("10.10.10.1 is the bridge (host) address"),
        expect.stringContaining("network address"),
        expect.stringContaining("broadcast address"),
        expect.stringContaining("nodes e and f share the address 10.10.10.20"),
        expect.stringContaining('node name "e" is used 2 times'),
      ]),
    );
    expect(p).toHaveLength(6);
  });

  it("rejects bad names, bad addresses and bad option combinations", () => {
    expect(problems(() => buildPlan({ nodes: [{ name: "Meta_1", ip: "10.10.10.10" }] }))[0]).toMatch(/lowercase/);
    expect(problems(() => buildPlan({ nodes: [{ name: "x", ip: "10.10.10.300" }] }))[0]).toMatch(/not an IPv4 address/);
    expect(problems(() => buildPlan({ nodes: [{ name: "x", ip: "10.10.10.10" }], count: 3 }))[0]).toMatch(/either --nodes or --count/);
    expect(problems(() => buildPlan({ count: 0 }))[0]).toMatch(/positive integer/);
    expect(problems(() => buildPlan({ proxyPort: 70000 }))[0]).toMatch(/proxy port/);
    expect(problems(() => parseNodeList("meta")).join()).toMatch(/NAME=IP/);
    expect(problems(() => parseSubnet("10.10.10.5/24"))[0]).toMatch(/host bits/);
    expect(problems(() => parseSubnet("10.0.0.0/8"))[0]).toMatch(/between \/16 and \/29/);
  });

  it("converts addresses both ways", () => {
    expect(ipToInt("10.10.10.1")).toBe(0x0a0a0a01);
    expect(intToIp(0x0a0a0a0d)).toBe("10.10.10.13");
    expect(macFor("10.10.10.13")).toBe("02:70:67:0a:0a:0d");
  });
});
