// Argument parsing of `npm run pg`: what each command accepts, and the message for what it does not.
import { parseArgs, UsageError } from "../../operator/args";

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
