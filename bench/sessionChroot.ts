// The directory every session of the bench's sshd is locked into (ChrootDirectory): the program copies the
// dashboards to the infra node by sftp, and on loopback hosts that copy runs as this machine's user, root when the
// bench runs as root; in the chroot it lands in the bench's temp dir, never in this machine's /var/lib/pigsty. It holds
// only what a session runs: the user's login shell (sshd runs the forced command with it), the session script, `cat`,
// OpenSSH's sftp server, their shared libraries, /dev/null (a device node made by mknod) and a one-line /etc/passwd.
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";

/** OpenSSH's sftp server as Debian installs it (openssh-sftp-server). */
export const SFTP_SERVER = "/usr/lib/openssh/sftp-server";
const CAT = "/bin/cat";
/** The forced command: the script at this path inside the chroot. */
export const SESSION_SCRIPT = "/pigsty-bench-session";

export interface ChrootUser {
  name: string;
  uid: number;
  gid: number;
  homedir: string;
  /** The login shell (sshd runs the forced command as `<shell> -c <command>`, inside the chroot). */
  shell: string;
}

/**
 * Why a chroot cannot be made here, or undefined: sshd chroots only as root (and as root, every session of the
 * bench's own user is root too, which is why the copy must be locked in).
 */
export function chrootSkipReason(uid: number = process.getuid?.() ?? -1): string | undefined {
  if (uid !== 0) return "the bench's sshd can lock its sessions into a chroot only when run as root";
  if (!existsSync(SFTP_SERVER)) return `no ${SFTP_SERVER} (install openssh-sftp-server)`;
  return undefined;
}

/**
 * The first component of `path` (itself included) that sshd would refuse as a chroot: each must be owned by root and
 * writable by no group or other user. Undefined when all pass.
 */
export function unsafeChrootComponent(path: string): string | undefined {
  const parts = resolve(path).split(sep).filter(Boolean);
  for (let i = 0; i <= parts.length; i++) {
    const p = sep + parts.slice(0, i).join(sep);
    const st = statSync(p);
    if (st.uid !== 0 || (st.mode & 0o022) !== 0) return p;
  }
  return undefined;
}

/** The absolute paths of the shared libraries (and the loader) in `ldd`'s output. */
export function librariesOf(lddOutput: string): string[] {
  return lddOutput
    .split("\n")
    .map((line) => /(?:=>\s*)?(\/\S+)\s+\(0x[0-9a-f]+\)/.exec(line)?.[1])
    .filter((p): p is string => p !== undefined);
}

/**
 * The session script: sshd runs it for every session, sftp included (ForceCommand covers subsystem requests, which
 * then carry the subsystem's command in SSH_ORIGINAL_COMMAND). An sftp request gets the sftp server; anything else
 * has its input read to the end and exits 0, so no script runs. A command that is exactly the sftp server's path
 * also gets it; the program never sends one, and it stays in the chroot.
 */
export function sessionScript(shell: string): string {
  return [
    `#!${shell}`,
    `if [ "\${SSH_ORIGINAL_COMMAND:-}" = "${SFTP_SERVER}" ]; then exec ${SFTP_SERVER}; fi`,
    `exec ${CAT} >/dev/null`,
    "",
  ].join("\n");
}

/** Copies `file` (symlinks followed) to the same path under `root`, with its mode. */
function copyInto(root: string, file: string): void {
  const target = join(root, file);
  mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
  copyFileSync(file, target);
  chmodSync(target, statSync(file).mode & 0o7777);
}

/** Fills `root` (an empty, root-owned directory) with what a session runs; throws when sshd would refuse it. */
export function makeSessionChroot(root: string, user: ChrootUser): void {
  const unsafe = unsafeChrootComponent(root);
  if (unsafe) throw new Error(`sshd refuses ${root} as a chroot: ${unsafe} is not root's alone (owned by root, not group or world writable)`);
  chmodSync(root, 0o755);
  const programs = [user.shell, CAT, SFTP_SERVER];
  const libraries = programs.flatMap((p) => librariesOf(execFileSync("ldd", [p], { encoding: "utf8" })));
  for (const file of new Set([...programs, ...libraries])) copyInto(root, file);
  mkdirSync(join(root, "dev"), { mode: 0o755 });
  execFileSync("mknod", ["-m", "666", join(root, "dev", "null"), "c", "1", "3"]);
  // The sftp server looks its user up by uid before it serves anything.
  mkdirSync(join(root, "etc"), { mode: 0o755 });
  writeFileSync(join(root, "etc", "passwd"), `${user.name}:x:${user.uid}:${user.gid}::${user.homedir}:${user.shell}\n`, { mode: 0o644 });
  mkdirSync(join(root, user.homedir), { recursive: true, mode: 0o700 });
  writeFileSync(join(root, SESSION_SCRIPT), sessionScript(user.shell), { mode: 0o755 });
}
