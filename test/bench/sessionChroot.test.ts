// The chroot of the bench's sshd sessions (bench/sessionChroot.ts): what it copies, what sshd would refuse, the
// session script's choice and when the bench cannot make one. test/bench/loopbackHosts.real.test.ts makes a real one.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chrootSkipReason, librariesOf, sessionScript, SFTP_SERVER, unsafeChrootComponent } from "../../bench/sessionChroot";

test("the libraries and the loader are read from ldd's output; the kernel's vdso is not a file", () => {
  const ldd = [
    "\tlinux-vdso.so.1 (0x00007ffd1c3f2000)",
    "\tlibtinfo.so.6 => /lib/x86_64-linux-gnu/libtinfo.so.6 (0x00007f0b5b8a0000)",
    "\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f0b5b6be000)",
    "\t/lib64/ld-linux-x86-64.so.2 (0x00007f0b5ba26000)",
    "",
  ].join("\n");
  expect(librariesOf(ldd)).toEqual(["/lib/x86_64-linux-gnu/libtinfo.so.6", "/lib/x86_64-linux-gnu/libc.so.6", "/lib64/ld-linux-x86-64.so.2"]);
});

test("a chroot path with a component others may write to is refused, and that component is named", () => {
  const dir = mkdtempSync(join(tmpdir(), "pigsty-chroot-"));
  try {
    chmodSync(dir, 0o777);
    const unsafe = unsafeChrootComponent(join(dir, "."));
    expect(unsafe).toBeDefined();
    // Whatever comes first (the temp dir's parent may already be world-writable, or not root's), it is on the path.
    expect(dir.startsWith(unsafe as string)).toBe(true);
    expect(unsafeChrootComponent("/")).toBeUndefined();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("only root can lock sessions in a chroot", () => {
  expect(chrootSkipReason(1000)).toMatch(/only when run as root/);
});

test("the session script hands an sftp request to the sftp server and drains every other session's input", () => {
  const script = sessionScript("/bin/sh");
  expect(script.split("\n")[0]).toBe("#!/bin/sh");
  // Outside any chroot, with the commands it would exec replaced by ones that say which ran.
  const probe = script.replace(`exec ${SFTP_SERVER}`, "exec echo sftp").replace("exec /bin/cat >/dev/null", "exec wc -c");
  const run = (original: string | undefined) =>
    spawnSync("/bin/sh", ["-c", probe], { input: "12345", encoding: "utf8", env: original === undefined ? {} : { SSH_ORIGINAL_COMMAND: original } }).stdout.trim();
  expect(run(SFTP_SERVER)).toBe("sftp");
  expect(run("internal-sftp")).toBe("5");
  expect(run("set -euo pipefail; echo step")).toBe("5");
  expect(run(undefined)).toBe("5");
});
