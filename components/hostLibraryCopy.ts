// The step library's copy to one host (render/hostLibrary.ts): its files by sftp, so the state keeps their folder's
// path and hash, never their bytes. The host's -prepare step named after the same prefix installs them.
import type * as command from "@pulumi/command";
import type * as pulumi from "@pulumi/pulumi";
import { stepName } from "../config/stepCatalogue";
import { hostLibrary } from "../render/hostLibrary";
import { LIBRARY_BUILD_FOLDER, libraryStagingDir } from "../steps/hostLibrary";
import { hostCopy, type HostAccess } from "./remote";
import { stagedFolder } from "./stagedFolder";

/** `<prefix>-library-copy`: the library to the staging directory of `<prefix>-prepare`. */
export function libraryCopy(prefix: string, access: HostAccess, opts: pulumi.CustomResourceOptions): command.remote.CopyToRemote {
  return hostCopy(stepName(prefix, "library-copy"), access, stagedFolder(LIBRARY_BUILD_FOLDER, hostLibrary()), libraryStagingDir(prefix), opts);
}
