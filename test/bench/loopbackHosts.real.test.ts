// The bench's loopback hosts (bench/loopbackHosts.ts) with OpenSSH's sshd and ssh (real-tools tier; a missing tool
// fails, never skips): a session through a forwarder that pins the host key, runs no command and drains its input.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLoopbackHosts } from "../../bench/loopbackHosts";

describe("with OpenSSH", () => {
  test("a session on a host's address runs no script, reads its input and exits 0; a wrong host key is refused", async () => {
    const hosts = await startLoopbackHosts(["127.1.0.1", "127.1.9.9"]);
    const dir = mkdtempSync(join(tmpdir(), "pigsty-known-"));
    const marker = join(dir, "must-not-exist");
    const ssh = (hostKey: string) => {
      writeFileSync(join(dir, "known"), `[127.1.9.9]:${hosts.port} ${hostKey}\n`);
      const args = ["-i", hosts.keyPath, "-p", String(hosts.port), "-o", `UserKnownHostsFile=${join(dir, "known")}`, "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes"];
      return new Promise<{ code: number; stdout: string }>((done) => {
        const child = execFile("ssh", [...args, `${hosts.user}@127.1.9.9`, `touch ${marker}; echo ran`], (e, stdout) => done({ code: e ? Number(e.code) : 0, stdout }));
        child.stdin?.end("x".repeat(100_000));
      });
    };
    try {
      expect(await ssh(hosts.hostKey)).toEqual({ code: 0, stdout: "" });
      expect(existsSync(marker)).toBe(false);
      expect((await ssh("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEJlbmNoSG9zdEtleU9ubHlOb3RSZWFs")).code).toBe(255);
    } finally {
      await hosts.stop();
      rmSync(dir, { recursive: true, force: true });
    }
    expect(existsSync(hosts.keyPath)).toBe(false);
  }, 30_000);
});
