// The lines of a host's -prepare step that install the step library (render/hostLibrary.ts) every other step sources:
// its files arrive by sftp (the host's -library-copy, a CopyToRemote: components/hostLibraryCopy.ts) in a staging
// directory of the step's own, and are checked against the manifest the step carries before they are put in place.
import { stepName } from "../config/stepCatalogue";
import { hostLibrary } from "../render/hostLibrary";
import { HOST_LIBRARY_ROOT } from "../render/paths";
import { heredoc, quote } from "./shell";
import { expand, fail, sayWords } from "./words";

/** The folder of the library inside a staging directory (the copy puts the local folder there under its own name). */
export const LIBRARY_BUILD_FOLDER = "library";

/**
 * Where the copy for the -prepare step named after `prefix` puts the library: a directory the SSH user may create,
 * named by the library's hash and that step (a host with two -prepare steps, DCS server and member, has two copies).
 */
export const libraryStagingDir = (prefix: string) => `/var/tmp/pigsty-library-${hostLibrary().hash}-${prefix}`;

/**
 * Puts this version of the library in place unless the host has it already, as it is (a changed or partial copy is
 * replaced). The staged files are first copied into a new directory of root's and checked there (the staging
 * directory is writable by the SSH user, and a file changed after its check must not be sourced as root); the
 * staging directory is removed once the library is in place. A lock serializes the host's -prepare steps (a host
 * that is a DCS server and a member has two, which may run at once). An older version is left in place (another
 * stack's program on the same host may still source it); docs/operations.md says when one may go.
 */
export function installLibraryLines(prefix: string): string[] {
  const { manifest, dir, hash } = hostLibrary();
  const root = quote(HOST_LIBRARY_ROOT);
  const staging = libraryStagingDir(prefix);
  const staged = `${staging}/${LIBRARY_BUILD_FOLDER}`;
  const copyName = stepName(prefix, "library-copy");
  const again = `pulumi up --replace <the URN of ${copyName}> --replace <the URN of ${stepName(prefix, "prepare")}> (pulumi stack --show-urns lists them)`;
  const matches = (d: string) => `lib_ok ${d}`;
  return [
    heredoc('cat >"$work/library.sha256"', manifest),
    'lib_ok() { (cd "$1" 2>/dev/null && sha256sum --quiet --strict -c "$work/library.sha256") >/dev/null 2>&1; }',
    `again=${quote(again)}`,
    `if ! ${matches(quote(dir))}; then`,
    `  [ -d ${quote(staged)} ] || ${fail(`error: the step library ${hash} is neither in ${dir} nor staged in ${staged} (the copy ${copyName} ran in an earlier up and its staging directory is gone). Copy it again: `, expand('"$again"'), ".")}`,
    `  install -d -m 0755 ${root}`,
    `  lib_new=$(mktemp -d ${quote(`${HOST_LIBRARY_ROOT}/.new.XXXXXX`)})`,
    `  cp -r ${quote(staged)}/. "$lib_new"/`,
    `  ${matches('"$lib_new"')} || { rm -rf "$lib_new"; ${fail(`error: the files staged in ${staged} differ from the step library ${hash} this stack ships; nothing was installed. Remove ${staging} and copy it again: `, expand('"$again"'), ".")}; }`,
    '  chmod 0755 "$lib_new" && chmod 0644 "$lib_new"/*',
    "  (",
    "    flock 9",
    `    if ! ${matches(quote(dir))}; then`,
    `      rm -rf ${quote(dir)} && mv -T "$lib_new" ${quote(dir)}`,
    `      ${sayWords(`installed the step library ${dir}`)}`,
    "    fi",
    `  ) 9>${quote(`${HOST_LIBRARY_ROOT}/.lock`)}`,
    '  rm -rf "$lib_new"',
    "fi",
    `rm -rf ${quote(staging)}`,
  ];
}
