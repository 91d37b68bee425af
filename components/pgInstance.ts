// One Postgres instance on one host: preparation, safety guard, Patroni, pgbouncer, HAProxy, exporters, registration.
import type * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterModel, InstanceModel, Model, ScrapeTarget } from "../config/model";
import { registerStep } from "../steps/infra";
import { PG_PACKAGES, prepareNode } from "../steps/node";
import { resetBlock } from "../steps/reset";
import { patroniTlsStep } from "../steps/tls";
import { exportersStep } from "../steps/exporters";
import { haproxyStep } from "../steps/haproxy";
import { pgbouncerStep } from "../steps/pgbouncer";
import { configStep, guardStep, patroniStep } from "../steps/postgres";
import { instanceFacts, instanceType } from "../config/facts";
import { hostCommand, type HostAccess, type SecretValues } from "./remote";

export interface PgInstanceArgs {
  model: Model;
  cluster: ClusterModel;
  instance: InstanceModel;
  access: HostAccess;
  /** Access to the infra node, where the instance's Prometheus target file lives. */
  infraAccess: HostAccess;
  secrets: SecretValues;
  /** What Patroni must wait for: the DCS, and for a replica the primary's Patroni. */
  patroniAfter: pulumi.Resource[];
  /** The cluster's leader step, resolved once it exists. HAProxy's config waits for it, so a switchover
   * happens before the backup flags follow it (and a failed switchover leaves HAProxy as it was). */
  leaderStep: Promise<pulumi.Resource>;
  /** What the registration must wait for (the infra node's monitoring). */
  registerAfter: pulumi.Resource[];
  /** Seconds to wait for this member to run (replica clone); see steps/postgres.ts. */
  waitTimeout: number;
}

export class PgInstance extends pulumi.ComponentResource {
  /** Patroni started and this member running: replicas and cluster SQL depend on it. */
  readonly patroni: command.remote.Command;
  /** Every step of the instance, for dependents that need the whole instance. */
  readonly steps: command.remote.Command[];
  readonly role: string;

  constructor(name: string, args: PgInstanceArgs, opts?: pulumi.ComponentResourceOptions) {
    const { model, cluster, instance, access, secrets } = args;
    super(instanceType, name, instanceFacts(cluster, instance), opts);
    const on = (step: string, s: Parameters<typeof hostCommand>[2], dependsOn: pulumi.Input<pulumi.Resource>[]) =>
      hostCommand(`${name}-${step}`, access, s, secrets, { parent: this, dependsOn });

    const prepare = on("prepare", prepareNode(instance.name, PG_PACKAGES, true), []);
    const guard = on("guard", guardStep(model, cluster, instance), [prepare, ...args.patroniAfter]);
    const config = on("config", configStep(model, cluster, instance), [guard, on("tls", patroniTlsStep(cluster, instance), [prepare])]);
    this.patroni = on("patroni", patroniStep(cluster, instance, args.waitTimeout), [config, ...args.patroniAfter]);
    const pgbouncer = on("pgbouncer", pgbouncerStep(model, cluster, instance), [this.patroni]);
    const haproxy = on("haproxy", haproxyStep(model, cluster, instance), [prepare, args.leaderStep]);
    const exporters = on("exporters", exportersStep(model, cluster, instance), [this.patroni]);
    const target = model.scrapeTargets.find((t) => t.instance === instance.name) as ScrapeTarget;
    const register = hostCommand(`${name}-register`, args.infraAccess, registerStep(model, target, (actions) => resetBlock(instance, "register", actions)), {}, { parent: this, dependsOn: args.registerAfter });
    this.steps = [prepare, guard, config, this.patroni, pgbouncer, haproxy, exporters, register];
    this.role = instance.role;
    this.registerOutputs({ role: this.role });
  }
}
