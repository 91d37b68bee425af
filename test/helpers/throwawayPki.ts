// A CA and a member's Postgres certificate made by the stack's own openssl scripts (components/certificates.ts), written
// to a directory as the tls step leaves them on a member: key 0600 and both owned by postgres when run as root.
import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { caScript, postgresServer, serverScript, splitPem } from "../../components/certificates";
import type { ClusterModel, InstanceModel } from "../../config/model";

export interface PkiFiles {
  ca: string;
  cert: string;
  key: string;
}

const bash = (script: string, input?: string) => execFileSync("/bin/bash", ["-c", script], { input, encoding: "utf8" }).replace(/\n$/, "");

/** The CA's key and certificate, as the stack's `pki-ca` command prints them. */
export const throwawayCa = () => splitPem(bash(caScript("test")));

/** Issues `instance`'s Postgres certificate (as of `now`) from `ca` into `dir` as `<prefix>.crt`/`.key`, with ca.crt beside. */
export function issuePostgresCert(dir: string, ca: { key: string; cert: string }, cluster: ClusterModel, instance: InstanceModel, now = new Date(), prefix = "postgres"): PkiFiles {
  const issued = splitPem(bash(serverScript(postgresServer(cluster, instance), now), ca.key + ca.cert));
  const files = { ca: join(dir, "ca.crt"), cert: join(dir, `${prefix}.crt`), key: join(dir, `${prefix}.key`) };
  writeFileSync(files.ca, ca.cert, { mode: 0o644 });
  writeFileSync(files.cert, issued.cert, { mode: 0o644 });
  writeFileSync(files.key, issued.key, { mode: 0o600 });
  chmodSync(files.key, 0o600);
  if (userInfo().uid === 0) {
    const [uid, gid] = [execFileSync("id", ["-u", "postgres"]), execFileSync("id", ["-g", "postgres"])].map((b) => Number(b.toString()));
    for (const f of Object.values(files)) chownSync(f, uid, gid);
  }
  return files;
}
