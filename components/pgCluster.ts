// One PostgreSQL cluster: its secrets, its instances (primary first, replicas in parallel after it), users and databases.
import * as pulumi from "@pulumi/pulumi";
import type { ClusterModel, Model } from "../config/model";
import { slot, upstreamSlot, type SecretSlots } from "../config/secretSlots";
import { databasesStep, rolesStep } from "../steps/cluster";
import { dcsStateStep } from "../steps/dcsState";
import { clusterBackupStep, pitrCheckStep } from "../steps/backup";
import { restoreBackupStep } from "../steps/restore";
import { dynamicConfigStep, intendedLeaderStep } from "../steps/patroniApi";
import { clusterFacts, clusterType, type DeployedMember } from "../config/facts";
import { promotionWarning } from "./deployed";
import { CLUSTER_STEPS, stepName, waitsFor, type ClusterDependency, type ClusterStep } from "../config/stepCatalogue";
import type { HostStep } from "../steps/step";
import { PgInstance } from "./pgInstance";
import { hostCommand, type HostAccess, type SecretValues } from "./remote";
import { secretValues } from "./passwords";

export interface PgClusterArgs {
  model: Model;
  cluster: ClusterModel;
  /** Passwords given in the inventory by slot; the rest are generated. */
  secrets: SecretSlots;
  access: (ip: string) => HostAccess;
  /** The infra node's preparation, where the cluster's DCS step runs. */
  infraPrepared: pulumi.Resource[];
  /** The members of the DCS the cluster lives in (its own, else the stack's), ready. */
  dcsReady: pulumi.Resource[];
  /** The stack's TLS certificates and keys and etcd's root password, by slot (components/certificates.ts, InfraNode). */
  stackSecrets: SecretValues;
  /** The infra node's monitoring, ready. */
  monitoringReady: pulumi.Resource[];
  /** The server of the cluster's backup repository host, ready (undefined without backups). */
  backupRepoReady?: pulumi.Resource;
  /** A standby cluster's upstream's passwords by slot (its roles are the upstream's); undefined for other clusters. */
  upstreamSecrets?: SecretValues;
  /** Instances deployed by the previous `up` (from stack outputs), for the removal facts; empty on the first. */
  deployed?: pulumi.Input<DeployedMember[]>;
  /** The cluster it followed if the previous `up` deployed it as a standby cluster (stack outputs), for the promotion fact. */
  deployedUpstream?: pulumi.Input<string | undefined>;
  waitTimeout?: number;
}

export class PgCluster extends pulumi.ComponentResource {
  readonly instances: PgInstance[];
  /** Every remote step of the cluster and of its instances. */
  readonly steps: pulumi.Resource[];
  /** Service name -> `ip:port` on every member (any member's HAProxy routes to the right one). */
  readonly endpoints: Record<string, string[]>;
  /** Patroni REST API and HAProxy admin credentials (secret), for the operator tool (operator/). */
  readonly operatorAccess: pulumi.Output<unknown>;
  /** Every secret the cluster's steps use, by slot (a standby cluster of this one takes its roles' passwords from here). */
  readonly secrets: SecretValues;
  /** Login users' passwords (secret Outputs), for `pulumi stack output --show-secrets`. */
  readonly userPasswords: Record<string, pulumi.Output<string>>;

  constructor(name: string, args: PgClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    const { model, cluster } = args;
    // What was removed or promoted is known once the previous outputs are read, so those facts are Outputs.
    const removal = pulumi.all([args.deployed ?? [], args.deployedUpstream]).apply(([d, upstream]) => clusterFacts(cluster, d, upstream));
    const facts = { ...clusterFacts(cluster, []), removedMembers: removal.removedMembers, primaryRemoval: removal.primaryRemoval, promotion: removal.promotion };
    // pg_safeguard: the engine refuses to delete anything of the cluster (its children inherit protect).
    super(clusterType, name, facts, { ...opts, protect: cluster.flags.safeguard || opts?.protect });
    removal.apply(({ promotion }) => promotion && pulumi.log.warn(promotionWarning(cluster.name, promotion), this));
    const secrets = { ...args.stackSecrets, ...clusterSecrets(cluster, args.secrets, args.upstreamSecrets, this) };
    this.secrets = secrets;
    const userPrefix = `${cluster.name}/user/`;
    this.userPasswords = Object.fromEntries(Object.entries(secrets).filter(([k]) => k.startsWith(userPrefix)).map(([k, v]) => [k.slice(userPrefix.length), v]));
    const infraAccess = args.access(model.infra.ip);
    const anchorAccess = args.access(cluster.instances[0].ip);
    // Each step waits for what the catalogue says (config/stepCatalogue.ts), filled in as the steps are made.
    const made: Partial<Record<ClusterDependency, pulumi.Resource[]>> = { "infra.prepare": args.infraPrepared, "infra.dcs-auth": args.dcsReady, "infra.pgbackrest": args.backupRepoReady ? [args.backupRepoReady] : [] };
    const clusterSteps: pulumi.Resource[] = [];
    const on = (key: ClusterStep, access: HostAccess, step: HostStep) => {
      const c = hostCommand(stepName(name, key), access, step, secrets, { parent: this, dependsOn: waitsFor(key, CLUSTER_STEPS[key], made) });
      made[key] = [c];
      clusterSteps.push(c);
      return c;
    };
    // Every member's Patroni depends on this, so on removal it goes last and clears the DCS keys.
    const dcsState = on("dcs", infraAccess, dcsStateStep(model, cluster));
    const repoAccess = cluster.backup && args.access(cluster.backup.repo.ip);
    const pitr = cluster.pitr && repoAccess ? [on("pitr", repoAccess, pitrCheckStep(cluster))] : [];
    let leaderStepMade: (r: pulumi.Resource) => void = () => undefined;
    const leaderStep = new Promise<pulumi.Resource>((resolve) => (leaderStepMade = resolve));
    // An in-place restore: the primary stops after the others, which are made after it; they are rebuilt after the
    // full backup that follows the primary's restore.
    const others = cluster.instances.filter((i) => i !== cluster.primary);
    const inPlace = cluster.pitr?.inPlace !== undefined;
    const stopMade = new Map<string, (r: pulumi.Resource) => void>();
    const replicaStops = inPlace ? others.map((i) => new Promise<pulumi.Resource>((resolve) => stopMade.set(i.name, resolve))) : [];
    let restoreBackup: pulumi.Resource[] = [];
    const make = (i: (typeof cluster.instances)[number], primaryPatroni: pulumi.Resource[]) =>
      new PgInstance(i.name, {
        model,
        cluster,
        instance: i,
        access: args.access(i.ip),
        infraAccess,
        secrets,
        outside: {
          "cluster.dcs": [dcsState],
          "cluster.leader": [leaderStep],
          "cluster.pitr": pitr,
          "cluster.restore-backup": restoreBackup,
          "primary.patroni": primaryPatroni,
          "replicas.restore-stop": i === cluster.primary ? replicaStops : [],
          "infra.monitoring": args.monitoringReady,
        },
        waitTimeout: args.waitTimeout ?? 900,
      }, { parent: this });

    const primary = make(cluster.primary, []);
    made["primary.restore"] = primary.restore ? [primary.restore] : [];
    if (inPlace && repoAccess) restoreBackup = [on("restore-backup", repoAccess, restoreBackupStep(cluster))];
    const replicas = others.map((i) => make(i, [primary.patroni]));
    for (const [n, i] of others.entries()) {
      const stop = replicas[n].restoreStop;
      if (stop) stopMade.get(i.name)?.(stop);
    }
    this.instances = [primary, ...replicas];

    // Cluster-wide steps run on the first member by pg_seq, wherever the leader is: they ask Patroni
    // who leads, so a switchover in config does not move (and re-run) them.
    const anchor = this.instances[[cluster.primary, ...cluster.instances.filter((i) => i !== cluster.primary)].indexOf(cluster.instances[0])];
    made["members.patroni"] = this.instances.map((i) => i.patroni);
    made["primary.patroni"] = [primary.patroni];
    made["first.patroni"] = [anchor.patroni];
    on("patroni-config", anchorAccess, dynamicConfigStep(model, cluster));
    leaderStepMade(on("leader", anchorAccess, intendedLeaderStep(cluster)));
    // A standby cluster is read-only, its catalog the upstream's, and pgBackRest backs up a primary: these come at promotion.
    if (!cluster.standby) {
      on("roles", anchorAccess, rolesStep(cluster));
      on("databases", anchorAccess, databasesStep(cluster));
      if (repoAccess) on("backup", repoAccess, clusterBackupStep(cluster));
    }
    this.steps = [...clusterSteps, ...this.instances.flatMap((i) => i.steps)];

    const api = { user: cluster.accounts.patroniApi, password: secrets[slot.patroniApi(cluster.name)] };
    const admin = cluster.haproxyAdmin.authEnabled ? { user: cluster.haproxyAdmin.username, password: secrets[slot.haproxyAdmin(cluster.name)] } : undefined;
    this.operatorAccess = pulumi.secret(pulumi.output({ patroniApi: api, ...(admin && { haproxyAdmin: admin }) }));
    this.endpoints = Object.fromEntries(cluster.services.map((s) => [s.name, cluster.instances.map((i) => `${i.ip}:${s.port}`)]));
    this.registerOutputs({ endpoints: this.endpoints });
  }
}

/**
 * The cluster's passwords by slot: given or generated, but a standby cluster's roles' are its upstream's
 * (config/secretSlots.ts). Of an upstream outside the stack only the replication password is known: given, like others.
 */
function clusterSecrets(cluster: ClusterModel, given: SecretSlots, upstream: SecretValues | undefined, parent: pulumi.Resource): SecretValues {
  const standby = cluster.standby;
  if (!standby || standby.external) return secretValues(given, parent);
  if (!upstream) throw new Error(`${cluster.name} is a standby cluster of ${standby.upstream}, built before it`);
  const mapped = Object.keys(given).flatMap((s) => {
    const from = upstreamSlot(s, standby.upstream);
    if (from === undefined) return [];
    if (upstream[from] === undefined) throw new Error(`${cluster.name}: no password ${from} in ${standby.upstream}`);
    return [[s, upstream[from]] as const];
  });
  const own = Object.fromEntries(Object.entries(given).filter(([s]) => upstreamSlot(s, standby.upstream) === undefined));
  return { ...secretValues(own, parent), ...Object.fromEntries(mapped) };
}
