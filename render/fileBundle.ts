// Files that travel by sftp (a CopyToRemote keeps only their folder's path and hash in the state) and a step checks
// on the host before installing them: the dashboards' pages and the step library.
import { createHash } from "node:crypto";

export interface BundleFile {
  name: string;
  content: Buffer;
  sha256: string;
}

export interface FileBundle {
  /** Sorted by name. */
  files: BundleFile[];
  /** The first `digits` hex digits of the SHA-256 of the manifest: names the staging directory (and the library's). */
  hash: string;
  /** `sha256sum -c` input: one `<sha256>  <name>` line per file. */
  manifest: string;
}

/** The bundle of `entries` (file name, content). */
export function fileBundle(entries: [string, Buffer | string][], digits: number): FileBundle {
  const files = entries
    .map(([name, text]) => {
      const content = typeof text === "string" ? Buffer.from(text, "utf8") : text;
      return { name, content, sha256: createHash("sha256").update(content).digest("hex") };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
  const manifest = files.map((f) => `${f.sha256}  ${f.name}\n`).join("");
  return { files, manifest, hash: createHash("sha256").update(manifest).digest("hex").slice(0, digits) };
}
