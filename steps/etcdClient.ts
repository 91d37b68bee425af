// How host scripts reach etcd: over TLS with the stack's CA, as root (DCS and infra nodes) or as a cluster's Patroni user.
import type { Model } from "../config/model";
import { slot } from "../config/secretSlots";
import { etcdUserOf } from "../render/etcd";
import { ETCD_ROOT_ENV } from "../render/paths";
import { placeholder } from "../render/placeholders";
import { CA_CERT } from "../render/tls";
import { fillSecrets, type FileSpec } from "./installFiles";
import { heredoc, quote } from "./shell";
import type { Line } from "./lines";

/** The client URLs of every DCS member. */
export const etcdUrls = (model: Model) => model.dcs.endpoints.map((e) => `https://${e}`).join(",");

/** Sourced by bash: the password goes inside double quotes, escaped by the `env` format. */
const credentials = (user: string, passwordSlot: string, ca: string) =>
  ["ETCDCTL_API=3", `ETCDCTL_CACERT=${ca}`, `ETCDCTL_USER="${user}:${placeholder(passwordSlot, "env")}"`, ""].join("\n");

/** A certificate or key: the whole file, verbatim. */
export const pemPlaceholder = (slot: string) => placeholder(slot, "raw");

/** The files that let root on this host run etcdctl as etcd's root: the CA and the credentials. */
export function etcdRootFiles(): FileSpec[] {
  return [
    { path: CA_CERT, content: pemPlaceholder(slot.tlsCa()) },
    { path: ETCD_ROOT_ENV, content: credentials("root", slot.etcdRoot(), CA_CERT), mode: "0600" },
  ];
}

/** Defines `etcd_root ARGS...`: etcdctl as etcd's root (after etcdRootFiles are installed); pass --endpoints. */
export const etcdRootFunction = `etcd_root() { ( set -a; . ${quote(ETCD_ROOT_ENV)}; set +a; exec etcdctl --command-timeout=5s "$@" ); }`;

/**
 * Lines that define `etcd_patroni ARGS...`: etcdctl as the cluster's Patroni user against every DCS
 * member. The CA and credentials go to the step's private dir only, so the guard can run before
 * the instance's TLS files exist.
 */
export function etcdPatroniLines(model: Model, cluster: string): Line[] {
  return [
    { text: heredoc('cat >"$work/etcd-ca.crt.in"', pemPlaceholder(slot.tlsCa())), secrets: [slot.tlsCa()] },
    `${fillSecrets('"$work/etcd-ca.crt.in"')} >"$work/etcd-ca.crt"`,
    { text: heredoc('cat >"$work/etcd.env.in"', credentials(etcdUserOf(cluster), slot.patroniEtcd(cluster), '"$work/etcd-ca.crt"')), secrets: [slot.patroniEtcd(cluster)] },
    `(umask 077; ${fillSecrets('"$work/etcd.env.in"')} >"$work/etcd.env")`,
    `etcd_patroni() { ( set -a; . "$work/etcd.env"; set +a; exec etcdctl ${quote(`--endpoints=${etcdUrls(model)}`)} --command-timeout=5s "$@" ); }`,
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
