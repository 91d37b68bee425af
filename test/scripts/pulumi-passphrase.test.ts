// The pulumi wrapper gives the sandbox passphrase to the dev stack on the project's .state backend, and to nothing else.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const repo = join(__dirname, "..", "..");
const wrapper = join(repo, "scripts", "pulumi-passphrase.sh");
const localBackend = `file://${repo}/.state`;

/** A stand-in CLI that prints the passphrase file it was given; `stack --show-name` answers `selected`. */
function fakeCli(selected: string): string {
  const dir = mkdtempSync(join(tmpdir(), "pigsty-pass-"));
  const bin = join(dir, "pulumi");
  writeFileSync(bin, `#!/bin/bash\nif [ "$1 $2" = "stack --show-name" ]; then echo ${selected}; exit 0; fi\necho "file=\${PULUMI_CONFIG_PASSPHRASE_FILE:-none}"\n`);
  chmodSync(bin, 0o755);
  return bin;
}

function passphraseFileFor(args: string[], env: Record<string, string> = {}, selected = "dev"): string {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("PULUMI_CONFIG_PASSPHRASE")));
  const out = execFileSync(wrapper, [fakeCli(selected), ...args], { encoding: "utf8", env: { ...clean, PULUMI_BACKEND_URL: localBackend, ...env } });
  return out.trim().replace(/^file=/, "");
}

const sandboxFile = join(repo, "scripts", "sandbox-passphrase");

test("the dev stack gets the sandbox passphrase, named or selected", () => {
  expect(passphraseFileFor(["up", "--stack", "dev"])).toBe(sandboxFile);
  expect(passphraseFileFor(["preview", "--stack=dev"])).toBe(sandboxFile);
  expect(passphraseFileFor(["stack", "select", "dev", "--create"])).toBe(sandboxFile);
  expect(passphraseFileFor(["up"], {}, "dev")).toBe(sandboxFile);
});

test("any other stack gets none, even while dev is selected", () => {
  expect(passphraseFileFor(["stack", "init", "prod"])).toBe("none");
  expect(passphraseFileFor(["up", "-s", "prod"])).toBe("none");
  expect(passphraseFileFor(["up"], {}, "prod")).toBe("none");
});

test("another backend gets none, and a passphrase the user set wins", () => {
  expect(passphraseFileFor(["up", "--stack", "dev"], { PULUMI_BACKEND_URL: "s3://bucket/pigsty" })).toBe("none");
  expect(passphraseFileFor(["up", "--stack", "dev"], { PULUMI_CONFIG_PASSPHRASE_FILE: "/mine" })).toBe("/mine");
});
