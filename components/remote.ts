// The one place that turns a host step into a @pulumi/command remote.Command, or a folder into a CopyToRemote, with a pinned host key.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { HostStep } from "../steps/step";

/** SSH access to one host, as every remote command of that host uses it. */
export interface HostAccess {
  host: string;
  port: number;
  user: string;
  /** Secret: the private key text; undefined = the ssh-agent at SSH_AUTH_SOCK (ssh.agent), which the provider reads itself. */
  privateKey?: pulumi.Input<string>;
  /** Pinned host public key (`ssh-ed25519 AAAA...`); undefined only where config allows it. */
  hostKey?: string;
  /** The bastion every connection goes through (same private key), when the inventory names one. */
  bastion?: { host: string; port: number; user: string; hostKey?: string };
}

/** Secret values by slot name; every value is a secret Output. */
export type SecretValues = Record<string, pulumi.Output<string>>;

/** The JSON object that a step reads on stdin: only the slots it names, as one secret. */
function stdinFor(step: HostStep, secrets: SecretValues): pulumi.Output<string> | undefined {
  if (step.secrets.length === 0) return undefined;
  const missing = step.secrets.filter((s) => secrets[s] === undefined);
  if (missing.length > 0) throw new Error(`no value for secret slot(s) ${missing.join(", ")}`);
  const pairs = step.secrets.map((s) => secrets[s].apply((v) => [s, v] as const));
  return pulumi.secret(pulumi.all(pairs).apply((kv) => JSON.stringify(Object.fromEntries(kv))));
}

/** The provider's connection for `access`: the pinned host key, and the bastion when there is one. */
function connectionOf(access: HostAccess): command.types.input.remote.ConnectionArgs {
  return {
    host: access.host,
    port: access.port,
    user: access.user,
    ...(access.privateKey !== undefined && { privateKey: access.privateKey }),
    hostKey: access.hostKey,
    dialErrorLimit: 5,
    perDialTimeout: 10,
    ...(access.bastion && {
      proxy: {
        host: access.bastion.host,
        port: access.bastion.port,
        user: access.bastion.user,
        ...(access.privateKey !== undefined && { privateKey: access.privateKey }),
        hostKey: access.bastion.hostKey,
      },
    }),
  };
}

export function hostCommand(
  name: string,
  access: HostAccess,
  step: HostStep,
  secrets: SecretValues,
  opts: pulumi.CustomResourceOptions,
): command.remote.Command {
  return new command.remote.Command(
    name,
    {
      connection: connectionOf(access),
      // No `update`: on any change the provider runs `create` again (every script is idempotent), and the
      // state keeps one copy of each script instead of two.
      create: step.create,
      delete: step.delete,
      stdin: stdinFor(step, secrets),
      // Scripts never print secrets, and sshd refuses SSH setenv unless AcceptEnv lists the name.
      logging: "stdoutAndStderr",
      addPreviousOutputInEnv: false,
    },
    // A step whose delete undoes its create must finish deleting before its replacement creates. A step that
    // reads secrets keeps its output encrypted in the state: a failing tool may echo what it was given.
    { deleteBeforeReplace: true, ...(step.secrets.length > 0 && { additionalSecretOutputs: ["stdout", "stderr"] }), ...opts },
  );
}

/**
 * Copies a local folder to `remotePath` on a host over sftp, as the SSH user: `remotePath/<folder's name>/...`. The
 * state keeps the folder's path and hash, never its bytes; a new hash (or path) copies again, in place.
 */
export function hostCopy(name: string, access: HostAccess, folder: string, remotePath: string, opts: pulumi.CustomResourceOptions): command.remote.CopyToRemote {
  return new command.remote.CopyToRemote(name, { connection: connectionOf(access), source: new pulumi.asset.FileArchive(folder), remotePath }, opts);
}
