// The step library each host keeps once per version: the scripts' shared start (render/host/pigsty-step.sh), the
// placeholder filler, and the host programs that steps install or run as they are. It travels by sftp (a
// CopyToRemote keeps only its folder's path and hash in the state), so no script carries it: every byte of a script
// is stored twice in the state.
import { PG_EXPORTER_QUERIES_YML } from "./exporters";
import { hostProgram } from "./hostProgram";
import { fileBundle, type FileBundle } from "./fileBundle";
import { renderPatroniHelper } from "./patroniHelper";
import { renderBackupHelper } from "./pgbackrest";
import { ETC_HOSTS, ETC_HOSTS_LOCK, HOST_LIBRARY_ROOT, PATRONI_HELPER, PENDING_DIR, PG_SOCKET_DIR, STEP_LOG_DIR } from "./paths";
import { quote } from "./quote";

/**
 * What the library holds, by file name: the shared start and install_file (step.sh), the placeholder filler, and
 * the programs that are the same on every host (the Patroni helper and launcher, installed from here by the member's
 * -config and -patroni steps; the pause in an old DCS and the SCRAM filler, run from here by cluster steps; the
 * postgres exporter's extra queries, installed by each -exporters step; the backup helper, installed by each backup
 * repository's step). A text rendered from a cluster's settings stays in its step, where a preview shows its diff.
 */
export const HOST_LIBRARY_FILES = [
  "step.sh",
  "fill-placeholders.py",
  "pigsty-patroni",
  "patroni-launch",
  "pause-in-old-dcs.py",
  "fill-scram.py",
  "pg-exporter-queries.yml",
  "pigsty-backup",
] as const;
export type HostLibraryFile = (typeof HOST_LIBRARY_FILES)[number];

const PATHS_LINE = "PIGSTY_PATHS=  # written at render time";

/** render/host/pigsty-step.sh with the host paths of render/paths.ts in its settings line. */
function renderStepLibrary(): string {
  const text = hostProgram("pigsty-step.sh");
  if (!text.split("\n").includes(PATHS_LINE)) throw new Error(`render/host/pigsty-step.sh has no line "${PATHS_LINE}" to write the host paths into`);
  return text.replace(PATHS_LINE, `log_dir=${quote(STEP_LOG_DIR)} pending_dir=${quote(PENDING_DIR)} etc_hosts=${quote(ETC_HOSTS)} hosts_lock=${quote(ETC_HOSTS_LOCK)} pg_socket_dir=${quote(PG_SOCKET_DIR)} patroni_helper=${quote(PATRONI_HELPER)}`);
}

export interface HostLibrary extends FileBundle {
  /** File name -> text, in HOST_LIBRARY_FILES order. */
  texts: Readonly<Record<HostLibraryFile, string>>;
  /** Where a host keeps this version: `/usr/local/lib/pigsty/<hash>` (12 hex digits: a new library is a new directory). */
  dir: string;
}

let library: HostLibrary | undefined;

/** The library as rendered (once per process: its parts are fixed). */
export function hostLibrary(): HostLibrary {
  if (library) return library;
  const texts: Record<HostLibraryFile, string> = {
    "step.sh": renderStepLibrary(),
    "fill-placeholders.py": hostProgram("fill-placeholders.py"),
    "pigsty-patroni": renderPatroniHelper(),
    "patroni-launch": hostProgram("patroni-launch.py"),
    "pause-in-old-dcs.py": hostProgram("pause-in-old-dcs.py"),
    "fill-scram.py": hostProgram("fill-scram.py"),
    "pg-exporter-queries.yml": PG_EXPORTER_QUERIES_YML,
    "pigsty-backup": renderBackupHelper(),
  };
  const bundle = fileBundle(
    HOST_LIBRARY_FILES.map((name) => [name, texts[name]]),
    12,
  );
  library = { ...bundle, texts: Object.freeze(texts), dir: `${HOST_LIBRARY_ROOT}/${bundle.hash}` };
  return library;
}

/** A library file's path in a step's script, through the `pigsty_lib` variable its start sets (steps/shell.ts). */
export const inLibrary = (name: HostLibraryFile) => `"$pigsty_lib"/${quote(name)}`;
