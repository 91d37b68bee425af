// Secret slots: stable names for every password a cluster needs. Values never enter the model.
import type { ClusterVars } from "./varsSchema";

/** Slot name -> the password given in the inventory, or undefined (the Pulumi side generates it). */
export type SecretSlots = Record<string, string | undefined>;

/** Slot names, e.g. `pg-test/replication`, `pg-test/user/dbuser_test`. */
export const slot = {
  superuser: (cluster: string) => `${cluster}/superuser`,
  replication: (cluster: string) => `${cluster}/replication`,
  monitor: (cluster: string) => `${cluster}/monitor`,
  admin: (cluster: string) => `${cluster}/admin`,
  patroniApi: (cluster: string) => `${cluster}/patroni_api`,
  haproxyAdmin: (cluster: string) => `${cluster}/haproxy_admin`,
  user: (cluster: string, user: string) => `${cluster}/user/${user}`,
  /** The cluster's Patroni in etcd: a user whose role reaches only the cluster's keys. */
  patroniEtcd: (cluster: string) => `${cluster}/etcd`,
  /** etcd's root user, for the infra node and the DCS members only: the stack's DCS's, or a cluster's own DCS's by its name. */
  etcdRoot: (ownDcs?: string) => (ownDcs === undefined ? "dcs/etcd_root" : `dcs/${ownDcs}/etcd_root`),
  /** The stack's CA certificate (public, carried like a secret because it is made during the run). */
  tlsCa: () => "tls/ca",
  /** A backup repository's cipher passphrase, on its host only. */
  backupCipher: (repoName: string) => `backup/${repoName}/cipher`,
  /** Alertmanager's webhook receiver URL and SMTP password: on the infra node only. */
  alertmanagerWebhookUrl: () => "alertmanager/webhook_url",
  alertmanagerSmtpPassword: () => "alertmanager/smtp_password",
  tlsCert: (service: string, host: string) => `tls/${service}/${host}/cert`,
  tlsKey: (service: string, host: string) => `tls/${service}/${host}/key`,
};

/**
 * The slots of roles in the database: a standby cluster's hold the upstream's passwords (its catalog is the
 * upstream's), so the slot of the same role in the upstream, e.g. `pg-std/user/app` -> `pg-test/user/app`. The
 * other slots (Patroni's REST API and etcd user, HAProxy's admin page) stay the cluster's own: undefined.
 */
export function upstreamSlot(slotName: string, upstream: string): string | undefined {
  const [, ...rest] = slotName.split("/");
  const kind = rest.join("/");
  return ["superuser", "replication", "monitor", "admin"].includes(kind) || kind.startsWith("user/") ? `${upstream}/${kind}` : undefined;
}

/** What secretSlotsFor needs to know about a cluster (a ClusterModel fits). */
export interface SlotSubject {
  name: string;
  users: { name: string; login: boolean }[];
  haproxyAdmin: { authEnabled: boolean };
}

/**
 * Every slot a cluster needs, sorted: the built-in accounts, the Patroni REST API, Patroni's etcd user, the HAProxy
 * admin page when its auth is on, and each login user.
 */
export function secretSlotsFor(cluster: SlotSubject): string[] {
  const c = cluster.name;
  const slots = [slot.superuser(c), slot.replication(c), slot.monitor(c), slot.admin(c), slot.patroniApi(c), slot.patroniEtcd(c)];
  if (cluster.haproxyAdmin.authEnabled) slots.push(slot.haproxyAdmin(c));
  for (const u of cluster.users) if (u.login) slots.push(slot.user(c, u.name));
  return [...new Set(slots)].sort();
}

/** Reads the passwords a cluster's vars carry into its slots (undefined where absent). */
export function secretsOfCluster(cluster: SlotSubject, vars: ClusterVars): SecretSlots {
  const c = cluster.name;
  const given: SecretSlots = {
    [slot.superuser(c)]: vars.pg_dbsu_password,
    [slot.replication(c)]: vars.pg_replication_password,
    [slot.monitor(c)]: vars.pg_monitor_password,
    [slot.admin(c)]: vars.pg_admin_password,
    [slot.patroniApi(c)]: vars.patroni_password,
    [slot.haproxyAdmin(c)]: vars.haproxy_admin_password,
  };
  for (const u of [...vars.pg_default_roles, ...vars.pg_users]) given[slot.user(c, u.name)] = u.password;
  const out: SecretSlots = {};
  for (const s of secretSlotsFor(cluster)) out[s] = given[s];
  return out;
}
