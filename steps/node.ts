// Host preparation shared by every node: packages, Debian's default cluster kept away, the `pt` alias.
import { PATRONI_YML, PG_BIN_DIR, PG_CONF_DIR, PG_HBA_DIR, PG_ROOT, WATCHDOG_DEVICE } from "../render/paths";
import { installLibraryLines } from "./hostLibrary";
import { quote } from "./shell";
import { bootstrapStep, type HostStep } from "./step";

export const PG_PACKAGES = [
  "postgresql-15",
  "patroni",
  "pgbouncer",
  "haproxy",
  "etcd-client",
  "curl",
  "prometheus-node-exporter",
  "prometheus-postgres-exporter",
];
/** What a member needs besides PG_PACKAGES: keepalived for a cluster's VIP (sudo, for the role-change callback, is on every host). */
export function memberPackages(cluster: { vip?: unknown }): string[] {
  return cluster.vip ? [...PG_PACKAGES, "keepalived"] : PG_PACKAGES;
}
/** A DCS server that is not the infra node needs only etcd. */
export const DCS_PACKAGES = ["etcd-server", "etcd-client", "curl"];
/** A backup repository host (steps/backup.ts installs the same again, for a repository on the infra node or a DCS server). */
export const BACKUP_REPO_PACKAGES = ["pgbackrest", "python3", "prometheus-node-exporter"];
export const INFRA_PACKAGES = ["etcd-server", "etcd-client", "curl", "python3", "prometheus", "prometheus-alertmanager", "prometheus-blackbox-exporter", "nginx", "prometheus-node-exporter"];

/**
 * Lines that install the packages that are missing; apt's lists are refreshed only when an install fails. A run cut
 * off mid-install (a killed `pulumi up`) may leave dpkg half-done or apt still running: they finish the configuration,
 * and wait for the lock instead of failing on it. Run after `export DEBIAN_FRONTEND=noninteractive`.
 */
export function installPackages(packages: string[]): string[] {
  return [
    `missing=$(for p in ${packages.map(quote).join(" ")}; do dpkg-query -W -f='\${Status}\\n' "$p" 2>/dev/null | grep -c '^install ok installed' >/dev/null || echo "$p"; done)`,
    'if [ -n "$missing" ]; then',
    '  say "installing:" $missing',
    "  dpkg --configure -a 2>/dev/null || true  # locked while an earlier apt still runs: apt-get then waits",
    "  apt_install() { apt-get install -y -q -o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confold --no-install-recommends $missing; }",
    "  apt_install || { apt-get update -q -o DPkg::Lock::Timeout=300 && apt_install; }",
    "fi",
  ];
}

/** What a host gets besides its name, its sysctl settings and the packages' apt lists. */
export interface NodeParts {
  packages: string[];
  /** A PostgreSQL member: no Debian `main` cluster, the /pg layout, the `pt` alias. */
  postgres?: boolean;
  /** The account Patroni runs as, given /dev/watchdog when the host has one (patroni_watchdog_mode); undefined = none. */
  watchdogOwner?: string;
  /**
   * Leaves the host's name as it is: a backup repository host's step name (`backup-<ip>`) is no name for a host, and a
   * Postgres member's own preparation names it after the member.
   */
  keepHostname?: boolean;
}

/**
 * Installs what is missing (apt lists refreshed only when an install fails), idempotent and quick when done, and the
 * step library every other step of the host sources (steps/hostLibrary.ts).
 */
export function prepareNode(hostname: string, { packages, postgres = false, watchdogOwner, keepHostname = false }: NodeParts): HostStep {
  const body = ["export DEBIAN_FRONTEND=noninteractive"];
  if (postgres) {
    // Debian's postgresql-common would create and start a `main` cluster on 5432; Patroni owns Postgres here.
    body.push("install -d /etc/postgresql-common", "echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.conf");
  }
  body.push(...installPackages(packages));
  if (!keepHostname) body.push(`[ "$(hostname)" = ${quote(hostname)} ] || hostname ${quote(hostname)} || true`);
  body.push(
    "install -d -m 0755 /etc/sysctl.d",
    "printf 'vm.swappiness = 1\\nnet.core.somaxconn = 4096\\n' >/etc/sysctl.d/90-pigsty.conf",
    "sysctl -q -p /etc/sysctl.d/90-pigsty.conf 2>/dev/null || true  # read-only in containers",
  );
  if (postgres) {
    body.push(
      `install -d -o postgres -g postgres -m 0750 ${[PG_ROOT, PG_BIN_DIR, PG_CONF_DIR, PG_HBA_DIR].join(" ")}`,
      `echo ${quote(`alias pt='sudo -iu postgres patronictl -c ${PATRONI_YML}'`)} >/etc/profile.d/pigsty.sh`,
    );
  }
  if (watchdogOwner) {
    // The udev rule keeps the ownership across reboots; without a device (most VMs lack one unless softdog is
    // loaded, containers never have one) Patroni's automatic mode runs without it.
    const rule = `KERNEL=="watchdog", OWNER=${JSON.stringify(watchdogOwner)}, MODE="0600"`;
    body.push(
      "install -d -m 0755 /etc/udev/rules.d",
      `echo ${quote(rule)} >/etc/udev/rules.d/61-pigsty-watchdog.rules`,
      `if [ -c ${quote(WATCHDOG_DEVICE)} ]; then chown ${quote(watchdogOwner)} ${quote(WATCHDOG_DEVICE)} && chmod 0600 ${quote(WATCHDOG_DEVICE)}; fi`,
    );
  }
  body.push(...installLibraryLines(hostname));
  return bootstrapStep(`prepare ${hostname}`, body);
}
