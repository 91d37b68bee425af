// keepalived for an L2 VIP: the rendered keepalived.conf of a 3-member cluster, the restart drop-in, the callback's
// release of the VIP and its sudoers rule (the vip step's scripts run in test/steps/vip.test.ts).
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { loadInventory } from "../../config/load";
import { renderKeepalivedConf, renderKeepalivedDropIn, renderVipSudoers } from "../../render/keepalived";
import { renderPatroniYml } from "../../render/patroni";
import { memberPackages, PG_PACKAGES } from "../../steps/node";
import { vipStep } from "../../steps/vip";
import { CA_CERT } from "../../render/tls";
import { answer, fakePatroni, selfSignedCert } from "../helpers/fakePatroni";
import { pgTest, rawFixture } from "../helpers/inventoryFixtures";

function withVip(vars: Record<string, unknown> = {}) {
  const raw = rawFixture("pg-test.stack.yaml") as any;
  raw.clusters["pg-test"].vars = { ...raw.clusters["pg-test"].vars, vip_mode: "l2", vip_address: "10.10.10.99", ...vars };
  return loadInventory(raw).model;
}

const model = withVip({ vip_vrid: 42 });
const cluster = model.clusters[0];
const [first, second] = cluster.instances;
const plain = pgTest().model;

/** keepalived.conf's lines, trimmed, without comments. */
const lines = (text: string) => text.split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));

test("one VRRP instance per cluster: unicast from the member to the other two, the cluster's router id, BACKUP and nopreempt everywhere", () => {
  const conf = lines(renderKeepalivedConf(cluster, second));
  const block = conf.slice(conf.indexOf("vrrp_instance pg-test {"));
  expect(block.slice(0, 16)).toEqual([
    "vrrp_instance pg-test {",
    "state BACKUP",
    "nopreempt",
    "interface eth0",
    "virtual_router_id 42",
    "priority 100",
    "advert_int 1",
    "unicast_src_ip 10.10.10.12",
    "unicast_peer {",
    "10.10.10.11",
    "10.10.10.13",
    "}",
    "check_unicast_src",
    "virtual_ipaddress {",
    "10.10.10.99/24 dev eth0",
    "}",
  ]);
  // Equal priorities: every member renders the same instance but for its own address and peers.
  const other = lines(renderKeepalivedConf(cluster, first));
  expect(other).toContain("priority 100");
  expect(other).toContain("unicast_src_ip 10.10.10.11");
  expect(other.filter((l) => /^10\.10\.10\.1\d$/.test(l))).toEqual(["10.10.10.12", "10.10.10.13"]);
});

test("the check asks this member's Patroni (GET /primary over TLS), runs unprivileged, and a failure means FAULT (weight 0)", () => {
  const conf = lines(renderKeepalivedConf(cluster, second));
  expect(conf).toEqual(expect.arrayContaining(["script_user keepalived_script", "enable_script_security"]));
  const check = conf.slice(conf.indexOf("vrrp_script patroni_leads {"), conf.indexOf("vrrp_script patroni_leads {") + 8);
  expect(check).toEqual([
    "vrrp_script patroni_leads {",
    'script "/usr/bin/curl -fsS -o /dev/null --max-time 1 --cacert /etc/pigsty/tls/ca.crt https://10.10.10.12:8008/primary"',
    "interval 1",
    "timeout 2",
    "fall 2",
    "rise 1",
    "weight 0",
    "}",
  ]);
  expect(conf.slice(conf.indexOf("track_script {"), conf.indexOf("track_script {") + 3)).toEqual(["track_script {", "patroni_leads weight 0", "}"]);
  // Never etcd: the VIP stays through a DCS outage that failsafe mode rides out.
  expect(renderKeepalivedConf(cluster, second)).not.toMatch(/etcd|2379/);
});

test("the router id is derived when not given, and the mask and interface are the cluster's", () => {
  const derived = withVip({ vip_cidrmask: 16, vip_interface: "ens3" }).clusters[0];
  const conf = lines(renderKeepalivedConf(derived, derived.instances[0]));
  expect(conf).toContain(`virtual_router_id ${derived.vip!.vrid}`);
  expect(conf).toEqual(expect.arrayContaining(["interface ens3", "10.10.10.99/16 dev ens3"]));
});

test("a killed keepalived comes back (Restart=always)", () => {
  expect(lines(renderKeepalivedDropIn())).toEqual(["[Service]", "Restart=always", "RestartSec=1"]);
});

test("the role-change callback may drop the VIP through one sudo rule, and Patroni calls it on stop too (test/render/roleChange.test.ts runs it)", () => {
  expect(lines(renderVipSudoers(cluster))).toEqual(["postgres ALL=(root) NOPASSWD: /usr/sbin/ip addr del 10.10.10.99/24 dev eth0"]);
  const callbacks = renderPatroniYml(model, cluster, second).split("callbacks:")[1].split("\n").slice(1, 4).map((l) => l.trim());
  expect(callbacks).toEqual(["on_role_change: /pg/bin/pg-role-change", "on_start: /pg/bin/pg-role-change", "on_stop: /pg/bin/pg-role-change"]);
});

test("without a VIP: no keepalived package, no on_stop callback", () => {
  const c = plain.clusters[0];
  expect(memberPackages(c)).toEqual(PG_PACKAGES);
  expect(memberPackages(cluster)).toEqual([...PG_PACKAGES, "keepalived"]);
  expect(renderPatroniYml(plain, c, c.instances[0])).not.toContain("on_stop");
  expect(() => vipStep(c, c.instances[0])).toThrow(/no VIP/);
});

test("the check command passes on 200 from /primary only: 503, a wrong CA and no answer fail it", async () => {
  const cert = selfSignedCert();
  let status = 200;
  const api = await fakePatroni(cert, (method, url) => (method === "GET" && url === "/primary" ? answer(status) : answer(404)));
  // The member's address as 127.0.0.1, where the stand-in listens with a certificate for it.
  const local = { ...second, ip: "127.0.0.1" };
  const scriptOf = (port: number, ca: string) => /script "([^"]+)"/.exec(renderKeepalivedConf({ ...cluster, ports: { ...cluster.ports, patroni: port } }, local))![1].replace(CA_CERT, ca);
  const run = (command: string) =>
    promisify(execFile)("/bin/sh", ["-c", command]).then(
      () => 0,
      (e: { code: number }) => e.code,
    );
  try {
    expect(await run(scriptOf(api.port, cert.ca))).toBe(0);
    status = 503;
    expect(await run(scriptOf(api.port, cert.ca))).toBe(22);
    status = 200;
    expect(await run(scriptOf(api.port, "/etc/ssl/certs/ca-certificates.crt"))).not.toBe(0);
    expect(api.calls.map((c) => [c.method, c.url])).toEqual([["GET", "/primary"], ["GET", "/primary"]]);
  } finally {
    await api.close();
  }
  expect(await run(scriptOf(api.port, cert.ca))).not.toBe(0);
});
