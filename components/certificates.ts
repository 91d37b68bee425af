// The stack's own certificate authority and one server certificate per TLS service on a host, made by openssl on the laptop.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { Model } from "../config/model";
import { slot } from "../config/secretSlots";
import { quote } from "../steps/shell";
import type { SecretValues } from "./remote";

/**
 * A TLS server on one host: etcd on a DCS member, Patroni's REST API on a Postgres member (its pgBackRest uses the same
 * certificate), pgBackRest's server on a backup repository host.
 */
export interface TlsServer {
  service: "etcd" | "patroni" | "pgbackrest";
  /** The DCS member's or the instance's name: the certificate's CN and a DNS name. */
  name: string;
  ip: string;
}

/** Every TLS server of the model, sorted by resource name so that the order is stable. */
export function tlsServers(model: Model): TlsServer[] {
  const etcd = model.dcs.members.map((m): TlsServer => ({ service: "etcd", name: m.name, ip: m.ip }));
  const patroni = model.clusters.flatMap((c) => c.instances.map((i): TlsServer => ({ service: "patroni", name: i.name, ip: i.ip })));
  const repos = model.backupRepos.map((r): TlsServer => ({ service: "pgbackrest", name: r.name, ip: r.ip }));
  return [...etcd, ...patroni, ...repos].sort((a, b) => certificateName(a).localeCompare(certificateName(b)));
}

export const certificateName = (s: TlsServer) => `${s.name}-${s.service}-certificate`;

// Keys never leave the command but on its stdout, which is a secret in state; nothing secret is on a command line.
const PRELUDE = ["set -euo pipefail", "umask 077", 'd=$(mktemp -d)', "trap 'rm -rf \"$d\"' EXIT", 'openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$d/key.pem" 2>/dev/null'];

/** A self-signed CA (EC P-256, 20 years); prints its key, then its certificate. */
export function caScript(stack: string): string {
  return [
    ...PRELUDE,
    `openssl req -x509 -new -key "$d/key.pem" -sha256 -days 7300 -subj ${quote(`/CN=pigsty-pulumi CA of stack ${stack}`)} -addext 'keyUsage=critical,keyCertSign,cRLSign' -out "$d/cert.pem"`,
    'cat "$d/key.pem" "$d/cert.pem"',
    "",
  ].join("\n");
}

/** A server certificate (10 years) signed by the CA that arrives on stdin (key and certificate); prints its key, then its certificate. */
export function serverScript(server: TlsServer): string {
  const sans = `subjectAltName=IP:${server.ip},IP:127.0.0.1,DNS:${server.name},DNS:localhost`;
  return [
    ...PRELUDE,
    'cat >"$d/ca.pem"',
    `openssl req -new -key "$d/key.pem" -subj ${quote(`/CN=${server.name}`)} -out "$d/csr.pem"`,
    `printf '%s\\n' 'basicConstraints=critical,CA:FALSE' 'keyUsage=critical,digitalSignature,keyEncipherment' 'extendedKeyUsage=serverAuth,clientAuth' ${quote(sans)} >"$d/ext"`,
    'openssl x509 -req -in "$d/csr.pem" -CA "$d/ca.pem" -CAkey "$d/ca.pem" -CAserial "$d/serial" -CAcreateserial -days 3650 -sha256 -extfile "$d/ext" -out "$d/cert.pem" 2>/dev/null',
    'cat "$d/key.pem" "$d/cert.pem"',
    "",
  ].join("\n");
}

const pemBlock = (label: string) => new RegExp(`-----BEGIN ${label}-----\\n[A-Za-z0-9+/=\\n]+-----END ${label}-----`);

/** The private key and the certificate printed by caScript or serverScript (the provider trims the last newline). */
export function splitPem(stdout: string): { key: string; cert: string } {
  const [key, cert] = [pemBlock("PRIVATE KEY"), pemBlock("CERTIFICATE")].map((re) => stdout.match(re)?.[0]);
  if (!key || !cert) throw new Error("openssl printed no key and certificate (is openssl installed on this machine? see `npm run toolchain`)");
  return { key: `${key}\n`, cert: `${cert}\n` };
}

function opensslCommand(name: string, script: string, stdin: pulumi.Input<string> | undefined, parent: pulumi.Resource): command.local.Command {
  // Created once: the same inputs never run openssl again, so certificates stay as they are across runs.
  return new command.local.Command(
    name,
    { create: script, interpreter: ["/bin/bash", "-c"], stdin, logging: "stderr", addPreviousOutputInEnv: false },
    { parent, additionalSecretOutputs: ["stdout"] },
  );
}

export interface CertificatesArgs {
  model: Model;
  stack: string;
}

export class Certificates extends pulumi.ComponentResource {
  /** The CA certificate (public). */
  readonly caCert: pulumi.Output<string>;
  /** Slot -> value: the CA certificate and every server's certificate and key (secret). */
  readonly secrets: SecretValues;

  constructor(name: string, args: CertificatesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pigsty:tls:Certificates", name, {}, opts);
    const ca = opensslCommand(`${name}-ca`, caScript(args.stack), undefined, this);
    // A changed CA changes this stdin, so every server certificate is issued again by the new CA.
    const caPem = pulumi.secret(ca.stdout);
    this.caCert = pulumi.unsecret(ca.stdout.apply((out) => splitPem(out).cert));
    this.secrets = { [slot.tlsCa()]: pulumi.secret(this.caCert) };
    for (const server of tlsServers(args.model)) {
      // The script names the host's addresses, so a changed IP or name issues a new certificate.
      const issued = opensslCommand(certificateName(server), serverScript(server), caPem, this);
      this.secrets[slot.tlsCert(server.service, server.name)] = issued.stdout.apply((out) => splitPem(out).cert);
      this.secrets[slot.tlsKey(server.service, server.name)] = pulumi.secret(issued.stdout.apply((out) => splitPem(out).key));
    }
    this.registerOutputs({ caCert: this.caCert });
  }
}
