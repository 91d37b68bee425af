import { buildPlan } from "../../sandbox/plan";
import {
  normalizePublicKey,
  nspawnArgs,
  renderAptProxyConf,
  renderHosts,
  renderHostsJson,
  renderKnownHosts,
  renderNodeFiles,
  renderSshdDropIn,
  renderSudoers,
  renderTinyproxyConf,
  renderTinyproxyFilter,
} from "../../sandbox/render";

const plan = buildPlan();
const meta = plan.nodes[0];

describe("sandbox rendering", () => {
  it("tinyproxy listens on the bridge only, serves the sandbox subnet only, and only allow-listed hosts", () => {
    const conf = renderTinyproxyConf(plan, { filterFile: "/x/filter" });
    const lines = conf.split("\n");
    expect(lines).toEqual(expect.arrayContaining(["Port 3128", "Listen 10.10.10.1", "Allow 10.10.10.0/24", 'Filter "/x/filter"', "FilterDefaultDeny Yes", "FilterType ere"]));
    expect(lines.filter((l) => l.startsWith("Allow "))).toHaveLength(1);
    const filter = renderTinyproxyFilter(["mirror.example.test", "sec.example.test"]);
    expect(filter).toBe("^mirror\\.example\\.test$\n^sec\\.example\\.test$\n");
    const re = new RegExp(filter.split("\n")[0]);
    expect(re.test("mirror.example.test")).toBe(true);
    expect(re.test("mirrorXexample.test")).toBe(false);
    expect(re.test("evil.mirror.example.test")).toBe(false);
  });

  it("points apt at the proxy and copies the host's freshness checks", () => {
    expect(renderAptProxyConf(plan)).toContain('Acquire::http::Proxy "http://10.10.10.1:3128";');
    expect(renderAptProxyConf(plan)).not.toContain("Check-Valid-Until");
    const withHost = renderAptProxyConf(buildPlan({ proxyPort: 3300 }), { checkValidUntil: "false", checkDate: "false" });
    expect(withHost).toContain('Acquire::http::Proxy "http://10.10.10.1:3300";');
    expect(withHost).toContain('Acquire::Check-Valid-Until "false";');
    expect(withHost).toContain('Acquire::Check-Date "false";');
  });

  it("/etc/hosts names every node", () => {
    const hosts = renderHosts(plan, meta);
    for (const n of plan.nodes) expect(hosts).toMatch(new RegExp(`^${n.ip.replace(/\./g, "\\.")}\\t${n.name}$`, "m"));
    expect(hosts).toMatch(/^127\.0\.0\.1\tlocalhost$/m);
  });

  it("sshd: no DNS lookups, keys only; AcceptEnv is left at Debian's default", () => {
    const d = renderSshdDropIn();
    expect(d).toMatch(/^UseDNS no$/m);
    expect(d).toMatch(/^PasswordAuthentication no$/m);
    expect(d).not.toMatch(/AcceptEnv/);
    expect(renderSudoers()).toMatch(/^dba ALL=\(ALL:ALL\) NOPASSWD: ALL$/m);
  });

  it("boots with the nspawn flags that work without a host systemd", () => {
    const args = nspawnArgs(meta, { rootDir: "/r/meta/merged" });
    expect(args.slice(0, 5)).toEqual(["-D", "/r/meta/merged", "-b", "-M", "meta"]);
    expect(args).toEqual(expect.arrayContaining(["--network-namespace-path=/run/netns/pgs-meta", "--register=no", "--keep-unit"]));
    // A VIP needs it (keepalived adds the address); the node's own network namespace confines it to its interfaces.
    expect(args).toContain("--capability=CAP_NET_ADMIN");
  });

  it("hosts.json has the shape the dev stack reads", () => {
    const nodes = plan.nodes.map((n) => ({ name: n.name, ip: n.ip, hostKey: `ssh-ed25519 KEY${n.name}` }));
    const doc = JSON.parse(renderHostsJson("/repo/.sandbox/id_ed25519", nodes));
    expect(doc).toEqual({
      admin_user: "dba",
      key_path: "/repo/.sandbox/id_ed25519",
      port: 22,
      nodes: plan.nodes.map((n) => ({ name: n.name, ip: n.ip, host_key: `ssh-ed25519 KEY${n.name}` })),
    });
    expect(renderKnownHosts(nodes).split("\n")[0]).toBe("10.10.10.10,meta ssh-ed25519 KEYmeta");
  });

  it("normalizes public keys (drops the comment) and rejects junk", () => {
    expect(normalizePublicKey("ssh-ed25519 AAAAC3Nz root@meta\n")).toBe("ssh-ed25519 AAAAC3Nz");
    expect(() => normalizePublicKey("hello")).toThrow(/not an SSH public key/);
  });

  it("node files: authorized_keys owned by the admin user, sudoers 0440, all absolute paths", () => {
    const files = renderNodeFiles({ plan, node: meta, sources: "Types: deb\n", apt: {}, adminPublicKey: "ssh-ed25519 AAAA pigsty" });
    const byPath = new Map(files.map((f) => [f.path, f]));
    expect(byPath.get("/etc/hostname")!.content).toBe("meta\n");
    expect(byPath.get("/home/dba/.ssh/authorized_keys")).toMatchObject({ content: "ssh-ed25519 AAAA pigsty\n", mode: 0o600, owner: "admin" });
    expect(byPath.get("/etc/sudoers.d/pigsty-sandbox")!.mode).toBe(0o440);
    // An empty rule of the same name masks Debian's: no /run/nologin to refuse the admin user after a failed boot unit.
    expect(byPath.get("/etc/tmpfiles.d/systemd-nologin.conf")!.content.split("\n").filter((l) => l && !l.startsWith("#"))).toEqual([]);
    expect(files.every((f) => f.path.startsWith("/") && !f.path.includes(".."))).toBe(true);
  });
});
