// The last release our users run: its program, taken from git history, deploys the e2e stack first, so that this
// program's first `up` is the upgrade an existing stack gets (an existing stack must be upgraded in place).
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { E2E_PASSPHRASE, E2E_STACK } from "./engine";
import { REPO_ROOT } from "./sandbox";

/**
 * The newest commit whose CI passed and landed (2026-12-03, night: stop 35). Move it forward when a later stop lands, so
 * the upgrade tested is the one users get next.
 */
export const LAST_RELEASE = "e96d41525cf4d42aadb5b544524d8e532eb00648";

/**
 * The release the day-2 file upgrades from: LAST_RELEASE, or PIGSTY_UPGRADE_FROM (any commit of this clone), to prove
 * the upgrade from an older release by hand, e.g. from before TLS (docs/testing.md).
 */
export const UPGRADE_FROM = process.env.PIGSTY_UPGRADE_FROM || LAST_RELEASE;

/** The release's program as files in a scratch folder (from git, never from the working tree), ready to run. */
export function releaseProgram(commit = UPGRADE_FROM): string {
  const git = (...args: string[]) => execFileSync("git", ["-C", REPO_ROOT, ...args], { encoding: "utf8" });
  try {
    git("cat-file", "-e", `${commit}^{commit}`);
  } catch {
    throw new Error(`the upgrade case needs the last release's commit ${commit} in this clone's history (a shallow clone lacks it): fetch the full history`);
  }
  const dir = path.join(os.tmpdir(), `pigsty-release-${commit.slice(0, 12)}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  execFileSync("bash", ["-c", `git -C "$1" archive --format=tar "$2" | tar -x -C "$3"`, "release", REPO_ROOT, commit, dir]);
  // Its packages are a subset of this one's (package.json), and the sandbox's hosts file is the same.
  fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"));
  fs.symlinkSync(path.join(REPO_ROOT, ".sandbox"), path.join(dir, ".sandbox"));
  return dir;
}

/** The e2e stack, same backend and config (copied from this project), driven by the release's program in `dir`. */
export async function releaseStack(dir: string): Promise<Stack> {
  fs.copyFileSync(path.join(REPO_ROOT, `Pulumi.${E2E_STACK}.yaml`), path.join(dir, `Pulumi.${E2E_STACK}.yaml`));
  const pulumiCommand = await PulumiCommand.get({ root: path.join(REPO_ROOT, ".toolchain"), skipVersionCheck: true });
  const ws = await LocalWorkspace.create({ workDir: dir, pulumiCommand, envVars: { PULUMI_CONFIG_PASSPHRASE: E2E_PASSPHRASE } });
  return Stack.select(E2E_STACK, ws);
}
