// The host's apt: its sources and settings (the nodes copy them) and the packages the sandbox needs on it.
import * as fs from "node:fs";
import * as path from "node:path";
import { AptEntry, parseDeb822, parseOneLine } from "./apt";
import { packageInstalled, run, runLogged } from "./host";
import { Progress } from "./progress";
import { AptHostSettings } from "./render";
import { paths } from "./state";

export const HOST_PACKAGES = ["debootstrap", "systemd-container", "iproute2", "tinyproxy-bin", "openssh-client"];

export function hostAptSources(): AptEntry[] {
  const entries: AptEntry[] = [];
  const dir = "/etc/apt/sources.list.d";
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
  for (const f of files) {
    const text = fs.readFileSync(path.join(dir, f), "utf8");
    if (f.endsWith(".sources")) entries.push(...parseDeb822(text));
    else if (f.endsWith(".list")) entries.push(...parseOneLine(text));
  }
  if (fs.existsSync("/etc/apt/sources.list")) entries.push(...parseOneLine(fs.readFileSync("/etc/apt/sources.list", "utf8")));
  return entries;
}

export function hostAptSettings(): AptHostSettings {
  const dump = run("apt-config", ["dump"]);
  const get = (key: string) => new RegExp(`^${key.replace(/:/g, "\\:")} "([^"]*)";$`, "m").exec(dump)?.[1];
  return { checkValidUntil: get("Acquire::Check-Valid-Until"), checkDate: get("Acquire::Check-Date") };
}

export function aptOptions(s: AptHostSettings): string[] {
  const o: string[] = [];
  if (s.checkValidUntil !== undefined) o.push("-o", `Acquire::Check-Valid-Until=${s.checkValidUntil}`);
  if (s.checkDate !== undefined) o.push("-o", `Acquire::Check-Date=${s.checkDate}`);
  return o;
}

export async function ensureHostPackages(progress: Progress): Promise<void> {
  const missing = HOST_PACKAGES.filter((p) => !packageInstalled(p));
  if (missing.length === 0) return;
  progress(`installing host packages: ${missing.join(" ")}`);
  fs.mkdirSync(paths.logs, { recursive: true });
  const log = path.join(paths.logs, "host-apt.log");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const install = () => runLogged("apt-get", ["install", "-y", "--no-install-recommends", ...missing], log, env);
  try {
    await install();
  } catch {
    progress("apt-get install failed; apt-get update and retry");
    await runLogged("apt-get", ["update"], log, env);
    await install();
  }
}
