// The infra node (Pigsty's meta node) and the DCS servers: host preparation, etcd, Prometheus, Alertmanager, nginx.
import type * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { Model } from "../config/model";
import { etcdAuthStep, etcdStep, monitoringStep } from "../steps/infra";
import { DCS_PACKAGES, INFRA_PACKAGES, prepareNode } from "../steps/node";
import { infraNodeFacts, infraNodeType } from "../config/facts";
import { hostCommand, type HostAccess, type SecretValues } from "./remote";
import { etcdRootPassword } from "./passwords";

export interface InfraNodeArgs {
  model: Model;
  /** SSH access by host IP. */
  access: (ip: string) => HostAccess;
  /** The stack's CA and the certificates and keys of the DCS members (components/certificates.ts). */
  tls: SecretValues;
}

export class InfraNode extends pulumi.ComponentResource {
  /** The etcd members, ready and with client authentication on: Postgres instances depend on these. */
  readonly dcsReady: command.remote.Command[];
  /** The TLS slots and etcd's root password: what the clusters' DCS steps need. */
  readonly secrets: SecretValues;
  /** Prometheus and friends, ready: registrations depend on this. */
  readonly monitoring: command.remote.Command;
  readonly prometheusUrl: string;
  readonly frontPageUrl: string;

  constructor(name: string, args: InfraNodeArgs, opts?: pulumi.ComponentResourceOptions) {
    const { model } = args;
    super(infraNodeType, name, infraNodeFacts(model), opts);

    const prepared = new Map<string, command.remote.Command>();
    const prepare = (ip: string, hostname: string) => {
      if (!prepared.has(ip)) {
        const packages = ip === model.infra.ip ? INFRA_PACKAGES : DCS_PACKAGES;
        prepared.set(ip, hostCommand(`${hostname}-prepare`, args.access(ip), prepareNode(hostname, packages, false), {}, { parent: this }));
      }
      return prepared.get(ip) as command.remote.Command;
    };
    const infraPrepared = prepare(model.infra.ip, name);
    this.secrets = { ...args.tls, ...etcdRootPassword(this) };
    // One member after another, each healthy before the next: a config change never restarts two at once.
    let previous: command.remote.Command | undefined;
    for (const m of model.dcs.members) {
      const dependsOn = [prepare(m.ip, m.ip === model.infra.ip ? name : m.name), ...(previous ? [previous] : [])];
      previous = hostCommand(`${m.name}-etcd`, args.access(m.ip), etcdStep(model, m.name), this.secrets, { parent: this, dependsOn });
    }
    const first = model.dcs.members[0];
    this.dcsReady = [hostCommand(`${model.dcs.name}-dcs-auth`, args.access(first.ip), etcdAuthStep(model), this.secrets, { parent: this, dependsOn: previous ? [previous] : [] })];
    this.monitoring = hostCommand(`${name}-monitoring`, args.access(model.infra.ip), monitoringStep(model), {}, { parent: this, dependsOn: [infraPrepared] });
    this.prometheusUrl = `http://${model.infra.ip}:${model.infra.prometheusPort}/`;
    this.frontPageUrl = `http://${model.infra.ip}:${model.infra.nginxPort}/`;
    this.registerOutputs({ prometheusUrl: this.prometheusUrl, frontPageUrl: this.frontPageUrl });
  }
}
