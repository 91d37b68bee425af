// How host scripts reach etcd: over TLS with the stack's CA, as root (DCS and infra nodes) or as a cluster's Patroni user.
import type { DcsModel } from "../config/model";
import { slot } from "../config/secretSlots";
import { etcdUserOf } from "../render/etcd";
import { etcdRootEnvOf } from "../render/paths";
import { placeholder } from "../render/placeholders";
import { CA_CERT } from "../render/tls";
import { fillSecrets, type FileSpec } from "./installFiles";
import { heredoc, quote } from "./shell";
import type { Line } from "./lines";

/** The client URLs of every member of a DCS. */
export const etcdUrls = (dcs: DcsModel) => dcs.endpoints.map((e) => `https://${e}`).join(",");

/** The slot of a DCS's root password: each DCS has its own. */
export const etcdRootSlot = (dcs: DcsModel) => slot.etcdRoot(dcs.owner === undefined ? undefined : dcs.name);

/** Sourced by bash: the password goes inside double quotes, escaped by the `env` format. */
const credentials = (user: string, passwordSlot: string, ca: string) =>
  ["ETCDCTL_API=3", `ETCDCTL_CACERT=${ca}`, `ETCDCTL_USER="${user}:${placeholder(passwordSlot, "env")}"`, ""].join("\n");

/** A certificate or key: the whole file, verbatim. */
export const pemPlaceholder = (slot: string) => placeholder(slot, "raw");

/** The files that let root on this host run etcdctl as the root of a DCS: the CA and the credentials. */
export function etcdRootFiles(dcs: DcsModel): FileSpec[] {
  return [
    { path: CA_CERT, content: pemPlaceholder(slot.tlsCa()) },
    { path: etcdRootEnvOf(dcs), content: credentials("root", etcdRootSlot(dcs), CA_CERT), mode: "0600" },
  ];
}

/** Defines `etcd_root ARGS...`: etcdctl as the root of a DCS (after etcdRootFiles are installed); pass --endpoints. */
export const etcdRootFunction = (dcs: DcsModel) => `etcd_root() { ( set -a; . ${quote(etcdRootEnvOf(dcs))}; set +a; exec etcdctl --command-timeout=5s "$@" ); }`;

/**
 * Lines that define `etcd_patroni ARGS...` (the step library's etcd_as): etcdctl as the cluster's Patroni user against
 * every DCS member. The CA and credentials go to the step's private dir only, so the guard can run before the
 * instance's TLS files exist.
 */
export function etcdPatroniLines(dcs: DcsModel, cluster: string): Line[] {
  const [ca, password] = [slot.tlsCa(), slot.patroniEtcd(cluster)];
  const args = [etcdUserOf(cluster), etcdUrls(dcs), pemPlaceholder(ca), placeholder(password, "env")];
  return [{ text: `etcd_as ${args.map(quote).join(" ")}`, secrets: [ca, password] }];
}

/**
 * Lines that write `$work/etcd.env` (0600), which etcdctl reads as the cluster's Patroni user (`set -a; . FILE`), with
 * the CA at `ca`. The user and its password are the same in every DCS the cluster lives in.
 */
export function patroniEtcdEnvLines(cluster: string, ca: string): Line[] {
  return [
    { text: heredoc('cat >"$work/etcd.env.in"', credentials(etcdUserOf(cluster), slot.patroniEtcd(cluster), ca)), secrets: [slot.patroniEtcd(cluster)] },
    `(umask 077; ${fillSecrets('"$work/etcd.env.in"')} >"$work/etcd.env")`,
  ];
}

/** Lines that write a password twice into FILE (0600), as etcdctl's `user add`/`user passwd` read it on stdin. */
export function passwordFileLines(passwordSlot: string, file: string): Line[] {
  const twice = `${placeholder(passwordSlot, "raw")}\n${placeholder(passwordSlot, "raw")}\n`;
  return [
    { text: heredoc('cat >"$work/password.in"', twice), secrets: [passwordSlot] },
    `(umask 077; ${fillSecrets('"$work/password.in"')} >${file})`,
  ];
}
