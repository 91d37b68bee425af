// The infra node (Pigsty's meta node) and the DCS servers: host preparation, etcd, Prometheus, Alertmanager, nginx, dashboards.
import type * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { Model } from "../config/model";
import { etcdAuthStep, etcdStep, monitoringStep } from "../steps/infra";
import { backupRepoStep } from "../steps/backup";
import { BACKUP_REPO_PACKAGES, DCS_PACKAGES, INFRA_PACKAGES, prepareNode } from "../steps/node";
import { infraNodeFacts, infraNodeType } from "../config/facts";
import { INFRA_STEPS, stepName, waitsFor, type InfraDependency, type InfraStep } from "../config/stepCatalogue";
import type { HostStep } from "../steps/step";
import { dashboardBundle } from "../render/dashboard";
import { dashboardStagingDir, dashboardStep } from "../steps/dashboard";
import { dashboardFolder } from "./dashboardFolder";
import { hostCommand, hostCopy, type HostAccess, type SecretValues } from "./remote";
import { backupCipherPassphrase, etcdRootPassword, secretValues } from "./passwords";
import { slot, type SecretSlots } from "../config/secretSlots";

export interface InfraNodeArgs {
  model: Model;
  /** SSH access by host IP. */
  access: (ip: string) => HostAccess;
  /** The stack's CA and the certificates and keys of the DCS members (components/certificates.ts). */
  tls: SecretValues;
  /** Alertmanager's receiver secrets given in the inventory (webhook URL, SMTP password), by slot. */
  alertmanagerSecrets: SecretSlots;
}

export class InfraNode extends pulumi.ComponentResource {
  /** The etcd members, ready and with client authentication on: Postgres instances depend on these. */
  readonly dcsReady: command.remote.Command[];
  /** The TLS slots and etcd's root password: what the clusters' DCS steps need. */
  readonly secrets: SecretValues;
  /** The infra node's preparation (packages, the step library): the clusters' DCS steps run there. */
  readonly prepared: command.remote.Command;
  /** Prometheus and friends, ready: registrations depend on this. */
  readonly monitoring: command.remote.Command;
  /** Each backup repository host's pgBackRest server, ready, by the host's IP: the clusters' backup steps depend on these. */
  readonly backupRepos: Record<string, command.remote.Command>;
  readonly prometheusUrl: string;
  readonly frontPageUrl: string;

  constructor(name: string, args: InfraNodeArgs, opts?: pulumi.ComponentResourceOptions) {
    const { model } = args;
    super(infraNodeType, name, infraNodeFacts(model), opts);

    // A step's prefix and host vary (config/stepCatalogue.ts); what it waits for is given per host or member.
    const on = (key: InfraStep, prefix: string, ip: string, step: HostStep, made: Partial<Record<InfraDependency, pulumi.Resource[]>>, secrets: SecretValues = {}) =>
      hostCommand(stepName(prefix, key), args.access(ip), step, secrets, { parent: this, dependsOn: waitsFor(key, INFRA_STEPS[key], made) });
    const prepared = new Map<string, command.remote.Command>();
    // A host that is also a Postgres member is named after the member (its own preparation sets that name): two
    // preparations setting two names left sudo unable to resolve the host's name.
    const memberIps = new Set(model.clusters.flatMap((c) => c.instances.map((i) => i.ip)));
    const prepare = (ip: string, hostname: string) => {
      if (!prepared.has(ip)) {
        const packages = ip === model.infra.ip ? INFRA_PACKAGES : DCS_PACKAGES;
        prepared.set(ip, on("prepare", hostname, ip, prepareNode(hostname, { packages, keepHostname: memberIps.has(ip) }), {}));
      }
      return prepared.get(ip) as command.remote.Command;
    };
    const infraPrepared = prepare(model.infra.ip, name);
    this.prepared = infraPrepared;
    this.secrets = { ...args.tls, ...etcdRootPassword(this) };
    // One member after another, each healthy before the next: a config change never restarts two at once.
    let previous: command.remote.Command[] = [];
    for (const m of model.dcs.members) {
      const made = { prepare: [prepare(m.ip, m.ip === model.infra.ip ? name : m.name)], "previous.etcd": previous };
      previous = [on("etcd", m.name, m.ip, etcdStep(model, m.name), made, this.secrets)];
    }
    this.dcsReady = [on("dcs-auth", model.dcs.name, model.dcs.members[0].ip, etcdAuthStep(model), { etcd: previous }, this.secrets)];
    const monitoringSecrets = { [slot.tlsCa()]: args.tls[slot.tlsCa()], ...secretValues(args.alertmanagerSecrets, this) };
    this.monitoring = on("monitoring", name, model.infra.ip, monitoringStep(model), { prepare: [infraPrepared] }, monitoringSecrets);
    // The dashboards' files travel by sftp to a staging directory; a step installs them as root.
    const bundle = dashboardBundle();
    const copyName = stepName(name, "dashboard-copy");
    const copy = hostCopy(copyName, args.access(model.infra.ip), dashboardFolder(bundle), dashboardStagingDir(bundle), {
      parent: this,
      dependsOn: waitsFor("dashboard-copy", INFRA_STEPS["dashboard-copy"], { prepare: [infraPrepared] }),
    });
    on("dashboard", name, model.infra.ip, dashboardStep(bundle, copyName), { "dashboard-copy": [copy] });
    // A repository waits for its host's preparation (one apt at a time; the step library) and the DCS. On a host that
    // is neither the infra node nor a DCS server it is a preparation of its own, named after the repository; a member
    // of another cluster has its own too (made later, by the cluster), and apt waits for the other's lock.
    this.backupRepos = Object.fromEntries(
      model.backupRepos.map((r) => {
        const secrets = { ...args.tls, ...(r.cipher ? backupCipherPassphrase(r.name, this) : {}) };
        const repoPrepared = prepared.get(r.ip) ?? on("prepare", r.name, r.ip, prepareNode(r.name, { packages: BACKUP_REPO_PACKAGES, keepHostname: true }), {});
        const made = { prepare: [repoPrepared], "dcs-auth": this.dcsReady };
        return [r.ip, on("pgbackrest", r.name, r.ip, backupRepoStep(model, r), made, secrets)];
      }),
    );
    this.prometheusUrl = `http://${model.infra.ip}:${model.infra.prometheusPort}/`;
    this.frontPageUrl = `http://${model.infra.ip}:${model.infra.nginxPort}/`;
    this.registerOutputs({ prometheusUrl: this.prometheusUrl, frontPageUrl: this.frontPageUrl });
  }
}
