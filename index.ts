// The Pulumi program: stack config -> validated inventory -> infra node and one component per cluster.
import { readFileSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { InfraNode } from "./components/infraNode";
import { PgCluster } from "./components/pgCluster";
import { inBatches, PREVIEW_BATCH, registered } from "./components/previewBatches";
import { deployedClusterDcs, deployedDcs, deployedMembers, deployedStandbys, deployedStepLibrary, stepLibraryNotice } from "./components/deployed";
import { leaderOf, reportDrift } from "./components/drift";
import { Certificates } from "./components/certificates";
import { applySdkSettings } from "./components/sdkSettings";
import type { HostAccess } from "./components/remote";
import { dcsChangeProblems, type DeployedDcs } from "./config/dcsChange";
import { InventoryError, loadInventory } from "./config/load";
import { expandPath, rawInventory } from "./config/stack";
import { dcsPath, upstreamLabel, type DcsModel } from "./config/model";
import { hostLibrary } from "./render/hostLibrary";

// No stack trace per promise, none per resource in the state (components/sdkSettings.ts).
applySdkSettings();

const config = new pulumi.Config("pigsty");
const baseDir = __dirname;

function load() {
  try {
    return loadInventory(rawInventory({ inventory: config.getObject("inventory"), sandbox: config.get("sandbox"), baseDir }));
  } catch (e) {
    // Every problem at once, before any resource exists (a RunError prints without a stack trace).
    if (e instanceof InventoryError) throw new pulumi.RunError(`the inventory has problems:\n${e.message}`);
    throw e;
  }
}

const { model, warnings, secrets } = load();
for (const w of warnings) pulumi.log.warn(`${w.path}: ${w.message}`);

function readPrivateKey(path: string): pulumi.Output<string> {
  try {
    return pulumi.secret(readFileSync(path, "utf8"));
  } catch {
    throw new pulumi.RunError(`ssh.key_path: cannot read ${path}. Point it at the admin user's private key (or start the sandbox).`);
  }
}
/** ssh.agent: the provider signs with the agent at SSH_AUTH_SOCK (it reads the variable itself), and no key is in the state. */
function agentKeys(): undefined {
  const socket = process.env.SSH_AUTH_SOCK;
  if (!socket) throw new pulumi.RunError("ssh.agent is true but SSH_AUTH_SOCK is not set: start ssh-agent and ssh-add the admin user's key in this shell (or set ssh.agent: false and point ssh.key_path at the key).");
  return undefined;
}
const privateKey = model.ssh.keyPath === undefined ? agentKeys() : readPrivateKey(expandPath(model.ssh.keyPath, baseDir));
const access = (ip: string): HostAccess => ({
  host: ip,
  port: model.ssh.port,
  user: model.ssh.user,
  privateKey,
  hostKey: model.ssh.hostKeys[ip],
  ...(model.ssh.bastion && { bastion: model.ssh.bastion }),
});

const deployedForm = (d: DcsModel): DeployedDcs => ({ name: d.name, servers: Object.fromEntries(d.members.map((m) => [m.name, m.ip])) });
/** The DCS as deployed: the next preview compares its config with this (config/dcsChange.ts). */
export const dcs: DeployedDcs = deployedForm(model.dcs);
/** Each cluster's own DCS (clusters.<c>.dcs) as deployed, by cluster name: compared the same way. */
export const clusterDcs: Record<string, DeployedDcs> = Object.fromEntries(model.clusters.flatMap((c) => (c.ownDcs ? [[c.name, deployedForm(c.ownDcs)]] : [])));
// A preview stops on a DCS change etcd cannot follow in place, before any command runs.
void Promise.all([deployedDcs(), deployedClusterDcs()]).then(([before, beforeOwn]) => {
  const problems = [
    ...dcsChangeProblems(before, dcs),
    ...model.clusters.flatMap((c) => (c.ownDcs ? dcsChangeProblems(beforeOwn[c.name], clusterDcs[c.name], dcsPath(c.ownDcs)) : [])),
  ];
  if (problems.length > 0) throw new pulumi.RunError(`the DCS cannot change this way:\n${problems.join("\n")}`);
});

/** The step library version on the hosts (render/hostLibrary.ts): the next preview says when it changes. */
export const stepLibrary = hostLibrary().hash;
void Promise.all([deployedDcs(), deployedStepLibrary()]).then(([before, library]) => {
  const notice = stepLibraryNotice(before !== undefined, library, stepLibrary);
  if (notice) pulumi.log.info(notice);
});

// The stack's CA and a certificate per TLS server (etcd members, Patroni REST APIs, Postgres and pgbouncer); keys are secrets in state.
const pki = new Certificates("pki", { model, stack: pulumi.getStack() });
const alertmanagerSecrets = Object.fromEntries(Object.entries(secrets).filter(([slot]) => slot.startsWith("alertmanager/")));
const infra = new InfraNode("meta", { model, access, tls: pki.secrets, alertmanagerSecrets });
// Read once: each cluster's promotion fact compares its config with the standby it was (preview only).
const previousStandbys = deployedStandbys().then((s) => new Map(Object.entries(s)));
// Standby clusters after the others: a standby cluster's roles have its upstream's passwords.
const buildOrder = [...model.clusters.filter((c) => !c.standby), ...model.clusters.filter((c) => c.standby)];
const builtByName = new Map<string, PgCluster>();
const buildCluster = (c: (typeof model.clusters)[number]) => {
  const cluster = new PgCluster(c.name, {
    model,
    cluster: c,
    secrets: Object.fromEntries(Object.entries(secrets).filter(([slot]) => slot.startsWith(`${c.name}/`))),
    ...(c.standby && !c.standby.external && { upstreamSecrets: builtByName.get(c.standby.upstream)!.secrets }),
    access,
    infraPrepared: [infra.prepared],
    dcsReady: infra.dcsReadyFor(c),
    stackSecrets: infra.secrets,
    deployed: deployedMembers(c.name),
    deployedUpstream: previousStandbys.then((s) => s.get(c.name)),
    monitoringReady: [infra.monitoring],
    backupRepoReady: c.backup && infra.backupRepos[c.backup.repo.ip],
  });
  builtByName.set(c.name, cluster);
  return cluster;
};
const built = inBatches(
  buildOrder,
  pulumi.runtime.isDryRun() ? PREVIEW_BATCH : model.clusters.length,
  buildCluster,
  (batch) => registered(batch.flatMap((c) => c.steps)),
);
/** Each cluster's outputs by cluster name, once every cluster is built. */
const byCluster = <T>(pick: (c: PgCluster) => T) => built.then((cs) => Object.fromEntries(cs.map((c, i) => [buildOrder[i].name, pick(c)])));

export const prometheusUrl = infra.prometheusUrl;
export const frontPageUrl = infra.frontPageUrl;
export const services = byCluster((c) => c.endpoints);
export const instances = Object.fromEntries(
  model.clusters.flatMap((c) => c.instances.map((i) => [i.name, { cluster: c.name, ip: i.ip, role: i.role }])),
);
/**
 * Standby cluster -> the cluster it follows, or `[addresses]` of an upstream outside the stack: the next preview sees a
 * promotion (pg_upstream removed) against this.
 */
export const standbys: Record<string, string> = Object.fromEntries(model.clusters.flatMap((c) => (c.standby ? [[c.name, upstreamLabel(c.standby)]] : [])));
export const haproxyAdminPages = Object.fromEntries(
  model.clusters.flatMap((c) => c.instances.map((i) => [i.name, `http://${i.ip}:${c.ports.haproxyAdmin}/`])),
);
/** Business users' passwords, secret: `pulumi stack output passwords --show-secrets`. */
export const passwords = pulumi.secret(byCluster((c) => c.userPasswords));
// Preview only: each cluster's configured primary against Patroni's actual leader, said as info or warning.
// Not an output: its value would differ between preview and up, so every preview would show a change.
// The CA is known in a preview once it exists; before that no cluster runs, so there is nothing to compare.
pki.caCert.apply((ca) => reportDrift(model.clusters, (c) => leaderOf(c, ca)));
/** The stack's CA certificate (public): `sslrootcert` for Postgres, pgbouncer and HAProxy's services (verify-full), `curl --cacert` for etcd and Patroni's REST API. */
export const tlsCa = pki.caCert;
/** Credentials the operator tool (`npm run pg`) reads: Patroni REST API and HAProxy admin, and the CA; secret. */
export const operatorAccess = pulumi.secret(byCluster((c) => pulumi.all([c.operatorAccess, pki.caCert]).apply(([a, ca]) => ({ ...(a as object), ca }))));
