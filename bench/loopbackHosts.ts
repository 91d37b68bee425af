// Fleet-size hosts for `pulumi up` without machines: one OpenSSH server of the bench's own (its config, host key and
// authorized key in a temp directory, listening on 127.0.0.1 only), reached through a TCP forwarder on each host's
// loopback address (sshd takes at most 16 ListenAddress lines; a fleet has hundreds of addresses). Its forced command
// drains the script's stdin and exits 0, so no script runs: what is left is the engine's, the provider's and the
// SSH round trip's work. As root, every session is locked into a chroot in the temp dir (bench/sessionChroot.ts),
// where it also serves sftp, so the dashboards' copy lands there; otherwise it serves no sftp, and the parts that
// deploy an infra node are skipped. Started and ended by PID; nothing but 127.0.0.0/8 is bound or contacted.
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { descendants, endStillRunning } from "./processes";
import { chrootSkipReason, makeSessionChroot, SESSION_SCRIPT, SFTP_SERVER, unsafeChrootComponent } from "./sessionChroot";

const SSHD = "/usr/sbin/sshd";
/** Debian's sshd refuses to start as root without its privilege separation directory (compiled in). */
const PRIVSEP_DIR = "/run/sshd";
/** What every session runs instead of the script it was sent, without a chroot: read stdin to its end, exit 0. */
export const FORCED_COMMAND = "exec cat >/dev/null";
/** Where the temp dir goes as root when the system's is not root's alone (/tmp is world-writable): sshd checks every
 * component of a chroot's path. */
const ROOT_ONLY_TMP = "/run";
/** Far above the engine's default parallelism (4 x cores) and any `--parallel` the bench uses. */
const MAX_STARTUPS = 1000;

export interface LoopbackHosts {
  /** The port every host address answers SSH on. */
  port: number;
  user: string;
  /** The client's private key file (the bench's own, throw-away). */
  keyPath: string;
  /** The server's public host key, to pin (`ssh-ed25519 AAAA...`). */
  hostKey: string;
  /** The sshd's PID (its connections' processes are its descendants). */
  sshdPid: number;
  /** The directory every session is locked into, where sftp writes land; undefined when sftp is not served. */
  chroot?: string;
  /** Ends the forwarders, then every process under sshd and sshd itself, and removes the temp directory. */
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released). */
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.on("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => done(port));
    });
  });
}

/** The sshd_config of the bench's server; with `chroot`, its sessions are locked there and sftp is served. */
export function sshdConfig(dir: string, port: number, user: string, chroot?: string): string {
  const forced = chroot
    ? [`ChrootDirectory ${chroot}`, `Subsystem sftp ${SFTP_SERVER}`, `ForceCommand ${SESSION_SCRIPT}`]
    : [`ForceCommand ${FORCED_COMMAND}`];
  return [
    `ListenAddress 127.0.0.1:${port}`,
    `HostKey ${join(dir, "host_key")}`,
    `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
    `PidFile ${join(dir, "sshd.pid")}`,
    `AllowUsers ${user}`,
    `PermitRootLogin ${user === "root" ? "prohibit-password" : "no"}`,
    "PubkeyAuthentication yes",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "UsePAM no",
    // Without a chroot the key files sit in a temp directory under the world-writable /tmp, which strict modes refuse.
    "StrictModes no",
    `MaxStartups ${MAX_STARTUPS}`,
    "MaxSessions 100",
    "PermitTTY no",
    "X11Forwarding no",
    "AllowTcpForwarding no",
    "AllowAgentForwarding no",
    "PrintMotd no",
    "PrintLastLog no",
    "LogLevel ERROR",
    ...forced,
    "",
  ].join("\n");
}

/** Waits until something accepts TCP connections on 127.0.0.1:port. */
async function listening(port: number, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`sshd exited (${child.exitCode}): ${log()}`);
    const ok = await new Promise<boolean>((done) => {
      const s = connect(port, "127.0.0.1", () => {
        s.destroy();
        done(true);
      });
      s.on("error", () => done(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sshd did not listen on 127.0.0.1:${port}: ${log()}`);
}

/** One forwarder per address: address:port -> 127.0.0.1:target. */
async function forwarders(addresses: string[], port: number, target: number): Promise<{ servers: Server[]; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  };
  const servers = await Promise.all(
    addresses.map(
      (address) =>
        new Promise<Server>((done, fail) => {
          const server = createServer((client) => {
            const upstream = connect(target, "127.0.0.1");
            track(client);
            track(upstream);
            client.pipe(upstream);
            upstream.pipe(client);
            client.on("error", () => upstream.destroy());
            upstream.on("error", () => client.destroy());
          });
          server.on("error", fail);
          server.listen(port, address, () => done(server));
        }),
    ),
  );
  return { servers, sockets };
}

/** Starts the bench's sshd and a forwarder on each of `addresses` (each in 127.0.0.0/8). */
export async function startLoopbackHosts(addresses: string[]): Promise<LoopbackHosts> {
  const outside = addresses.filter((a) => !/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a));
  if (outside.length > 0) throw new Error(`loopback hosts only: ${outside.join(", ")}`);
  if (!existsSync(SSHD)) throw new Error(`no ${SSHD}: install openssh-server`);
  const me = userInfo();
  const user = me.username;
  const chrooted = chrootSkipReason() === undefined;
  const base = chrooted && unsafeChrootComponent(tmpdir()) !== undefined ? ROOT_ONLY_TMP : tmpdir();
  const dir = mkdtempSync(join(base, "pigsty-bench-sshd-"));
  const chroot = chrooted ? join(dir, "root") : undefined;
  const keygen = (file: string) => execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "pigsty-bench", "-f", join(dir, file)]);
  keygen("host_key");
  keygen("client_key");
  writeFileSync(join(dir, "authorized_keys"), readFileSync(join(dir, "client_key.pub")), { mode: 0o600 });
  const hostKey = readFileSync(join(dir, "host_key.pub"), "utf8").trim().split(" ").slice(0, 2).join(" ");
  if (chroot) {
    mkdirSync(chroot, { mode: 0o755 });
    try {
      makeSessionChroot(chroot, { name: user, uid: me.uid, gid: me.gid, homedir: me.homedir, shell: me.shell ?? "/bin/sh" });
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }
  const sshdPort = await freePort();
  writeFileSync(join(dir, "sshd_config"), sshdConfig(dir, sshdPort, user, chroot));
  const madePrivsep = user === "root" && !existsSync(PRIVSEP_DIR);
  if (madePrivsep) mkdirSync(PRIVSEP_DIR, { mode: 0o755 });
  // -D: stays in the foreground, so the PID is this child's; -e: its errors on stderr.
  const sshd = spawn(SSHD, ["-D", "-e", "-f", join(dir, "sshd_config")], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  sshd.stderr?.on("data", (d) => (err = (err + d).slice(-4000)));
  const exited = new Promise<void>((r) => sshd.on("exit", () => r()));
  const stopSshd = async () => {
    endStillRunning(descendants(sshd.pid as number));
    if (sshd.exitCode === null) process.kill(sshd.pid as number, "SIGTERM");
    await exited;
    if (madePrivsep) rmdirSync(PRIVSEP_DIR);
    rmSync(dir, { recursive: true, force: true });
  };
  let fwd: Awaited<ReturnType<typeof forwarders>>;
  let port: number;
  try {
    await listening(sshdPort, sshd, () => err);
    port = await freePort();
    fwd = await forwarders(addresses, port, sshdPort);
  } catch (e) {
    await stopSshd();
    throw e;
  }
  return {
    port,
    user,
    keyPath: join(dir, "client_key"),
    hostKey,
    sshdPid: sshd.pid as number,
    chroot,
    stop: async () => {
      fwd.sockets.forEach((s) => s.destroy());
      await Promise.all(fwd.servers.map((s) => new Promise((r) => s.close(r))));
      await stopSshd();
    },
  };
}
