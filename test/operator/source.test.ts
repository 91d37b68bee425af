// stackAccess() reads a real, encrypted secret stack output through the project's real Pulumi CLI (no mocks).
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { stackAccess } from "../../operator/source";

const repo = join(__dirname, "..", "..");
const pulumiBin = join(repo, ".toolchain", "bin", "pulumi");
const maybe = existsSync(pulumiBin) ? describe : describe.skip;

// The wrapper's default backend (.state/) must apply to both the test and stackAccess; the passphrase is the
// test's own (the wrapper supplies the sandbox one to the dev stack only).
const cleared = ["PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE"];
const passphrase = `operator-access-test-${randomBytes(4).toString("hex")}`;
const stackName = `operator-access-test-${process.pid}`;
const stateDir = join(repo, ".state", ".pulumi");
const access = {
  "pg-test": {
    patroniApi: { user: "postgres", password: `s3cret-${randomBytes(8).toString("hex")}` },
    haproxyAdmin: { user: "admin", password: `adm1n-${randomBytes(8).toString("hex")}` },
  },
};

/** Every path under dir, recursively, parents before children. */
const tree = (dir: string): string[] =>
  existsSync(dir) ? readdirSync(dir).flatMap((n) => [join(dir, n), ...(statSync(join(dir, n)).isDirectory() ? tree(join(dir, n)) : [])]) : [];

maybe("stackAccess against the real Pulumi CLI", () => {
  jest.setTimeout(120_000);
  const saved: Record<string, string | undefined> = {};
  let workDir = "";
  let stack: Stack | undefined;
  let before = new Set<string>();

  beforeAll(async () => {
    for (const k of cleared) {
      saved[k] = process.env[k];
      delete process.env[k];
    }
    process.env.PULUMI_CONFIG_PASSPHRASE = passphrase;
    before = new Set(tree(stateDir));
    workDir = mkdtempSync(join(tmpdir(), "pigsty-access-"));
    const pulumiCommand = await PulumiCommand.get({ root: join(repo, ".toolchain") });
    stack = await LocalWorkspace.createOrSelectStack(
      { projectName: "pigsty", stackName, program: async () => ({ operatorAccess: pulumi.secret(access) }) },
      { workDir, pulumiCommand },
    );
    await stack.up();
  });

  afterAll(async () => {
    try {
      await stack?.workspace.removeStack(stackName, { force: true });
    } finally {
      // `stack rm` leaves a .bak, backups and lock dirs behind: drop every trace of the test stack,
      // then the directories it created (children first; rmdir of a non-empty one is skipped).
      for (const p of tree(stateDir).filter((p) => p.includes(stackName))) rmSync(p, { recursive: true, force: true });
      for (const p of tree(stateDir).filter((p) => !before.has(p)).reverse()) if (statSync(p).isDirectory() && !readdirSync(p).length) rmSync(p, { recursive: true });
      if (workDir) rmSync(workDir, { recursive: true, force: true });
      for (const k of cleared) {
        if (saved[k] !== undefined) process.env[k] = saved[k];
        else delete process.env[k];
      }
    }
  });

  test("returns exactly the secret output, which the backend stores encrypted", () => {
    expect(stackAccess(stackName)).toEqual(access);
    const stateFiles = tree(stateDir).filter((p) => p.includes(stackName) && statSync(p).isFile());
    expect(stateFiles).toContain(join(stateDir, "stacks", "pigsty", `${stackName}.json`));
    expect(readFileSync(join(stateDir, "stacks", "pigsty", `${stackName}.json`), "utf8")).toContain('"ciphertext"');
    for (const f of stateFiles) {
      const raw = readFileSync(f, "utf8");
      expect(raw).not.toContain(access["pg-test"].patroniApi.password);
      expect(raw).not.toContain(access["pg-test"].haproxyAdmin.password);
    }
    // The output really is a secret: without --show-secrets the CLI masks it.
    const masked = execFileSync(pulumiBin, ["stack", "output", "operatorAccess", "--json", "--stack", stackName], { encoding: "utf8" });
    expect(masked).not.toContain(access["pg-test"].patroniApi.password);
  });

  test("a missing stack gives a clear error", () => {
    expect(() => stackAccess("no-such-stack-xyz")).toThrow(/^cannot read the stack's operatorAccess output \(run `pulumi up --stack no-such-stack-xyz` first\): error: no stack named 'no-such-stack-xyz' found$/);
  });
});
