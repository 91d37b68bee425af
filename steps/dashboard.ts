// The dashboards' install on the infra node: their files arrive by sftp (components/infraNode.ts, a CopyToRemote, so
// their bytes stay out of every script and so out of the state) in a staging directory named by their hash; this
// step checks them against the manifest it carries and installs them under nginx's root (as root, the owner of what it installs).
import { DASHBOARD_DIR, type DashboardBundle } from "../render/dashboard";
import { heredoc, quote } from "./shell";
import { hostStep, type HostStep } from "./step";
import { fail, sayWords } from "./words";

/** Where the copy puts the bundle: a directory the SSH user may create, named by the bundle's hash. */
export const dashboardStagingDir = (bundle: DashboardBundle) => `/var/tmp/pigsty-dashboard-${bundle.hash}`;

/** The folder of the bundle inside the staging directory (the copy puts the local folder there under its own name). */
export const DASHBOARD_BUILD_FOLDER = "dashboard";

/**
 * Installs the staged files when the installed ones differ from the manifest. The staged copy is first copied into
 * the script's private directory and checked there: the staging directory is writable by its owner, and a file
 * changed after its check must not reach the web root. The staging directory is removed once its files are
 * installed; a re-run with the files already in place needs no staging directory.
 */
export function dashboardStep(bundle: DashboardBundle, copyName: string): HostStep {
  const staging = dashboardStagingDir(bundle);
  const staged = `${staging}/${DASHBOARD_BUILD_FOLDER}`;
  const matches = (dir: string) => `(cd ${dir} 2>/dev/null && sha256sum --quiet --strict -c "$work/manifest") >/dev/null 2>&1`;
  const names = bundle.files.map((f) => quote(f.name)).join(" ");
  return hostStep("dashboards on the infra node", [
    heredoc('cat >"$work/manifest"', bundle.manifest),
    `if ${matches(quote(DASHBOARD_DIR))}; then`,
    `  ${sayWords(`the dashboards ${bundle.hash} are in place`)}`,
    "else",
    `  [ -d ${quote(staged)} ] || ${fail(`error: the dashboards' files ${bundle.hash} are neither in ${DASHBOARD_DIR} nor staged in ${staged} (the copy ${copyName} ran in an earlier up and its staging directory is gone). Copy them again: pulumi up --replace <the URN of ${copyName}> (pulumi stack --show-urns lists it).`)}`,
    `  cp -r ${quote(staged)} "$work/staged"`,
    `  ${matches('"$work/staged"')} || ${fail(`error: the files staged in ${staged} differ from the dashboards ${bundle.hash} this stack ships; nothing was installed. Remove ${staging} and copy them again (pulumi up --replace <the URN of ${copyName}>).`)}`,
    `  install -d -m 0755 ${quote(DASHBOARD_DIR)}`,
    `  for f in ${names}; do install -m 0644 "$work/staged/$f" ${quote(DASHBOARD_DIR)}/"$f"; done`,
    `  ${sayWords(`installed the dashboards ${bundle.hash} in ${DASHBOARD_DIR}`)}`,
    "fi",
    `rm -rf ${quote(staging)}`,
  ]);
}
