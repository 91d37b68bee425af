// The infra node (Pigsty's meta node) and the DCS servers: host preparation, etcd, Prometheus, Alertmanager, nginx.
import type * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { Model } from "../config/model";
import { monitoringStep, etcdStep } from "../steps/infra";
import { DCS_PACKAGES, INFRA_PACKAGES, prepareNode } from "../steps/node";
import { infraNodeType, type InfraNodeFacts } from "./facts";
import { hostCommand, type HostAccess } from "./remote";

export interface InfraNodeArgs {
  model: Model;
  /** SSH access by host IP. */
  access: (ip: string) => HostAccess;
}

export class InfraNode extends pulumi.ComponentResource {
  /** The etcd members, ready: Postgres instances depend on these. */
  readonly dcsReady: command.remote.Command[];
  /** Prometheus and friends, ready: registrations depend on this. */
  readonly monitoring: command.remote.Command;
  readonly prometheusUrl: string;
  readonly frontPageUrl: string;

  constructor(name: string, args: InfraNodeArgs, opts?: pulumi.ComponentResourceOptions) {
    const { model } = args;
    const facts: InfraNodeFacts = { ip: model.infra.ip, dcsMembers: model.dcs.members };
    super(infraNodeType, name, facts, opts);

    const prepared = new Map<string, command.remote.Command>();
    const prepare = (ip: string, hostname: string) => {
      if (!prepared.has(ip)) {
        const packages = ip === model.infra.ip ? INFRA_PACKAGES : DCS_PACKAGES;
        prepared.set(ip, hostCommand(`${hostname}-prepare`, args.access(ip), prepareNode(hostname, packages, false), {}, { parent: this }));
      }
      return prepared.get(ip) as command.remote.Command;
    };
    const infraPrepared = prepare(model.infra.ip, name);
    this.dcsReady = model.dcs.members.map((m) =>
      hostCommand(`${m.name}-etcd`, args.access(m.ip), etcdStep(model, m.name), {}, { parent: this, dependsOn: [prepare(m.ip, m.ip === model.infra.ip ? name : m.name)] }),
    );
    this.monitoring = hostCommand(`${name}-monitoring`, args.access(model.infra.ip), monitoringStep(model), {}, { parent: this, dependsOn: [infraPrepared] });
    this.prometheusUrl = `http://${model.infra.ip}:${model.infra.prometheusPort}/`;
    this.frontPageUrl = `http://${model.infra.ip}:${model.infra.nginxPort}/`;
    this.registerOutputs({ prometheusUrl: this.prometheusUrl, frontPageUrl: this.frontPageUrl });
  }
}
