// The stack's own certificate authority and one server certificate per TLS service on a host, made by openssl on the laptop.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { everyDcs, type ClusterModel, type InstanceModel, type Model } from "../config/model";
import { slot } from "../config/secretSlots";
import { renewalEvery, renewalPeriod } from "../config/tlsSchema";
import type { TlsService } from "../render/tls";
import { quote } from "../steps/shell";
import type { SecretValues } from "./remote";

/**
 * A TLS server on one host: etcd on a DCS member, Patroni's REST API on a Postgres member (its pgBackRest uses the same
 * certificate), pgBackRest's server on a backup repository host, Postgres and pgbouncer on a member.
 */
export interface TlsServer {
  service: TlsService;
  /** The DCS member's or the instance's name: the certificate's CN and a DNS name. */
  name: string;
  ip: string;
  /** More addresses and DNS names the certificate carries, after the host's own. */
  also?: { ips: string[]; dns: string[] };
  /** A lifetime in days, renewed at the first `up` of each renewal period (config/tlsSchema.ts); absent: 10 years, never renewed. */
  validityDays?: number;
}

/**
 * A member's Postgres and pgbouncer. Besides its own address and name: the cluster's name and service names
 * (`pg-test-primary`), the VIP, and every other member's address, since HAProxy on any member (5433-5438) passes TLS
 * through to whichever member serves; a client that verifies by the address it dialled then accepts the answer. A
 * member added or removed changes every member's certificate, so a removed member's address is named by none.
 */
export function postgresServer(cluster: ClusterModel, instance: InstanceModel): TlsServer {
  const others = cluster.instances.filter((i) => i !== instance).map((i) => i.ip);
  const dns = [cluster.name, ...cluster.services.map((s) => `${cluster.name}-${s.name}`)];
  return { service: "postgres", name: instance.name, ip: instance.ip, also: { ips: [...(cluster.vip ? [cluster.vip.address] : []), ...others], dns }, validityDays: cluster.tls.certValidityDays };
}

/** Every TLS server of the model, sorted by resource name so that the order is stable. */
export function tlsServers(model: Model): TlsServer[] {
  // Every DCS's members (the stack's and the clusters' own): one CA, so any member's peers and clients trust it.
  const etcd = everyDcs(model).flatMap((d) => d.members.map((m): TlsServer => ({ service: "etcd", name: m.name, ip: m.ip })));
  const patroni = model.clusters.flatMap((c) => c.instances.map((i): TlsServer => ({ service: "patroni", name: i.name, ip: i.ip })));
  const postgres = model.clusters.flatMap((c) => c.instances.map((i) => postgresServer(c, i)));
  const repos = model.backupRepos.map((r): TlsServer => ({ service: "pgbackrest", name: r.name, ip: r.ip }));
  return [...etcd, ...patroni, ...postgres, ...repos].sort((a, b) => certificateName(a).localeCompare(certificateName(b)));
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

/**
 * A server certificate signed by the CA that arrives on stdin (key and certificate); prints its key, then its
 * certificate. With a validity, the script names the renewal period `now` falls in: a new period changes the script,
 * so the engine runs it again (an update, not a replacement) and the host steps install and reload the new one.
 */
export function serverScript(server: TlsServer, now: Date = new Date()): string {
  const ips = [server.ip, "127.0.0.1", ...(server.also?.ips ?? [])].map((ip) => `IP:${ip}`);
  const dns = [server.name, "localhost", ...(server.also?.dns ?? [])].map((name) => `DNS:${name}`);
  const sans = `subjectAltName=${[...ips, ...dns].join(",")}`;
  const days = server.validityDays ?? 3650;
  const renewal = server.validityDays === undefined ? [] : [`# renewal period ${renewalPeriod(now, days)}: issued again every ${renewalEvery(days)} days, valid ${days} days`];
  return [
    ...renewal,
    ...PRELUDE,
    'cat >"$d/ca.pem"',
    `openssl req -new -key "$d/key.pem" -subj ${quote(`/CN=${server.name}`)} -out "$d/csr.pem"`,
    `printf '%s\\n' 'basicConstraints=critical,CA:FALSE' 'keyUsage=critical,digitalSignature,keyEncipherment' 'extendedKeyUsage=serverAuth,clientAuth' ${quote(sans)} >"$d/ext"`,
    `openssl x509 -req -in "$d/csr.pem" -CA "$d/ca.pem" -CAkey "$d/ca.pem" -CAserial "$d/serial" -CAcreateserial -days ${days} -sha256 -extfile "$d/ext" -out "$d/cert.pem" 2>/dev/null`,
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
  /** The clock renewals are judged by; default now. */
  now?: Date;
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
      const issued = opensslCommand(certificateName(server), serverScript(server, args.now), caPem, this);
      this.secrets[slot.tlsCert(server.service, server.name)] = issued.stdout.apply((out) => splitPem(out).cert);
      this.secrets[slot.tlsKey(server.service, server.name)] = pulumi.secret(issued.stdout.apply((out) => splitPem(out).key));
    }
    this.registerOutputs({ caCert: this.caCert });
  }
}
