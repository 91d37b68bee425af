// Loads the stack config `pigsty:inventory` (or a converted pigsty.yml) into the model, or throws every problem at once.
import type { z } from "zod";
import { deriveCluster, mergedServices, type VarsPath } from "./deriveCluster";
import type { BackupRepoModel, ClusterModel, Model } from "./model";
import { InventoryError, problemsFromIssue, error, closest, joinPath, type Problem } from "./problems";
import { RESERVED_MESSAGE, reservedPlaceholderPaths } from "./safeValues";
import { ClusterSchema, DcsSchema, InfraSchema, InventorySchema, SshSchema, type ClusterInput, type Inventory } from "./schema";
import { secretsOfCluster, type SecretSlots } from "./secretSlots";
import { checkHosts, validateCluster } from "./validateCluster";
import { linkStandbys } from "./standby";
import { validateDcsAndSsh, validateHostsAcrossClusters, validatePorts } from "./validateFleet";
import { validateBackups } from "./validateBackups";
import { dcsModel, validateClusterDcs } from "./clusterDcs";
import { deriveVips } from "./vip";
import { ClusterVarsSchema } from "./varsSchema";
import { isRecord } from "./schemaKit";
import { alertThresholdsOf, DEFAULT_ALERT_THRESHOLDS } from "./alertSchema";
import { alertmanagerModel, alertmanagerSecrets } from "./alertmanagerModel";

export { InventoryError } from "./problems";
export type { Problem } from "./problems";
export type { SecretSlots } from "./secretSlots";
export { secretSlotsFor } from "./secretSlots";
export { inventoryFromPigstyYaml, inventoryFromStackConfig } from "./pigstyYaml";

export interface LoadResult {
  model: Model;
  /** Problems that do not stop a deploy (e.g. no offline-capable member, unpinned host key). */
  warnings: Problem[];
  /** Passwords found in the inventory by slot; undefined = generate. */
  secrets: SecretSlots;
}


/** Parses one section, prefixing issue paths; returns undefined when it has errors. */
function parseSection<S extends z.ZodType>(schema: S, value: unknown, prefix: (string | number)[], problems: Problem[], drop?: (path: PropertyKey[]) => boolean): z.infer<S> | undefined {
  const r = schema.safeParse(value, { reportInput: true });
  if (r.success) return r.data;
  for (const issue of r.error.issues) {
    if (drop?.(issue.path)) continue;
    problems.push(...problemsFromIssue({ ...issue, path: [...prefix, ...issue.path] }));
  }
  return undefined;
}

/** Pigsty's all.vars: each cluster takes the top-level value of every key it does not set itself. */
function withGlobalVars(globalVars: unknown, clusterRaw: unknown): { merged: unknown; inherited: Set<string> } {
  if (!isRecord(globalVars) || !isRecord(clusterRaw)) return { merged: clusterRaw, inherited: new Set() };
  const own = isRecord(clusterRaw.vars) ? clusterRaw.vars : {};
  const inherited = new Set(Object.keys(globalVars).filter((k) => !(k in own)));
  return { merged: { ...clusterRaw, vars: { ...globalVars, ...own } }, inherited };
}

export function loadInventory(raw: unknown): LoadResult {
  const problems: Problem[] = [];
  if (!isRecord(raw)) throw new InventoryError([error("pigsty:inventory", "is not a mapping. Give infra, dcs, ssh, vars and clusters as keys.")]);
  for (const at of reservedPlaceholderPaths(raw)) problems.push(error(joinPath(at), RESERVED_MESSAGE));
  const known = Object.keys(InventorySchema.shape);
  for (const key of Object.keys(raw)) {
    if (!known.includes(key)) {
      const guess = closest(key, known);
      problems.push(error(key, `unknown key. ${guess ? `Did you mean ${guess}?` : `Valid keys here: ${known.join(", ")}.`}`));
    }
  }
  const infra = parseSection(InfraSchema, raw.infra, ["infra"], problems);
  const dcs = parseSection(DcsSchema, raw.dcs, ["dcs"], problems);
  const ssh = parseSection(SshSchema, raw.ssh ?? {}, ["ssh"], problems);
  const vars = raw.vars === undefined ? undefined : parseSection(ClusterVarsSchema, raw.vars, ["vars"], problems);
  const clusters: Record<string, ClusterInput> = {};
  const paths = new Map<string, { at: VarsPath; serviceKeys: Map<string, string> }>();
  if (!isRecord(raw.clusters)) {
    problems.push(error("clusters", "is required. Add clusters keyed by name, e.g. pg-test: { hosts: {...}, vars: {...} }."));
  } else {
    for (const [name, clusterRaw] of Object.entries(raw.clusters)) {
      const { merged, inherited } = withGlobalVars(raw.vars, clusterRaw);
      const at: VarsPath = (key) => (inherited.has(key) ? `vars.${key}` : `clusters.${name}.vars.${key}`);
      // Problems in inherited keys were already reported once under `vars.`.
      const fromGlobal = (p: PropertyKey[]) => p[0] === "vars" && typeof p[1] === "string" && inherited.has(p[1]);
      const parsed = parseSection(ClusterSchema, merged, ["clusters", name], problems, fromGlobal);
      if (!parsed && isRecord(clusterRaw) && isRecord(clusterRaw.hosts)) {
        const hosts = Object.fromEntries(Object.entries(clusterRaw.hosts).map(([ip, h]) => [ip, isRecord(h) ? h : {}]));
        problems.push(...checkHosts(`clusters.${name}`, { hosts }));
      }
      if (parsed) {
        clusters[name] = parsed;
        const serviceKeys = new Map<string, string>();
        for (const { svc, key } of mergedServices(parsed.vars)) {
          const base = key.split("[")[0];
          serviceKeys.set(svc.name, `${at(base)}${key.slice(base.length)}.src_port`);
        }
        paths.set(name, { at, serviceKeys });
      }
    }
  }
  problems.push(...validateHostsAcrossClusters(clusters));
  problems.push(...validateClusterDcs(dcs, clusters));
  const models: ClusterModel[] = [];
  for (const name of Object.keys(clusters).sort()) {
    const { at } = paths.get(name)!;
    const before = problems.length;
    problems.push(...validateCluster(name, clusters[name], at));
    if (problems.slice(before).some((p) => p.severity === "error")) continue;
    const own = clusters[name].dcs;
    models.push({ ...deriveCluster(name, clusters[name], infra?.ip ?? "127.0.0.1", at, problems), ...(own && { ownDcs: dcsModel(own, name) }) });
  }
  problems.push(...validateBackups(models, paths, (name) => clusters[name].vars.pgbackrest_enabled));
  problems.push(...linkStandbys(models, { vars: (name) => clusters[name].vars, at: (name) => paths.get(name)!.at }));
  problems.push(...deriveVips(models, { hosts: inventoryHosts(infra, dcs, ssh, models), vars: (name) => clusters[name].vars, at: (name) => paths.get(name)!.at }));
  if (dcs && ssh) {
    // Every host the program runs commands on: the infra node, the DCS servers (the stack's and the clusters' own), the
    // cluster members and the backup repositories.
    const repoIps = infra ? models.flatMap((c) => (c.backup ? [c.backup.repo.ip] : [])) : [];
    const ownDcsIps = models.flatMap((c) => c.ownDcs?.members.map((m) => m.ip) ?? []);
    const hostIps = [...new Set([...(infra ? [infra.ip] : []), ...Object.values(dcs.servers), ...ownDcsIps, ...models.flatMap((c) => c.instances.map((i) => i.ip)), ...repoIps])];
    problems.push(...validateDcsAndSsh({ dcs, ssh }, hostIps));
  }
  if (infra && dcs && ssh) problems.push(...validatePorts({ infra, dcs, ssh, vars, clusters }, models, paths));
  const errors = problems.filter((p) => p.severity === "error");
  const warnings = dedupe(problems.filter((p) => p.severity === "warning"));
  if (errors.length > 0 || !infra || !dcs || !ssh) throw new InventoryError(dedupe(errors));
  const inventory: Inventory = { infra, dcs, ssh, vars, clusters };
  return { model: buildModel(inventory, models), warnings, secrets: collectSecrets(inventory, models) };
}

/** Every host the inventory names, with how a message names it (an address a VIP must not take). */
function inventoryHosts(infra: Inventory["infra"] | undefined, dcs: Inventory["dcs"] | undefined, ssh: Inventory["ssh"] | undefined, models: ClusterModel[]): { ip: string; name: string }[] {
  return [
    ...models.flatMap((c) => c.instances.map((i) => ({ ip: i.ip, name: `member ${i.name}` }))),
    ...(infra ? [{ ip: infra.ip, name: "the infra node" }] : []),
    ...Object.entries(dcs?.servers ?? {}).map(([name, ip]) => ({ ip, name: `DCS server ${name}` })),
    ...models.flatMap((c) => c.ownDcs?.members.map((m) => ({ ip: m.ip, name: `DCS server ${m.name} of ${c.name}` })) ?? []),
    ...models.flatMap((c) => (c.backup ? [{ ip: c.backup.repo.ip, name: `the backup repository of ${c.name}` }] : [])),
    ...(ssh?.bastion ? [{ ip: ssh.bastion.host, name: "the SSH bastion" }] : []),
  ];
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.severity}|${p.path}|${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function collectSecrets(inv: Inventory, models: ClusterModel[]): SecretSlots {
  const out: SecretSlots = {};
  for (const c of models) Object.assign(out, secretsOfCluster(c, inv.clusters[c.name].vars));
  return { ...out, ...alertmanagerSecrets(inv.infra) };
}

/** The repository hosts, each with the clusters it keeps (validateBackups checks that they agree on its settings). */
function backupRepos(clusters: ClusterModel[]): BackupRepoModel[] {
  const byIp = new Map<string, BackupRepoModel>();
  for (const c of clusters) {
    if (!c.backup) continue;
    const repo = byIp.get(c.backup.repo.ip) ?? { ...c.backup.repo, clusters: [] };
    repo.clusters.push(c.name);
    byIp.set(repo.ip, repo);
  }
  return [...byIp.values()].sort((a, b) => a.ip.localeCompare(b.ip));
}

function buildModel(inv: Inventory, clusters: ClusterModel[]): Model {
  const { bastion } = inv.ssh;
  return {
    infra: {
      ip: inv.infra.ip,
      nginxPort: inv.infra.nginx_port,
      prometheusPort: inv.infra.prometheus_port,
      alertmanagerPort: inv.infra.alertmanager_port,
      grafana: inv.infra.grafana,
      prometheusSdDir: inv.infra.prometheus_sd_dir,
      alertmanager: alertmanagerModel(inv.infra),
    },
    dcs: dcsModel(inv.dcs),
    ssh: {
      user: inv.ssh.user,
      ...(!inv.ssh.agent && { keyPath: inv.ssh.key_path }),
      port: inv.ssh.port,
      hostKeys: Object.fromEntries(Object.entries(inv.ssh.host_keys).sort(([a], [b]) => a.localeCompare(b))),
      ...(bastion && { bastion: { host: bastion.host, user: bastion.user ?? inv.ssh.user, port: bastion.port, ...(bastion.host_key && { hostKey: bastion.host_key }) } }),
    },
    clusters,
    scrapeTargets: clusters.flatMap((c) =>
      c.instances.map((i) => ({
        cluster: c.name,
        instance: i.name,
        ip: i.ip,
        labels: { cls: c.name, ins: i.name },
        targets: {
          pgsql: [c.ports.pgExporter, c.ports.haproxyAdmin].map((p) => `${i.ip}:${p}`),
          node: [`${i.ip}:${c.ports.nodeExporter}`],
          patroni: [`${i.ip}:${c.ports.patroni}`],
          pgbouncer: [`${i.ip}:${c.ports.pgbouncer}`],
        },
      })),
    ),
    backupRepos: backupRepos(clusters),
    alertDefaults: inv.vars ? alertThresholdsOf(inv.vars) : DEFAULT_ALERT_THRESHOLDS,
  };
}
