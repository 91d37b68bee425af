// A scratch directory per test for running a step's real script: host paths are moved under it by the test, and its
// stand-in `sudo` (first on PATH) runs the script as the current user, as `sudo -n /bin/bash -c ...` runs it as root.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Registers the hooks that make the directory before each test and remove it after; its path while a test runs. */
export function scratchDirWithSudo(prefix: string): () => string {
  let dir = "";
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
    writeFileSync(join(dir, "sudo"), '#!/bin/sh\n[ "$1" = -n ] && shift\nexec "$@"\n');
    chmodSync(join(dir, "sudo"), 0o755);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  return () => dir;
}
