// The infra node (Pigsty's meta node) and the DCS servers (the stack's DCS and the clusters' own): host preparation, etcd,
// Prometheus, Alertmanager, nginx, dashboards.
import type * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterModel, DcsModel, Model } from "../config/model";
import { etcdAuthStep, etcdStep, monitoringStep } from "../steps/infra";
import { backupRepoStep } from "../steps/backup";
import { BACKUP_REPO_PACKAGES, DCS_PACKAGES, INFRA_PACKAGES, prepareNode, type NodeParts } from "../steps/node";
import { infraNodeFacts, infraNodeType } from "../config/facts";
import { INFRA_STEPS, stepName, waitsFor, type InfraDependency, type InfraStep } from "../config/stepCatalogue";
import type { HostStep } from "../steps/step";
import { dashboardBundle } from "../render/dashboard";
import { DASHBOARD_BUILD_FOLDER, dashboardStagingDir, dashboardStep } from "../steps/dashboard";
import { libraryCopy } from "./hostLibraryCopy";
import { stagedFolder } from "./stagedFolder";
import { hostCommand, hostCopy, type HostAccess, type SecretValues } from "./remote";
import { backupCipherPassphrase, etcdRootPassword, ownDcsRootPassword, secretValues } from "./passwords";
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
  /** The stack DCS's etcd members, ready and with client authentication on: the clusters that live there depend on these. */
  readonly dcsReady: command.remote.Command[];
  /** Each cluster's own DCS (clusters.<c>.dcs), ready, by cluster name: that cluster depends on these instead. */
  readonly ownDcsReady: Record<string, command.remote.Command[]>;
  /** The TLS slots and each DCS's root password: what the clusters' DCS steps need. */
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
    // A host's preparation installs the step library its own copy brought.
    const prepareHost = (prefix: string, ip: string, parts: NodeParts) =>
      on("prepare", prefix, ip, prepareNode(prefix, parts), { "library-copy": [libraryCopy(prefix, args.access(ip), { parent: this })] });
    const prepare = (ip: string, hostname: string) => {
      if (!prepared.has(ip)) {
        const packages = ip === model.infra.ip ? INFRA_PACKAGES : DCS_PACKAGES;
        prepared.set(ip, prepareHost(hostname, ip, { packages, keepHostname: memberIps.has(ip) }));
      }
      return prepared.get(ip) as command.remote.Command;
    };
    const infraPrepared = prepare(model.infra.ip, name);
    this.prepared = infraPrepared;
    const ownDcses = model.clusters.flatMap((c) => (c.ownDcs ? [c.ownDcs] : []));
    this.secrets = { ...args.tls, ...etcdRootPassword(this), ...Object.assign({}, ...ownDcses.map((d) => ownDcsRootPassword(d.name, this))) };
    // Each DCS alike: one member after another, each healthy before the next (a config change never restarts two at
    // once), then its client authentication. Steps are named after the members and the DCS, so each DCS's are its own.
    const deployDcs = (dcs: DcsModel) => {
      let previous: command.remote.Command[] = [];
      for (const m of dcs.members) {
        const made = { prepare: [prepare(m.ip, m.ip === model.infra.ip ? name : m.name)], "previous.etcd": previous };
        previous = [on("etcd", m.name, m.ip, etcdStep(dcs, m.name), made, this.secrets)];
      }
      return [on("dcs-auth", dcs.name, dcs.members[0].ip, etcdAuthStep(dcs), { etcd: previous }, this.secrets)];
    };
    this.dcsReady = deployDcs(model.dcs);
    this.ownDcsReady = Object.fromEntries(ownDcses.map((d) => [d.owner as string, deployDcs(d)]));
    // A cluster's own DCS's host waits for that DCS (both steps install the CA there, and two writers of one file
    // race), so a repository in a standby's site does not wait for the stack's DCS; any other host waits for the stack's.
    const dcsOnHost = (ip: string) => {
      const own = ownDcses.filter((d) => d.members.some((m) => m.ip === ip));
      return own.length > 0 ? own.flatMap((d) => this.ownDcsReady[d.owner as string]) : this.dcsReady;
    };
    const monitoringSecrets = { [slot.tlsCa()]: args.tls[slot.tlsCa()], ...secretValues(args.alertmanagerSecrets, this) };
    this.monitoring = on("monitoring", name, model.infra.ip, monitoringStep(model), { prepare: [infraPrepared] }, monitoringSecrets);
    // The dashboards' files travel by sftp to a staging directory; a step installs them as root.
    const bundle = dashboardBundle();
    const copyName = stepName(name, "dashboard-copy");
    const copy = hostCopy(copyName, args.access(model.infra.ip), stagedFolder(DASHBOARD_BUILD_FOLDER, bundle), dashboardStagingDir(bundle), {
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
        const repoPrepared = prepared.get(r.ip) ?? prepareHost(r.name, r.ip, { packages: BACKUP_REPO_PACKAGES, keepHostname: true });
        const made = { prepare: [repoPrepared], "dcs-auth": dcsOnHost(r.ip) };
        return [r.ip, on("pgbackrest", r.name, r.ip, backupRepoStep(model, r), made, secrets)];
      }),
    );
    this.prometheusUrl = `http://${model.infra.ip}:${model.infra.prometheusPort}/`;
    this.frontPageUrl = `http://${model.infra.ip}:${model.infra.nginxPort}/`;
    this.registerOutputs({ prometheusUrl: this.prometheusUrl, frontPageUrl: this.frontPageUrl });
  }

  /** The DCS a cluster lives in, ready: its own, else the stack's. */
  dcsReadyFor(cluster: Pick<ClusterModel, "name" | "ownDcs">): command.remote.Command[] {
    return cluster.ownDcs ? this.ownDcsReady[cluster.name] : this.dcsReady;
  }
}
