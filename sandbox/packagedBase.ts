// The base image with the packages every Postgres member installs first (steps/node.ts's PG_PACKAGES) already
// installed, for nodes reset with `--packaged`: the e2e files whose subject comes after the install (day-2, outage,
// backup, operator) skip about a minute and a half of three parallel installs per deployment. Built once per machine
// from the cached base, in a chroot, as the prepare step installs them (Debian's default cluster kept away, the same
// apt options), with no service started; a changed package list builds it again.
import * as fs from "node:fs";
import * as path from "node:path";
import { PG_PACKAGES } from "../steps/node";
import { BASE_RECIPE, removeTree, unmountBelow } from "./base";
import { run, runLogged } from "./host";
import type { Progress } from "./progress";
import { paths } from "./state";

export const PACKAGED_RECIPE = `pigsty-sandbox-packaged/1 on ${BASE_RECIPE}: ${PG_PACKAGES.join(" ")}`;
const stamp = () => path.join(paths.packaged, ".pigsty-sandbox-packaged");

export function packagedReady(): boolean {
  try {
    return fs.readFileSync(stamp(), "utf8").trim() === PACKAGED_RECIPE;
  } catch {
    return false;
  }
}

/** Builds (or rebuilds, when its package list changed) the packaged image; `aptOptions` as for the base. */
export async function ensurePackagedBase(aptOptions: string[], progress: Progress): Promise<void> {
  if (packagedReady()) return;
  const log = path.join(paths.logs, "packaged.log");
  fs.mkdirSync(paths.logs, { recursive: true });
  progress(`building the packaged image (the base with ${PG_PACKAGES.join(", ")}; once), log: ${log}`);
  removeTree(paths.packagedTmp);
  run("cp", ["-a", paths.base, paths.packagedTmp]);
  const root = paths.packagedTmp;
  const env = { ...process.env, LC_ALL: "C", DEBIAN_FRONTEND: "noninteractive" };
  const apt = (...args: string[]) => runLogged("chroot", [root, "apt-get", ...aptOptions, ...args], log, env);
  try {
    fs.mkdirSync(path.join(root, "etc/postgresql-common"), { recursive: true });
    fs.writeFileSync(path.join(root, "etc/postgresql-common/createcluster.conf"), "create_main_cluster = false\n");
    fs.writeFileSync(path.join(root, "usr/sbin/policy-rc.d"), "#!/bin/sh\nexit 101\n", { mode: 0o755 });
    fs.copyFileSync("/etc/resolv.conf", path.join(root, "etc/resolv.conf"));
    run("mount", ["-t", "proc", "proc", path.join(root, "proc")]);
    const install = () => apt("install", "-y", "-q", "-o", "Dpkg::Options::=--force-confold", "--no-install-recommends", ...PG_PACKAGES);
    await install().catch(async () => {
      await apt("update", "-q");
      await install();
    });
    await apt("clean");
  } finally {
    unmountBelow(root);
  }
  fs.rmSync(path.join(root, "usr/sbin/policy-rc.d"));
  fs.writeFileSync(path.join(root, "etc/resolv.conf"), "");
  fs.writeFileSync(path.join(root, "etc/machine-id"), "");
  fs.rmSync(path.join(root, "var/lib/dbus/machine-id"), { force: true });
  for (const f of fs.readdirSync(path.join(root, "etc/ssh"))) {
    if (f.startsWith("ssh_host_")) fs.rmSync(path.join(root, "etc/ssh", f));
  }
  fs.writeFileSync(path.join(root, ".pigsty-sandbox-packaged"), `${PACKAGED_RECIPE}\n`);
  removeTree(paths.packaged);
  fs.renameSync(root, paths.packaged);
  progress("packaged image cached");
}
