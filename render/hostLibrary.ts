// The step library each host keeps once (render/host/pigsty-step.sh and the placeholder filler), so that no step's
// script carries the shared start and the filler: every byte of a script is stored twice in the state.
import { createHash } from "node:crypto";
import { hostProgram } from "./hostProgram";
import { HOST_LIBRARY_ROOT, PENDING_DIR, STEP_LOG_DIR } from "./paths";
import { quote } from "./quote";

/**
 * What the library holds, by file name. Only what many steps of one host repeat: the shared start, install_file and
 * the placeholder filler (45 copies in the dev inventory's scripts before). A host program that one step per
 * host carries (pigsty-patroni in -config, patroni-launch in -patroni) would cost the same bytes in -prepare, and one
 * that only some hosts need (pigsty-backup on a repository host, pause-in-old-dcs and fill-scram in cluster steps)
 * would cost more: the library goes to every host. Those stay in their steps.
 */
export const HOST_LIBRARY_FILES = ["step.sh", "fill-placeholders.py"] as const;
export type HostLibraryFile = (typeof HOST_LIBRARY_FILES)[number];

const PATHS_LINE = "PIGSTY_PATHS=  # written at render time";

/** render/host/pigsty-step.sh with the host paths of render/paths.ts in its settings line. */
function renderStepLibrary(): string {
  const text = hostProgram("pigsty-step.sh");
  if (!text.split("\n").includes(PATHS_LINE)) throw new Error(`render/host/pigsty-step.sh has no line "${PATHS_LINE}" to write the host paths into`);
  return text.replace(PATHS_LINE, `log_dir=${quote(STEP_LOG_DIR)} pending_dir=${quote(PENDING_DIR)}`);
}

export interface HostLibrary {
  /** File name -> text, in HOST_LIBRARY_FILES order. */
  files: Readonly<Record<HostLibraryFile, string>>;
  /** 12 hex digits of the SHA-256 of every file's name and text: a new library is a new directory. */
  hash: string;
  /** Where a host keeps this version: `/usr/local/lib/pigsty/<hash>`. */
  dir: string;
}

let library: HostLibrary | undefined;

/** The library as rendered (once per process: its parts are fixed). */
export function hostLibrary(): HostLibrary {
  if (library) return library;
  const files: Record<HostLibraryFile, string> = { "step.sh": renderStepLibrary(), "fill-placeholders.py": hostProgram("fill-placeholders.py") };
  const digest = createHash("sha256");
  for (const name of HOST_LIBRARY_FILES) digest.update(`${name}\0${files[name].length}\0${files[name]}`);
  const hash = digest.digest("hex").slice(0, 12);
  library = { files: Object.freeze(files), hash, dir: `${HOST_LIBRARY_ROOT}/${hash}` };
  return library;
}
