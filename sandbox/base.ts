// The cached Debian 12 base root filesystem: built once with debootstrap, shared read-only
// (as the overlay's lower dir) by every node.
import * as fs from "node:fs";
import * as path from "node:path";
import { AptEntry, RELEASE, debootstrapMirror, renderNodeSources } from "./apt";
import { mountPoints, run, runLogged, tryRun } from "./host";
import { ADMIN_USER } from "./render";
import { paths } from "./state";

/** Bump when the recipe below changes; an older base is reported, not silently rebuilt. */
export const BASE_RECIPE = "pigsty-sandbox-base/3";

export const BASE_PACKAGES = [
  "systemd",
  "systemd-sysv",
  "dbus",
  "openssh-server",
  "iproute2",
  "python3",
  "sudo",
  "ca-certificates",
  "curl",
  "less",
  "procps",
  "iputils-ping",
  "locales",
];

/** Units that are useless or noisy in a container, or that would run apt behind the program's back. */
export const MASKED_UNITS = [
  "console-getty.service",
  "getty@tty1.service",
  "apt-daily.timer",
  "apt-daily-upgrade.timer",
  "e2scrub_all.timer",
  "e2scrub_reap.service",
  "fstrim.timer",
  "systemd-networkd-wait-online.service",
];

export function baseReady(): { ready: boolean; recipe?: string } {
  try {
    return { ready: true, recipe: fs.readFileSync(paths.baseStamp, "utf8").trim() };
  } catch {
    return { ready: false };
  }
}

/** Unmount everything below dir (deepest first) so that a recursive delete stays on its disk. */
export function unmountBelow(dir: string): void {
  const below = mountPoints()
    .filter((m) => m === dir || m.startsWith(dir + "/"))
    .sort((a, b) => b.length - a.length);
  for (const m of below) run("umount", ["-l", m]);
}

export function removeTree(dir: string): void {
  if (!fs.existsSync(dir)) return;
  unmountBelow(dir);
  run("rm", ["-rf", "--one-file-system", dir]);
}

export interface BuildOptions {
  sources: AptEntry[];
  aptOptions: string[];
  progress: (msg: string) => void;
}

export async function buildBase(o: BuildOptions): Promise<void> {
  const log = path.join(paths.logs, "base.log");
  fs.mkdirSync(paths.logs, { recursive: true });
  // A run killed halfway leaves base.tmp (maybe with /proc still mounted in it): start over.
  removeTree(paths.baseTmp);
  const mirror = debootstrapMirror(o.sources);
  o.progress(`debootstrap ${RELEASE} (minbase + ${BASE_PACKAGES.length} packages), log: ${log}`);
  await runLogged(
    "debootstrap",
    ["--variant=minbase", `--include=${BASE_PACKAGES.join(",")}`, RELEASE, paths.baseTmp, mirror],
    log,
  );
  unmountBelow(paths.baseTmp);
  o.progress("configure base (admin user, locale, masked units, apt lists)");
  const root = paths.baseTmp;
  const chroot = (...args: string[]) => run("chroot", [root, ...args], { env: { ...process.env, LC_ALL: "C", DEBIAN_FRONTEND: "noninteractive" } });
  if (tryRun("chroot", [root, "id", ADMIN_USER]).code !== 0) {
    chroot("useradd", "--create-home", "--shell", "/bin/bash", "--user-group", "--comment", "Pigsty admin", ADMIN_USER);
  }
  fs.writeFileSync(path.join(root, "etc/locale.gen"), "en_US.UTF-8 UTF-8\n");
  chroot("locale-gen");
  fs.writeFileSync(path.join(root, "etc/default/locale"), "LANG=C.UTF-8\n");
  for (const unit of MASKED_UNITS) {
    const link = path.join(root, "etc/systemd/system", unit);
    fs.rmSync(link, { force: true });
    fs.symlinkSync("/dev/null", link);
  }
  // Per-node identity is created on each node's own disk, never shared through the base.
  for (const f of fs.readdirSync(path.join(root, "etc/ssh"))) {
    if (f.startsWith("ssh_host_")) fs.rmSync(path.join(root, "etc/ssh", f));
  }
  fs.writeFileSync(path.join(root, "etc/machine-id"), "");
  fs.rmSync(path.join(root, "var/lib/dbus/machine-id"), { force: true });
  // Package lists once, here (straight from the mirror like debootstrap); nodes refresh through the proxy.
  fs.writeFileSync(path.join(root, "etc/apt/sources.list"), "# see sources.list.d/debian.sources\n");
  fs.writeFileSync(path.join(root, "etc/apt/sources.list.d/debian.sources"), renderNodeSources(o.sources));
  fs.copyFileSync("/etc/resolv.conf", path.join(root, "etc/resolv.conf"));
  o.progress("apt-get update in the base");
  await runLogged("chroot", [root, "apt-get", ...o.aptOptions, "update"], log);
  chroot("apt-get", "clean");
  fs.writeFileSync(path.join(root, "etc/resolv.conf"), "");
  fs.writeFileSync(path.join(root, ".pigsty-sandbox-base"), `${BASE_RECIPE}\n`);
  fs.renameSync(paths.baseTmp, paths.base);
}
