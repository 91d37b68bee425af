// A host in a scratch directory, for running a step's (or a host program's) real script by bash: the host's paths
// are moved under `root`, the commands a test names are stand-ins first on PATH that log their arguments, and what
// the script printed and called is read back with the root taken off again, so tests speak of the host's own paths.
// Ownership is logged, not applied (`install -o/-g` and `chown`), so the tests run as any user. The step library that
// every step's script sources is in place (moved like the rest) from the start.
import { spawnSync } from "node:child_process";
import { appendFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { hostLibrary } from "../../render/hostLibrary";
import { unwrapScript } from "./shellRegions";

/** The host directories moved under the root: where steps write, and what they run from /usr/local and Postgres' bin. */
const MOVED = ["/etc", "/pg", "/var", "/run", "/usr/local", "/usr/lib/postgresql"];
const MOVED_RE = new RegExp(`(^|[\\s'"=<>(:;|&])(${MOVED.map((p) => p.replace(/\//g, "\\/")).join("|")})(?=/)`, "gm");

/** The python3 the scripts run (they fill secrets with it), resolved once: a version manager's shim costs ~0.5 s a call. */
let python: string | undefined;
const realPython = () => (python ??= spawnSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" }).stdout.trim());

export interface HostRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** What the script said (its `say` lines), without the `[host] ` prefix; the final `ok (log: ...)` line left out. */
  said: string[];
  /** Every stand-in's call, `name arg...`, in order. */
  calls: string[];
}

/** A run that exited 0 with nothing on stderr; a failure shows both. */
export function expectRanCleanly(r: { status: number | null; stderr: string }): void {
  expect(`exit ${r.status}: ${r.stderr}`).toBe("exit 0: ");
}

export interface RunOptions {
  /** The script's stdin (a step's secrets as JSON). */
  stdin?: string;
  env?: Record<string, string>;
  /** Shell functions defined before the script runs (for builtins such as kill, which PATH cannot replace). */
  functions?: string[];
  /** Arguments of the script ($1...). */
  args?: string[];
  /** The interpreter, bash unless given (a host program with #!/bin/sh runs by sh). */
  shell?: string;
}

export class FakeHost {
  readonly dir = mkdtempSync(join(tmpdir(), "pigsty-fake-host-"));
  readonly root = join(this.dir, "root");
  readonly bin = join(this.dir, "bin");
  private readonly callLog = join(this.dir, "calls");
  private readonly keptList = join(this.dir, "kept");

  constructor() {
    for (const d of MOVED) mkdirSync(this.root + d, { recursive: true });
    mkdirSync(this.bin);
    writeFileSync(this.callLog, "");
    const install = spawnSync("sh", ["-c", "command -v install"], { encoding: "utf8" }).stdout.trim();
    // install: -o and -g logged as `own user:group path`, the rest done; over a stand-in, only logged (`kept mode
    // owner path`), so the stand-in stays. chown: logged only.
    writeFileSync(this.keptList, "");
    this.stub(
      "install",
      [
        "args=(); own=; mode=",
        'while [ $# -gt 0 ]; do case "$1" in -o) own="$2$own"; shift 2;; -g) own="$own:$2"; shift 2;; -m) mode=$2; args+=("$1"); shift;; *) args+=("$1"); shift;; esac; done',
        'dest=${args[-1]}',
        `if grep -qxF "$dest" ${JSON.stringify(this.keptList)}; then echo "kept $mode $own $dest" >>"$CALLS"; exit 0; fi`,
        '[ -z "$own" ] || echo "own $own $dest" >>"$CALLS"',
        `exec ${install} "\${args[@]}"`,
      ].join("\n"),
      false,
    );
    this.stub("chown");
    symlinkSync(realPython(), join(this.bin, "python3"));
    this.installLibrary();
  }

  /**
   * Puts the step library where a host's -prepare step would (render/hostLibrary.ts), its host paths moved like a
   * script's, so a step's script finds it at its fixed path under the root. Every fake host starts with it.
   */
  installLibrary(): void {
    const { texts, dir } = hostLibrary();
    for (const [name, text] of Object.entries(texts)) this.write(`${dir}/${name}`, this.moved(text));
  }

  /** Takes the step library away again, as on a host whose -prepare step has not run this version. */
  removeLibrary(): void {
    rmSync(this.path(hostLibrary().dir), { recursive: true, force: true });
  }

  /** The host path `p` in the scratch directory. */
  path(p: string): string {
    return this.root + p;
  }

  /** `text` with the host's paths moved under the root (a script, or a file it would install). */
  moved(text: string): string {
    return text.replace(MOVED_RE, `$1${this.root}$2`);
  }

  /**
   * A stand-in `name` on PATH, or at an absolute host path (moved; a step that installs a file there leaves it): logs
   * its call, then runs `body` (bash).
   */
  stub(name: string, body = "", log = true): void {
    const file = name.startsWith("/") ? this.path(name) : join(this.bin, name);
    if (name.startsWith("/")) appendFileSync(this.keptList, `${file}\n`);
    const record = log ? `{ printf %s ${JSON.stringify(name)}; printf ' %s' "$@"; echo; } >>"$CALLS"\n` : "";
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `#!/bin/bash\n${record}${body}\n`);
    chmodSync(file, 0o755);
  }

  /** Writes host file `p` (its directory made). */
  write(p: string, content: string, mode = 0o644): void {
    mkdirSync(dirname(this.path(p)), { recursive: true });
    writeFileSync(this.path(p), content);
    chmodSync(this.path(p), mode);
  }

  /** Host file `p`'s text, the host's paths in it unmoved. */
  read(p: string): string {
    return this.unmoved(readFileSync(this.path(p), "utf8"));
  }

  /** `text` with the root taken off the host's paths again. */
  unmoved(text: string): string {
    return text.split(this.root).join("");
  }

  exists(p: string): boolean {
    return existsSync(this.path(p));
  }

  /** The permission bits of host file `p`, as the octal text a step gives install (`0600`). */
  mode(p: string): string {
    return `0${(statSync(this.path(p)).mode & 0o777).toString(8)}`;
  }

  /** The owners given by install or chown, path -> `user:group`, from the stand-ins' log. */
  owners(calls: string[]): Record<string, string> {
    const given = calls.map((c) => c.split(" ")).filter((w) => (w[0] === "own" || w[0] === "chown") && w.length === 3);
    return Object.fromEntries(given.map((w) => [w[2], w[1]]));
  }

  /** Runs `script` (a step's wrapper, or a script's text) with its host paths moved; the calls are those of this run. */
  run(script: string, o: RunOptions = {}): HostRun {
    writeFileSync(this.callLog, "");
    const inner = /^# step [^\n]*\nsudo -n \/bin\/bash -c /.test(script) ? unwrapScript(script) : script;
    const text = [...(o.functions ?? []), this.moved(inner)].join("\n");
    const env = { ...process.env, ...o.env, PATH: `${this.bin}:${process.env.PATH}`, CALLS: this.callLog, ROOT: this.root };
    const r = spawnSync(o.shell ?? "/bin/bash", ["-c", text, "script", ...(o.args ?? [])], { input: o.stdin ?? "", encoding: "utf8", env });
    const back = (s: string) => this.unmoved(s);
    const stdout = back(r.stdout);
    const calls = back(readFileSync(this.callLog, "utf8"))
      .split("\n")
      .filter((l) => l !== "");
    const said = stdout
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => l.replace(/^\[[^\]]*\] /, ""))
      .filter((l) => !l.startsWith("ok (log: "));
    return { status: r.status, stdout, stderr: back(r.stderr), said, calls };
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Registers hooks that make a fresh FakeHost before each test and remove it after; the one of the running test. */
export function fakeHost(): () => FakeHost {
  let host: FakeHost | undefined;
  beforeEach(() => (host = new FakeHost()));
  afterEach(() => host?.remove());
  return () => host as FakeHost;
}
