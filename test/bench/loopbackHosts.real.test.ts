// The bench's loopback hosts (bench/loopbackHosts.ts) with OpenSSH's sshd, ssh and sftp (real-tools tier; a missing
// tool fails, never skips): a session through a forwarder pins the host key, runs no command and drains its input. As
// root, sftp is served inside the sessions' chroot: OpenSSH's sftp client and a CopyToRemote through the project's
// CLI (on a throw-away program) both write to a path of this machine's /var/lib and the files land in the chroot, not
// there; everything the bench made is gone after stop(). Not as root, sftp is not served at all.
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLoopbackHosts, type LoopbackHosts } from "../../bench/loopbackHosts";

const repo = join(__dirname, "..", "..");
const PULUMI = join(repo, ".toolchain", "bin", "pulumi");
/** A path of this machine that the probes aim at; it must not exist before or after. */
const PROBE_DIR = "/var/lib/pigsty-bench-probe";
const root = process.getuid?.() === 0;

/** Runs a program to its end without blocking the event loop (the forwarders run in this process). */
function run(file: string, args: string[], input = "", options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(file, args, options);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => done({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** ssh/sftp options for `hosts`, the host key pinned in a known-hosts file in `dir`. */
function clientOptions(hosts: LoopbackHosts, dir: string, address: string, hostKey = hosts.hostKey): string[] {
  writeFileSync(join(dir, "known"), `[${address}]:${hosts.port} ${hostKey}\n`);
  return ["-i", hosts.keyPath, "-o", `UserKnownHostsFile=${join(dir, "known")}`, "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes"];
}

describe("with OpenSSH", () => {
  test("a session on a host's address runs no script, reads its input and exits 0; a wrong host key is refused", async () => {
    const hosts = await startLoopbackHosts(["127.1.0.1", "127.1.9.9"]);
    const dir = mkdtempSync(join(tmpdir(), "pigsty-known-"));
    const marker = join(dir, "must-not-exist");
    const ssh = (hostKey: string) => new Promise<{ code: number; stdout: string }>((done) => {
      const args = clientOptions(hosts, dir, "127.1.9.9", hostKey);
      const child = execFile("ssh", [...args, "-p", String(hosts.port), `${hosts.user}@127.1.9.9`, `touch ${marker}; echo ran`], (e, stdout) => done({ code: e ? Number(e.code) : 0, stdout }));
      child.stdin?.end("x".repeat(100_000));
    });
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

  (root ? test : test.skip)("as root, sftp writes land in the sessions' chroot, never in this machine's /var/lib; a command session still only drains its input", async () => {
    expect(existsSync(PROBE_DIR)).toBe(false);
    const hosts = await startLoopbackHosts(["127.1.9.9"]);
    const dir = mkdtempSync(join(tmpdir(), "pigsty-sftp-"));
    try {
      const chroot = hosts.chroot as string;
      expect(chroot).toBeDefined();
      expect(chroot.startsWith("/tmp/")).toBe(false);
      writeFileSync(join(dir, "x"), "probe by sftp\n");
      const args = clientOptions(hosts, dir, "127.1.9.9");
      const batch = ["-mkdir /var", "-mkdir /var/lib", `mkdir ${PROBE_DIR}`, `put ${join(dir, "x")} ${PROBE_DIR}/x`, ""].join("\n");
      const sftp = await run("sftp", [...args, "-P", String(hosts.port), "-b", "-", `${hosts.user}@127.1.9.9`], batch);
      expect(sftp).toMatchObject({ code: 0, stderr: "" });
      expect(readFileSync(join(chroot, PROBE_DIR, "x"), "utf8")).toBe("probe by sftp\n");
      expect(existsSync(PROBE_DIR)).toBe(false);

      const marker = join(PROBE_DIR, "ran");
      const ssh = await run("ssh", [...args, "-p", String(hosts.port), `${hosts.user}@127.1.9.9`, `mkdir -p ${PROBE_DIR}; touch ${marker}; echo ran`], "x".repeat(100_000));
      expect(ssh).toEqual({ code: 0, stdout: "", stderr: "" });
      expect(existsSync(join(chroot, marker))).toBe(false);
      expect(existsSync(marker)).toBe(false);

      await engineCopy(hosts, dir, chroot);
    } finally {
      await hosts.stop();
      rmSync(dir, { recursive: true, force: true });
    }
    expect(existsSync(hosts.chroot as string)).toBe(false);
    expect(existsSync(PROBE_DIR)).toBe(false);
    expect(() => process.kill(hosts.sshdPid, 0)).toThrow();
  }, 180_000);

  (root ? test.skip : test)("not as root, no sftp is served (the bench skips the parts that copy)", async () => {
    const hosts = await startLoopbackHosts(["127.1.9.9"]);
    const dir = mkdtempSync(join(tmpdir(), "pigsty-sftp-"));
    try {
      expect(hosts.chroot).toBeUndefined();
      const sftp = await run("sftp", [...clientOptions(hosts, dir, "127.1.9.9"), "-P", String(hosts.port), "-b", "-", `${hosts.user}@127.1.9.9`], "ls\n");
      expect(sftp.code).not.toBe(0);
    } finally {
      await hosts.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

/**
 * The provider's own sftp copy (what the dashboards' copy does): a throw-away program with a CopyToRemote of a folder
 * to PROBE_DIR and a remote command with input, `up` by the project's CLI on a backend in `dir`.
 */
async function engineCopy(hosts: LoopbackHosts, dir: string, chroot: string): Promise<void> {
  const prog = join(dir, "program");
  mkdirSync(join(prog, "files", "sub"), { recursive: true });
  writeFileSync(join(prog, "files", "a.json"), '{"copied": true}\n');
  writeFileSync(join(prog, "files", "sub", "b.txt"), "nested\n");
  mkdirSync(join(dir, "state"));
  writeFileSync(join(prog, "Pulumi.yaml"), "name: sftpprobe\nruntime: nodejs\n");
  writeFileSync(join(prog, "package.json"), JSON.stringify({ name: "sftpprobe", main: "index.js" }));
  symlinkSync(join(repo, "node_modules"), join(prog, "node_modules"));
  writeFileSync(
    join(prog, "index.js"),
    `const fs = require("fs");
const pulumi = require("@pulumi/pulumi");
const command = require("@pulumi/command");
const connection = { host: "127.1.9.9", port: ${hosts.port}, user: ${JSON.stringify(hosts.user)}, privateKey: pulumi.secret(fs.readFileSync(${JSON.stringify(hosts.keyPath)}, "utf8")), hostKey: ${JSON.stringify(hosts.hostKey)} };
new command.remote.CopyToRemote("copy", { connection, source: new pulumi.asset.FileArchive(${JSON.stringify(join(prog, "files"))}), remotePath: "${PROBE_DIR}/engine" });
const step = new command.remote.Command("step", { connection, create: "mkdir -p ${PROBE_DIR}; echo ran", stdin: "x".repeat(100000) });
exports.stdout = step.stdout;
`,
  );
  const env = { ...process.env, PULUMI_BACKEND_URL: `file://${join(dir, "state")}`, PULUMI_CONFIG_PASSPHRASE: "test-only" };
  const pulumi = (...args: string[]) => run(PULUMI, [...args, "--non-interactive"], "", { cwd: prog, env });
  expect((await pulumi("stack", "init", "probe")).code).toBe(0);
  const up = await pulumi("up", "--yes", "--skip-preview", "--stack", "probe");
  expect(up).toMatchObject({ code: 0, stderr: "" });
  // The folder's name is kept under the remote path (the provider copies `files`, not its contents).
  expect(readFileSync(join(chroot, PROBE_DIR, "engine", "files", "a.json"), "utf8")).toBe('{"copied": true}\n');
  expect(readFileSync(join(chroot, PROBE_DIR, "engine", "files", "sub", "b.txt"), "utf8")).toBe("nested\n");
  expect(existsSync(PROBE_DIR)).toBe(false);
  const out = await pulumi("stack", "output", "stdout", "--stack", "probe");
  expect(out).toMatchObject({ code: 0, stdout: "\n" });
  expect((await pulumi("stack", "rm", "probe", "--yes", "--force")).code).toBe(0);
}
