// The infra node's steps (steps/infra.ts), their real scripts against a scratch root (test/helpers/fakeHost.ts): the
// monitoring step installs each file only once its checker accepts it (Alertmanager's config kept from other users)
// and reloads or restarts what changed; an etcd member installs its files and waits until healthy; client authentication
// of the DCS is enabled once, with root's password on stdin.
import { mkdirSync, symlinkSync } from "node:fs";
import { loadInventory } from "../../config/load";
import { etcdFiles, monitoringFiles } from "../../render/files";
import { ALERTMANAGER_DEFAULTS, ALERTMANAGER_YML, ALERT_RULES, ETCD_ROOT_ENV, PROMETHEUS_CA, PROMETHEUS_YML } from "../../render/paths";
import { etcdAuthStep, etcdStep, monitoringStep } from "../../steps/infra";
import { fakeHost } from "../helpers/fakeHost";
import { fillPlaceholders } from "../helpers/fillPlaceholders";
import { pinHostKeys, rawFixture } from "../helpers/inventoryFixtures";

const URL = "https://hooks.example.org/alerts?token=T0KEN-SECRET";
const EMAIL = { smarthost: "smtp.example.org:587", from: "pigsty@example.org", to: "dba@example.org", auth_username: "pigsty", auth_password: "smtp-Passw0rd-SECRET" };
const raw = rawFixture("pg-test.stack.yaml") as { infra: Record<string, unknown> };
const { model, secrets } = loadInventory({ ...raw, infra: { ...raw.infra, alertmanager_webhook_url: URL, alertmanager_email: EMAIL } });
const step = monitoringStep(model);
const SECRETS = { "tls/ca": "CA-PEM", "alertmanager/webhook_url": URL, "alertmanager/smtp_password": EMAIL.auth_password };
const SERVICES = "prometheus prometheus-alertmanager prometheus-blackbox-exporter nginx";
const host = fakeHost();

describe("the monitoring step", () => {
  /** Runs the step where every check passes but `rejects` (a tool and its first words), and the services run unless `stopped`. */
  function run(o: { rejects?: string; stopped?: boolean } = {}) {
    const h = host();
    for (const tool of ["promtool", "amtool", "nginx"]) {
      const [name, ...words] = (o.rejects ?? "").split(" ");
      h.stub(tool, name === tool ? `[[ "$*" != ${JSON.stringify(words.join(" "))}* ]]` : "");
    }
    h.stub("systemctl", `[ "$1 $2" != "-q is-active" ] || exit ${o.stopped ? 3 : 0}`);
    return h.run(step.create, { stdin: JSON.stringify(SECRETS) });
  }
  const systemctl = (calls: string[]) => calls.filter((c) => c.startsWith("systemctl"));

  test("installs every file as rendered, secrets filled, Alertmanager's config readable by Prometheus' user only", () => {
    expect(step.secrets.sort()).toEqual(["alertmanager/smtp_password", "alertmanager/webhook_url", "tls/ca"]);
    for (const secret of ["T0KEN", EMAIL.auth_password]) expect(step.create).not.toContain(secret);
    const r = run({ stopped: true });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    for (const [path, content] of Object.entries(monitoringFiles(model))) expect(host().read(path)).toBe(fillPlaceholders(content, secrets));
    for (const secret of [URL, EMAIL.auth_password]) expect(host().read(ALERTMANAGER_YML)).toContain(secret);
    expect(host().read(PROMETHEUS_CA)).toBe("CA-PEM\n");
    expect([host().mode(ALERTMANAGER_YML), host().owners(r.calls)[ALERTMANAGER_YML]]).toEqual(["0640", "root:prometheus"]);
    expect([host().mode(PROMETHEUS_YML), host().owners(r.calls)[PROMETHEUS_YML]]).toEqual(["0644", "root:root"]);
    expect(host().owners(r.calls)["/etc/prometheus/targets/pgsql"]).toBe("prometheus:prometheus");
    // A new unit setting restarts Alertmanager; the stopped services are enabled and started.
    expect(systemctl(r.calls)).toEqual([
      "systemctl reload-or-restart prometheus nginx",
      "systemctl restart prometheus-alertmanager",
      `systemctl enable -q ${SERVICES}`,
      `systemctl -q is-active ${SERVICES}`,
      `systemctl start ${SERVICES}`,
    ]);
  });

  test("each file is checked by its own tool before it is installed", () => {
    const checks = run().calls.filter((c) => /^(promtool|amtool|nginx) /.test(c));
    expect(checks).toEqual([
      expect.stringMatching(/^nginx -t -q -c \/tmp\/pigsty\.\w+\/nginx-check\.conf$/),
      expect.stringMatching(/^amtool check-config \/tmp\/pigsty\.\w+\/new$/),
      expect.stringMatching(/^promtool check config \/tmp\/pigsty\.\w+\/new$/),
      expect.stringMatching(/^promtool check rules \/tmp\/pigsty\.\w+\/new$/),
    ]);
  });

  test("a config amtool rejects is never installed, the previous one stays, and nothing is reloaded", () => {
    host().write(ALERTMANAGER_YML, "previous\n", 0o640);
    const r = run({ rejects: "amtool check-config" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`rejected by amtool: ${ALERTMANAGER_YML}`);
    expect(host().read(ALERTMANAGER_YML)).toBe("previous\n");
    expect(systemctl(r.calls)).toEqual([]);
  });

  test("alert rules promtool rejects are never installed, and nothing is reloaded", () => {
    const r = run({ rejects: "promtool check rules" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`rejected by promtool: ${ALERT_RULES}`);
    expect([host().exists(PROMETHEUS_YML), host().exists(ALERT_RULES)]).toEqual([true, false]);
    expect(systemctl(r.calls)).toEqual([]);
  });

  test("a changed Alertmanager config reloads it, a changed unit setting restarts it, and no change touches nothing", () => {
    expect(run().status).toBe(0);
    expect(systemctl(run().calls)).toEqual([`systemctl enable -q ${SERVICES}`, `systemctl -q is-active ${SERVICES}`]);
    host().write(ALERTMANAGER_YML, "edited by hand\n");
    expect(systemctl(run().calls).slice(0, 2)).toEqual(["systemctl reload-or-restart prometheus nginx", "systemctl reload-or-restart prometheus-alertmanager"]);
    host().write(ALERTMANAGER_DEFAULTS, "edited by hand\n");
    expect(systemctl(run().calls).slice(0, 2)).toEqual(["systemctl reload-or-restart prometheus nginx", "systemctl restart prometheus-alertmanager"]);
    expect(host().read(ALERTMANAGER_YML)).toContain(URL);
  });

  test("Debian's default nginx site, which takes the same port, is disabled", () => {
    host().write("/etc/nginx/sites-available/default", "server {}\n");
    mkdirSync(host().path("/etc/nginx/sites-enabled"));
    symlinkSync(host().path("/etc/nginx/sites-available/default"), host().path("/etc/nginx/sites-enabled/default"));
    const r = run();
    expect(r.status).toBe(0);
    expect(host().exists("/etc/nginx/sites-enabled/default")).toBe(false);
    expect(r.said).toContain("disabled Debian's default nginx site");
  });
});

describe("client authentication of the DCS", () => {
  const dcs = rawFixture("pg-test.stack.yaml") as { dcs: { servers: Record<string, string> } };
  const three = loadInventory(pinHostKeys({ ...dcs, dcs: { ...dcs.dcs, servers: { "meta-1": "10.10.10.10", "meta-2": "10.10.10.14", "meta-3": "10.10.10.15" } } })).model;
  const auth = etcdAuthStep(three.dcs);
  const PASSWORD = "r00t-pw-SECRET";

  /**
   * Runs the step against a stand-in etcd kept in files under the root: once auth is enabled, every command needs
   * root's password; the members in `down` never answer healthy. `sleep` returns at once.
   */
  function run(down: string[] = []) {
    const h = host();
    h.write(ETCD_ROOT_ENV, `ETCDCTL_API=3\nETCDCTL_USER="root:${PASSWORD}"\n`, 0o600);
    h.stub("sleep");
    h.stub("curl", `for ip in ${down.join(" ") || "none"}; do [[ "$*" != *//$ip:* ]] || exit 7; done; echo '{"health":"true"}'`);
    h.stub(
      "etcdctl",
      [
        'db=$ROOT/etcd; mkdir -p "$db"',
        'if [ -e "$db/auth" ]; then [ "${ETCDCTL_USER:-}" = "root:$(cat "$db/root" 2>/dev/null)" ] || exit 1; fi',
        'case "$*" in',
        '  *" user add root"|*" user passwd root") read -r pw; read -r again; [ "$pw" = "$again" ] && echo -n "$pw" >"$db/root" ;;',
        '  *" user get root") [ -e "$db/root" ] ;;',
        '  *" role get root") [ -e "$db/role" ] ;;',
        '  *" role add root") touch "$db/role" ;;',
        '  *" auth enable") [ -e "$db/root" ] && [ -e "$db/role" ] && touch "$db/auth" ;;',
        "esac",
      ].join("\n"),
    );
    return h.run(auth.create, { stdin: JSON.stringify({ "dcs/etcd_root": PASSWORD, "tls/ca": "CA" }) });
  }
  const etcdctl = (calls: string[]) => calls.filter((c) => c.startsWith("etcdctl")).map((c) => c.replace(/ --(endpoints|command-timeout)=\S+/g, ""));

  test("waits for every member, then makes root with the password from stdin and enables auth, once", () => {
    expect(auth.secrets).toEqual(["dcs/etcd_root"]);
    const r = run();
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect([...new Set(r.calls.filter((c) => c.startsWith("curl")).map((c) => c.split(" ").at(-1)))]).toEqual(["10.10.10.10", "10.10.10.14", "10.10.10.15"].map((ip) => `http://${ip}:2381/health`));
    expect(etcdctl(r.calls)).toEqual([
      "etcdctl user list",
      "etcdctl role get root",
      "etcdctl role add root",
      "etcdctl user get root",
      "etcdctl user add root",
      "etcdctl user grant-role root root",
      "etcdctl auth enable",
      "etcdctl user get root",
    ]);
    expect(host().read("/etcd/root")).toBe(PASSWORD);
    expect(r.calls.join("\n")).not.toContain(PASSWORD);
    expect(r.said).toEqual(["client authentication enabled on DCS pigsty"]);
    const again = run();
    expect(again.status).toBe(0);
    expect(etcdctl(again.calls)).toEqual(["etcdctl user list", "etcdctl user get root"]);
    expect(again.said).toEqual([]);
  });

  test("a member that never answers healthy fails the step before anything is asked of etcd", () => {
    const r = run(["10.10.10.14"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("error: etcd member meta-2 (10.10.10.14) is not healthy after 120s");
    expect(r.calls.filter((c) => c.startsWith("sleep"))).toHaveLength(120);
    expect(etcdctl(r.calls)).toEqual([]);
  });

  test("auth enabled by someone else, with another root password, is refused", () => {
    host().write("/etcd/root", "theirs");
    host().write("/etcd/auth", "");
    const r = run();
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("error: client authentication is on in DCS pigsty, but it refuses this stack's root password.");
  });
});

describe("the etcd member of a one-member DCS", () => {
  const single = loadInventory(raw).model;
  const member = etcdStep(single.dcs, "meta-1");
  const SECRETS = { "tls/ca": "CA", "tls/etcd/meta-1/cert": "CERT", "tls/etcd/meta-1/key": "KEY", "dcs/etcd_root": 'r$"t' };

  /** Runs the step where etcd answers healthy unless `sick`; with `data`, the member has its data already. */
  function run(o: { sick?: boolean; data?: boolean } = {}) {
    const h = host();
    if (o.data) h.write("/var/lib/etcd/pigsty/member/snap/db", "");
    h.stub("systemctl");
    h.stub("sleep");
    h.stub("curl", o.sick ? "exit 7" : `echo '{"health":"true"}'`);
    return h.run(member.create, { stdin: JSON.stringify(SECRETS) });
  }
  const systemctl = (calls: string[]) => calls.filter((c) => c.startsWith("systemctl"));

  test("installs its config as rendered, its key for etcd only and root's credentials for root only", () => {
    expect([...member.secrets].sort()).toEqual(Object.keys(SECRETS).sort());
    const r = run();
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    for (const [path, content] of Object.entries(etcdFiles(single.dcs, "meta-1"))) expect(host().read(path)).toBe(content);
    const owners = host().owners(r.calls);
    expect([host().read("/etc/pigsty/tls/etcd.key"), host().mode("/etc/pigsty/tls/etcd.key"), owners["/etc/pigsty/tls/etcd.key"]]).toEqual(["KEY\n", "0600", "etcd:etcd"]);
    expect(host().read(ETCD_ROOT_ENV)).toBe('ETCDCTL_API=3\nETCDCTL_CACERT=/etc/pigsty/tls/ca.crt\nETCDCTL_USER="root:r\\$\\"t"\n');
    expect([host().mode(ETCD_ROOT_ENV), owners[ETCD_ROOT_ENV]]).toEqual(["0600", "root:root"]);
  });

  test("a fresh member restarts without blocking, then waits until it answers healthy; a member with data restarts and waits", () => {
    expect(systemctl(run().calls)).toEqual(["systemctl restart --no-block etcd", "systemctl enable -q etcd", "systemctl -q is-active etcd"]);
    host().write("/etc/default/etcd", "changed by hand\n");
    const again = run({ data: true });
    expect(systemctl(again.calls)).toEqual(["systemctl restart etcd", "systemctl enable -q etcd", "systemctl -q is-active etcd"]);
    expect(again.calls.filter((c) => c.startsWith("curl"))).toHaveLength(2);
  });

  test("a member that does not answer healthy within 60s fails the step", () => {
    const r = run({ sick: true });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("error: etcd member meta-1 is not healthy 60s after its start; see journalctl -u etcd");
    expect(r.calls.filter((c) => c.startsWith("sleep"))).toHaveLength(60);
  });
});
