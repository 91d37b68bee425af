// The bench's loopback hosts (bench/loopbackHosts.ts): its sshd config, and that only loopback addresses are served.
// test/bench/loopbackHosts.real.test.ts runs sessions through them with OpenSSH.
import { FORCED_COMMAND, sshdConfig, startLoopbackHosts } from "../../bench/loopbackHosts";
import { SESSION_SCRIPT, SFTP_SERVER } from "../../bench/sessionChroot";

test("the sshd listens on 127.0.0.1 only, forces the draining command and takes many connections at once", () => {
  const config = sshdConfig("/tmp/x", 2222, "root");
  expect(config.split("\n").filter((l) => l.startsWith("ListenAddress"))).toEqual(["ListenAddress 127.0.0.1:2222"]);
  expect(config).toContain(`ForceCommand ${FORCED_COMMAND}`);
  expect(config).not.toMatch(/^(Subsystem|ChrootDirectory)/m);
  expect(config).toContain("PasswordAuthentication no");
  expect(config).toContain("PermitRootLogin prohibit-password");
  expect(Number(/MaxStartups (\d+)/.exec(config)?.[1])).toBeGreaterThanOrEqual(100);
  expect(sshdConfig("/tmp/x", 2222, "dev")).toContain("PermitRootLogin no");
});

test("with a chroot, every session is locked in it and runs the session script, which also serves sftp", () => {
  const lines = sshdConfig("/run/x", 2222, "root", "/run/x/root").split("\n");
  expect(lines).toContain("ChrootDirectory /run/x/root");
  expect(lines).toContain(`Subsystem sftp ${SFTP_SERVER}`);
  expect(lines.filter((l) => l.startsWith("ForceCommand"))).toEqual([`ForceCommand ${SESSION_SCRIPT}`]);
  // No Match block may lift the chroot or the forced command for some sessions.
  expect(lines.some((l) => l.startsWith("Match"))).toBe(false);
});

test("only loopback addresses are served", async () => {
  await expect(startLoopbackHosts(["127.1.0.1", "10.10.10.11"])).rejects.toThrow("loopback hosts only: 10.10.10.11");
});
