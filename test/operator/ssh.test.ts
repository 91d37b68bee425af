// runOnHost with a stand-in for ssh (given by path, so no real ssh can run and no host is contacted): the argv it gets, the pinned files it reads (private, removed afterwards),
// lines streamed as they come, the exit code passed through.
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SshTarget } from "../../operator/backups";
import { runOnHost } from "../../operator/ssh";

const target: SshTarget = { host: "127.0.0.1", user: "dba", port: 22, keyPath: "/keys/id", hostKey: "ssh-ed25519 AAAApinned" };

// The stand-in prints its argv, the -F file and the known_hosts beside it with their modes, and the directory
// (so the test can check it is gone), then a progress line, an error line without a newline, and exits 3.
const FAKE_SSH = `#!/bin/sh
for a in "$@"; do printf 'arg %s\\n' "$a"; done
dir=$(dirname "$2")
printf 'dir %s\\n' "$dir"
printf 'modes %s %s %s\\n' "$(stat -c %a "$dir")" "$(stat -c %a "$2")" "$(stat -c %a "$dir/known_hosts")"
sed 's/^/known /' "$dir/known_hosts"
echo "full backup of pg-test: starting" >&2
printf 'error: it broke' >&2
exit 3
`;

describe("runOnHost", () => {
  let bin = "";

  beforeAll(() => {
    bin = mkdtempSync(join(tmpdir(), "fake-ssh-"));
    writeFileSync(join(bin, "ssh"), FAKE_SSH);
    chmodSync(join(bin, "ssh"), 0o755);
  });
  afterAll(() => rmSync(bin, { recursive: true, force: true }));

  test("runs ssh with the argv, the pinned known_hosts in a private directory, and removes it after", async () => {
    const seen: string[] = [];
    const r = await runOnHost(target, ["sudo", "-n", "/usr/local/bin/pigsty-backup", "info", "pg-test"], (line, stream) => seen.push(`${stream}: ${line}`), join(bin, "ssh"));
    expect(r.code).toBe(3);
    const out = r.stdout.split("\n");
    expect(out).toContain("arg -F");
    expect(out).toContain("arg dba@127.0.0.1");
    expect(out.filter((l) => l.startsWith("arg ")).at(-1)).toBe("arg sudo -n /usr/local/bin/pigsty-backup info pg-test");
    expect(out).toContain("modes 700 600 600");
    expect(out).toContain("known 127.0.0.1 ssh-ed25519 AAAApinned");
    const dir = (out.find((l) => l.startsWith("dir ")) as string).slice(4);
    expect(out).toContain(`arg UserKnownHostsFile=${dir}/known_hosts`);
    expect(existsSync(dir)).toBe(false);
    expect(r.stderr).toBe("full backup of pg-test: starting\nerror: it broke");
    // Each line once, as it came; the last one without its newline too.
    expect(seen.filter((l) => l.startsWith("stderr: "))).toEqual(["stderr: full backup of pg-test: starting", "stderr: error: it broke"]);
    expect(seen.filter((l) => l.startsWith("stdout: "))).toEqual(out.filter((l) => l !== "").map((l) => `stdout: ${l}`));
  });

  test("without an ssh binary it says what to install", async () => {
    const missing = join(bin, "no-such-ssh");
    await expect(runOnHost(target, ["true"], undefined, missing)).rejects.toThrow(`cannot run ${missing}: spawn ${missing} ENOENT (install the OpenSSH client)`);
  });
});
