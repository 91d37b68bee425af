// Argument parsing of `npm run pg`: what each command accepts, and the message for what it does not.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { helpFor, parseArgs, UsageError, type Command } from "../../operator/args";

const fails = (argv: string[]) => {
  try {
    parseArgs(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error(`accepted ${argv.join(" ")}`);
};

test("list takes an optional cluster and --json", () => {
  expect(parseArgs(["list"])).toMatchObject({ command: "list", cluster: undefined, json: false, stack: "dev" });
  expect(parseArgs(["list", "pg-test", "--json", "--stack", "prod"])).toMatchObject({ command: "list", cluster: "pg-test", json: true, stack: "prod" });
});

test("switchover takes a candidate and a schedule", () => {
  expect(parseArgs(["switchover", "pg-test", "--candidate", "pg-test-2", "--scheduled", "2026-11-24T03:00:00Z", "--yes"])).toMatchObject({
    command: "switchover", cluster: "pg-test", candidate: "pg-test-2", scheduled: "2026-11-24T03:00:00Z", yes: true,
  });
});

test("restart, reload and reinit name a member; restart may be limited to pending ones", () => {
  expect(parseArgs(["restart", "pg-test", "--pending"])).toMatchObject({ command: "restart", member: undefined, pending: true });
  expect(parseArgs(["restart", "pg-test", "pg-test-2"])).toMatchObject({ member: "pg-test-2" });
  expect(parseArgs(["reinit", "pg-test", "pg-test-3", "-y"])).toMatchObject({ command: "reinit", member: "pg-test-3", yes: true });
});

test("mistakes are named with the fix", () => {
  expect(fails([])).toBe("no command given");
  expect(fails(["swithcover", "pg-test"])).toBe("unknown command swithcover");
  expect(fails(["switchover"])).toBe("switchover needs a cluster name");
  expect(fails(["failover", "pg-test"])).toBe("failover needs --candidate <member>: the member that takes over");
  expect(fails(["reinit", "pg-test"])).toBe("reinit needs the member to rebuild");
  expect(fails(["switchover", "pg-test", "pg-test-2"])).toBe("switchover takes no member; did you mean --candidate pg-test-2?");
  expect(fails(["switchover", "pg-test", "--scheduled", "tomorrow"])).toBe("--scheduled takes an ISO time (e.g. 2026-11-24T03:00:00Z) and only with switchover");
  expect(fails(["list", "--candidate"])).toBe("--candidate needs a value");
  expect(fails(["list", "--force"])).toBe("unknown option --force");
});

test("backup takes a type, full by default; backups takes --json", () => {
  expect(parseArgs(["backup", "pg-test"])).toMatchObject({ command: "backup", cluster: "pg-test", type: "full", stack: "dev" });
  expect(parseArgs(["backup", "pg-test", "--type", "incr", "--stack", "prod"])).toMatchObject({ command: "backup", type: "incr", stack: "prod" });
  expect(parseArgs(["backups", "pg-test", "--json"])).toMatchObject({ command: "backups", cluster: "pg-test", json: true });
  expect(parseArgs(["backups", "pg-test"]).type).toBeUndefined();
});

test("backup mistakes are named with the fix", () => {
  expect(fails(["backup"])).toBe("backup needs a cluster name");
  expect(fails(["backups"])).toBe("backups needs a cluster name");
  expect(fails(["backup", "pg-test", "--type", "weekly"])).toBe("--type weekly: use full, diff, incr");
  expect(fails(["backup", "pg-test", "diff"])).toBe("backup takes the type as an option: --type diff");
  expect(fails(["backups", "pg-test", "pg-test-1"])).toBe("backups takes one cluster name");
  expect(fails(["backups", "pg-test", "--type", "full"])).toBe("--type is an option of backup only");
  expect(fails(["backup", "pg-test", "--type"])).toBe("--type needs a value");
});

test("--help, -h or help: the overview, or the named command's text", () => {
  expect(helpFor(["list", "pg-test"])).toBeUndefined();
  expect(helpFor(["--help"])).toMatch(/^usage: npm run pg -- <command> \[options\]/);
  expect(helpFor(["help"])).toBe(helpFor(["-h"]));
  expect(helpFor(["--help"])).toContain("  backup <cluster> [--type full|diff|incr]         take a backup now (default full)");
  expect(helpFor(["backup", "--help"])).toMatch(/^usage: npm run pg -- backup <cluster> \[--type full\|diff\|incr\] \[--json\] \[--stack NAME\]\n/);
  expect(helpFor(["help", "backups"])).toMatch(/^usage: npm run pg -- backups <cluster> \[--json\] \[--stack NAME\]\n/);
  expect(helpFor(["switchover", "pg-test", "-h"])).toContain("4 not confirmed");
  // Help wins over a mistake elsewhere on the line, so it can be asked for at any point.
  expect(helpFor(["backup", "--type", "weekly", "--help"])).toContain("--type T       full (default), diff");
});

const COMMANDS: Command[] = ["list", "switchover", "failover", "restart", "reload", "reinit", "pause", "resume", "history", "backup", "backups", "alerts"];

test("every command has its own help: its usage line first, its exit codes last", () => {
  for (const command of COMMANDS) {
    const help = helpFor([command, "--help"]) as string;
    expect(`${command}: ${help.split("\n")[0]}`).toMatch(new RegExp(`^${command}: usage: npm run pg -- ${command} `));
    expect(`${command}: ${help.split("\n").at(-1)}`).toMatch(new RegExp(`^${command}: exit codes: 0 done, 1 the operation failed, 2 usage, 3 cluster or member not in the stack's config`));
  }
  // The commands that ask for confirmation say what their exit code 4 means.
  for (const command of ["switchover", "failover", "restart", "reinit", "pause"]) expect(helpFor([command, "-h"])).toContain("4 not confirmed");
  expect(helpFor(["resume", "-h"])).not.toContain("4 not confirmed");
});

/** Runs the tool itself (no stack is read for help). */
function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const root = join(__dirname, "..", "..");
  return new Promise((resolve) => {
    execFile(join(root, "node_modules", ".bin", "tsx"), [join(root, "operator", "cli.ts"), ...argv], { cwd: root }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

test("--help prints the command's help on stdout and exits 0, for every command; a usage mistake exits 2", async () => {
  const runs = await Promise.all(COMMANDS.map((command) => cli(command, "pg-test", "--help")));
  runs.forEach((r, i) => expect(`${COMMANDS[i]}: ${r.code} ${r.stdout}`).toBe(`${COMMANDS[i]}: 0 ${helpFor([COMMANDS[i], "--help"])}\n`));
  const wrong = await cli("switchover", "pg-test", "pg-test-2");
  expect(wrong.code).toBe(2);
  expect(wrong.stderr).toMatch(/^error: switchover takes no member; did you mean --candidate pg-test-2\?\nusage: npm run pg -- <command>/);
}, 60_000);
