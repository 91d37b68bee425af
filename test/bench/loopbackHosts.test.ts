// The bench's loopback hosts (bench/loopbackHosts.ts): its sshd config, and that only loopback addresses are served.
// test/bench/loopbackHosts.real.test.ts runs a session through them with OpenSSH.
import { FORCED_COMMAND, sshdConfig, startLoopbackHosts } from "../../bench/loopbackHosts";

test("the sshd listens on 127.0.0.1 only, forces the draining command and takes many connections at once", () => {
  const config = sshdConfig("/tmp/x", 2222, "root");
  expect(config.split("\n").filter((l) => l.startsWith("ListenAddress"))).toEqual(["ListenAddress 127.0.0.1:2222"]);
  expect(config).toContain(`ForceCommand ${FORCED_COMMAND}`);
  expect(config).toContain("PasswordAuthentication no");
  expect(config).toContain("PermitRootLogin prohibit-password");
  expect(Number(/MaxStartups (\d+)/.exec(config)?.[1])).toBeGreaterThanOrEqual(100);
  expect(sshdConfig("/tmp/x", 2222, "dev")).toContain("PermitRootLogin no");
});

test("only loopback addresses are served", async () => {
  await expect(startLoopbackHosts(["127.1.0.1", "10.10.10.11"])).rejects.toThrow("loopback hosts only: 10.10.10.11");
});
