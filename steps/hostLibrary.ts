// The lines of a host's -prepare step that install the step library (render/hostLibrary.ts) every other step sources.
import { hostLibrary, HOST_LIBRARY_FILES } from "../render/hostLibrary";
import { HOST_LIBRARY_ROOT } from "../render/paths";
import { heredoc, quote } from "./shell";

/**
 * Writes this version of the library to a new directory and puts it in place unless the host has it already, as it
 * is (a changed or partial copy is replaced). A lock serializes the host's -prepare steps: a host that is a DCS
 * server and a member has two, which may run at once. An older version is left in place (another stack's program
 * on the same host may still source it); docs/operations.md says when one may go.
 */
export function installLibraryLines(): string[] {
  const { files, dir } = hostLibrary();
  const root = quote(HOST_LIBRARY_ROOT);
  return [
    `install -d -m 0755 ${root}`,
    `lib_new=$(mktemp -d ${quote(`${HOST_LIBRARY_ROOT}/.new.XXXXXX`)})`,
    ...HOST_LIBRARY_FILES.map((name) => heredoc(`cat >"$lib_new"/${quote(name)}`, files[name])),
    'chmod 0755 "$lib_new" && chmod 0644 "$lib_new"/*',
    `(`,
    `  flock 9`,
    `  if ! diff -r "$lib_new" ${quote(dir)} >/dev/null 2>&1; then`,
    `    rm -rf ${quote(dir)} && mv -T "$lib_new" ${quote(dir)}`,
    `    say ${quote(`installed the step library ${dir}`)}`,
    "  fi",
    `) 9>${quote(`${HOST_LIBRARY_ROOT}/.lock`)}`,
    'rm -rf "$lib_new"',
  ];
}
