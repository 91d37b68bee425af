// One Postgres instance on one host: preparation, safety guard, Patroni, pgbouncer, HAProxy, the VIP, exporters, registration.
import type * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterModel, InstanceModel, Model, ScrapeTarget } from "../config/model";
import { registerStep } from "../steps/register";
import { memberPackages, prepareNode } from "../steps/node";
import { resetBlock } from "../steps/reset";
import { patroniTlsStep } from "../steps/tls";
import { memberBackupStep } from "../steps/backup";
import { restoreLeaderStep, restoreReplicaStep, restoreStopStep } from "../steps/restore";
import { exportersStep } from "../steps/exporters";
import { haproxyStep } from "../steps/haproxy";
import { pgbouncerStep } from "../steps/pgbouncer";
import { vipStep } from "../steps/vip";
import { configStep, guardStep, patroniStep } from "../steps/postgres";
import type { HostStep } from "../steps/step";
import { instanceFacts, instanceType } from "../config/facts";
import { INSTANCE_STEPS, stepName, waitsFor, type InstanceDependency, type InstanceStep } from "../config/stepCatalogue";
import { libraryCopy } from "./hostLibraryCopy";
import { hostCommand, type HostAccess, type SecretValues } from "./remote";

export interface PgInstanceArgs {
  model: Model;
  cluster: ClusterModel;
  instance: InstanceModel;
  access: HostAccess;
  /** Access to the infra node, where the instance's Prometheus target file lives. */
  infraAccess: HostAccess;
  secrets: SecretValues;
  /** The steps of other scopes that this instance's steps wait for (config/stepCatalogue.ts): the cluster's DCS
   * state; the cluster's leader step, resolved once it exists (HAProxy's config waits for it, so a switchover
   * happens before the backup flags follow it, and a failed switchover leaves HAProxy as it was); the primary's
   * Patroni (empty for the primary itself); the infra node's monitoring; for an in-place restore, the cluster's full
   * backup after it (empty for the primary) and the other members' stops (empty but for the primary). */
  outside: Record<Exclude<InstanceDependency, InstanceStep>, pulumi.Input<pulumi.Resource>[]>;
  /** Seconds to wait for this member to run (replica clone); see steps/postgres.ts. */
  waitTimeout: number;
}

export class PgInstance extends pulumi.ComponentResource {
  /** Patroni started and this member running: replicas and cluster SQL depend on it. */
  readonly patroni: command.remote.Command;
  /** Every step of the instance, for dependents that need the whole instance. */
  readonly steps: command.remote.Command[];
  /** The in-place restore's stop and restore of this member (pg_pitr naming its cluster); undefined otherwise. */
  readonly restoreStop?: command.remote.Command;
  readonly restore?: command.remote.Command;
  readonly role: string;

  constructor(name: string, args: PgInstanceArgs, opts?: pulumi.ComponentResourceOptions) {
    const { model, cluster, instance, access, secrets } = args;
    super(instanceType, name, instanceFacts(cluster, instance), opts);
    // Each step waits for what the catalogue says; a step is made after the steps it waits for.
    const made: Partial<Record<InstanceDependency, pulumi.Input<pulumi.Resource>[]>> = { ...args.outside };
    const on = (key: InstanceStep, step: HostStep, host = access, values = secrets) => {
      const c = hostCommand(stepName(name, key), host, step, values, { parent: this, dependsOn: waitsFor(key, INSTANCE_STEPS[key], made) });
      made[key] = [c];
      return c;
    };

    made["library-copy"] = [libraryCopy(name, access, { parent: this })];
    const prepare = on("prepare", prepareNode(instance.name, { packages: memberPackages(cluster), postgres: true, watchdogOwner: cluster.watchdog === "off" ? undefined : cluster.accounts.dbsu }));
    const guard = on("guard", guardStep(model, cluster, instance));
    on("tls", patroniTlsStep(cluster, instance));
    const config = on("config", configStep(model, cluster, instance));
    const backup = cluster.backup ? [on("pgbackrest", memberBackupStep(cluster, instance))] : [];
    made.pgbackrest = backup;
    // An in-place restore (pg_pitr naming the cluster itself): the member stops, then the primary is restored, the
    // others rebuilt after the new full backup (steps/restore.ts).
    const primary = instance === cluster.primary;
    const restore = cluster.pitr?.inPlace
      ? [
        on("restore-stop", restoreStopStep(cluster, instance)),
        on("restore", primary ? restoreLeaderStep(model, cluster, instance, args.waitTimeout) : restoreReplicaStep(cluster, instance, args.waitTimeout)),
      ]
      : [];
    made.restore = restore.slice(1);
    [this.restoreStop, this.restore] = restore;
    this.patroni = on("patroni", patroniStep(cluster, instance, args.waitTimeout));
    const pgbouncer = on("pgbouncer", pgbouncerStep(model, cluster, instance));
    const haproxy = on("haproxy", haproxyStep(model, cluster, instance));
    const vip = cluster.vip ? [on("vip", vipStep(cluster, instance))] : [];
    const exporters = on("exporters", exportersStep(model, cluster, instance));
    const target = model.scrapeTargets.find((t) => t.instance === instance.name) as ScrapeTarget;
    const register = on("register", registerStep(model, target, (actions) => resetBlock(instance, "register", actions)), args.infraAccess, {});
    this.steps = [prepare, guard, config, ...backup, ...restore, this.patroni, pgbouncer, haproxy, ...vip, exporters, register];
    this.role = instance.role;
    this.registerOutputs({ role: this.role });
  }
}
