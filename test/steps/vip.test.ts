// The L2 VIP's step on a member (steps/vip.ts), its real scripts against a scratch root with systemd, ip, visudo and
// the user tools standing in: keepalived's files installed and checked, a change reloaded (a stopped keepalived
// started), and the removal stops keepalived and drops a VIP it left behind.
import { loadInventory } from "../../config/load";
import { renderKeepalivedConf, renderKeepalivedDropIn, renderVipSudoers } from "../../render/keepalived";
import { vipStep } from "../../steps/vip";
import { fakeHost } from "../helpers/fakeHost";
import { rawFixture } from "../helpers/inventoryFixtures";

const raw = rawFixture("pg-test.stack.yaml") as { clusters: Record<string, { vars: Record<string, unknown> }> };
raw.clusters["pg-test"].vars = { ...raw.clusters["pg-test"].vars, vip_mode: "l2", vip_address: "10.10.10.99" };
const cluster = loadInventory(raw).model.clusters[0];
const second = cluster.instances[1];
const step = vipStep(cluster, second);
const [CONF, DROP_IN, SUDOERS] = ["/etc/keepalived/keepalived.conf", "/etc/systemd/system/keepalived.service.d/pigsty.conf", "/etc/sudoers.d/pigsty-vip"];
const host = fakeHost();

/** Stands in the tools; keepalived runs unless `running` is false, the check user exists only when `user`. */
function tools(o: { running?: boolean; user?: boolean; vipOnInterface?: boolean } = {}): void {
  host().stub("systemctl", `case "$*" in "-q is-active keepalived") exit ${o.running === false ? 1 : 0};; esac`);
  host().stub("id", `exit ${o.user ? 0 : 1}`);
  host().stub("useradd");
  host().stub("visudo");
  host().stub("ip", o.vipOnInterface ? `[ "$1 $2" != "-o -4" ] || echo '2: eth0    inet 10.10.10.99/24 scope global secondary eth0'` : "");
}
const systemctl = (calls: string[]) => calls.filter((c) => c.startsWith("systemctl"));

test("installs keepalived's config, its drop-in and the sudoers rule (checked by visudo), and makes the check's user", () => {
  expect(step.secrets).toEqual([]);
  tools();
  const r = host().run(step.create);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  expect([CONF, DROP_IN, SUDOERS].map((f) => [host().read(f), host().mode(f), host().owners(r.calls)[f]])).toEqual([
    [renderKeepalivedConf(cluster, second), "0644", "root:root"],
    [renderKeepalivedDropIn(), "0644", "root:root"],
    [renderVipSudoers(cluster), "0440", "root:root"],
  ]);
  expect(r.calls).toContainEqual(expect.stringMatching(/^visudo -cq -f \/tmp\/pigsty\.\w+\/new$/));
  expect(r.calls).toContain("useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin keepalived_script");
});

test("a change reloads a running keepalived, starts a stopped one; no change, no reload", () => {
  tools();
  expect(systemctl(host().run(step.create).calls)).toEqual([
    "systemctl daemon-reload",
    "systemctl -q is-active keepalived",
    "systemctl reload keepalived",
    "systemctl enable -q keepalived",
    "systemctl -q is-active keepalived",
  ]);
  const again = host().run(step.create);
  expect(again.said).toEqual([]);
  expect(systemctl(again.calls)).toEqual(["systemctl enable -q keepalived", "systemctl -q is-active keepalived"]);
  host().write(CONF, "changed by hand\n");
  tools({ running: false, user: true });
  const stopped = host().run(step.create);
  expect(systemctl(stopped.calls)).toEqual([
    "systemctl daemon-reload",
    "systemctl -q is-active keepalived",
    "systemctl restart keepalived",
    "systemctl enable -q keepalived",
    "systemctl -q is-active keepalived",
    "systemctl start keepalived",
  ]);
  expect(stopped.calls.filter((c) => c.startsWith("useradd"))).toEqual([]);
});

test("a member without the VIP's interface is refused before anything is installed", () => {
  tools();
  host().stub("ip", "exit 1");
  const r = host().run(step.create);
  expect(r.status).toBe(1);
  expect(r.stderr).toContain("error: pg-test-2 has no interface eth0 for the VIP 10.10.10.99/24.");
  expect(host().exists(CONF)).toBe(false);
});

test("the removal stops keepalived, drops the VIP it left on the interface, and removes the files", () => {
  tools({ vipOnInterface: true });
  expect(host().run(step.create).status).toBe(0);
  const r = host().run(step.delete!);
  expect(r.status).toBe(0);
  const stopped = ["systemctl cat keepalived", "systemctl disable --now -q keepalived"];
  expect(r.calls).toEqual([...stopped, "ip -o -4 addr show dev eth0", "ip addr del 10.10.10.99/24 dev eth0", "systemctl daemon-reload"]);
  expect(r.said).toEqual(["stopped and disabled keepalived", "removed the VIP 10.10.10.99/24 from eth0"]);
  for (const f of [CONF, DROP_IN, SUDOERS]) expect(host().exists(f)).toBe(false);
  // Where the VIP is gone already, nothing is dropped.
  tools();
  expect(host().run(step.delete!).calls).not.toContain("ip addr del 10.10.10.99/24 dev eth0");
});
