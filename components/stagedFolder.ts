// The local folder a CopyToRemote sends (its FileArchive reads a folder or an archive file by its path): a bundle's
// files (render/fileBundle.ts: the dashboards, the step library) written once per hash under the system's temporary
// directory, checked on every run.
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FileBundle } from "../render/fileBundle";

/** The folder holds the bundle's files and nothing else (the archive's hash covers every file in it). */
function intact(folder: string, bundle: FileBundle): boolean {
  try {
    const names = readdirSync(folder).sort();
    if (names.join("/") !== bundle.files.map((f) => f.name).sort().join("/")) return false;
    return bundle.files.every((f) => createHash("sha256").update(readFileSync(join(folder, f.name))).digest("hex") === f.sha256);
  } catch {
    return false;
  }
}

/**
 * `<tmp>/pigsty-<kind>-<hash>/<kind>` holding exactly the bundle's files; written (whole, then renamed) when missing or
 * changed. The copy puts it on the host as `<remote path>/<kind>`.
 */
export function stagedFolder(kind: string, bundle: FileBundle, root: string = tmpdir()): string {
  const parent = join(root, `pigsty-${kind}-${bundle.hash}`);
  const folder = join(parent, kind);
  if (intact(folder, bundle)) return folder;
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(parent, { recursive: true });
  const scratch = mkdtempSync(join(parent, ".new-"));
  for (const f of bundle.files) writeFileSync(join(scratch, f.name), f.content, { mode: 0o644 });
  chmodSync(scratch, 0o755);
  try {
    renameSync(scratch, folder);
  } catch (e) {
    // Another run wrote it at the same moment: theirs is as good as ours.
    rmSync(scratch, { recursive: true, force: true });
    if (!intact(folder, bundle)) throw e;
  }
  return folder;
}
