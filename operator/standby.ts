// `list` on a standby cluster (pg_upstream): its upstream, apply delay, and how far its standby leader is behind.
import { upstreamLabel, type ClusterModel } from "../config/model";
import type { Patroni } from "../patroni/client";
import { table } from "./table";

/** What GET /patroni says of a member's WAL (Patroni 3.0): a primary's position, or a standby's received and replayed ones. */
export interface PatroniStatus {
  state?: string;
  role?: string;
  xlog?: { location?: number; received_location?: number; replayed_location?: number; replayed_timestamp?: string | null };
}

/** A standby cluster as `list` shows it; `--json` carries it as is. */
export interface StandbyView {
  /** The upstream cluster config names (pg_upstream), its addresses (`[10.1.1.11, 10.1.1.12]`) for an upstream outside the stack, or the host of Patroni's standby_cluster when config names none. */
  upstream: string;
  /** standby_cluster.recovery_min_apply_delay of the dynamic config Patroni runs (pg_delay). */
  delay?: string;
  /** The member Patroni has as standby leader. */
  standbyLeader?: string;
  /** The upstream's leader, whose WAL position the lag is measured against. */
  upstreamLeader?: string;
  /** The upstream leader's pg_current_wal_lsn() minus the standby leader's pg_last_wal_receive_lsn(), in bytes. */
  receiveLagBytes?: number;
  /** The same minus pg_last_wal_replay_lsn(). */
  replayLagBytes?: number;
  /** By the standby leader's clock, now minus pg_last_xact_replay_timestamp(); 0 when it has replayed all the upstream wrote. */
  replayDelaySeconds?: number;
  /** Why the lag is unknown. */
  problem?: string;
}

type Lag = Pick<StandbyView, "receiveLagBytes" | "replayLagBytes" | "replayDelaySeconds" | "problem">;

/**
 * The standby leader's lag behind the upstream leader, from both members' GET /patroni. `clock`: the standby leader's
 * time of its answer. An upstream that is itself a standby cluster has no write position: what it received counts.
 */
export function standbyLag(leader: PatroniStatus, upstream: PatroniStatus, clock?: Date): Lag {
  const head = upstream.xlog?.location ?? upstream.xlog?.received_location;
  if (head === undefined) return { problem: `the upstream leader's Patroni reports no WAL position (state ${upstream.state ?? "unknown"})` };
  const { received_location: received, replayed_location: replayed, replayed_timestamp: stamp } = leader.xlog ?? {};
  if (replayed === undefined) return { problem: `the standby leader's Patroni reports no WAL position (state ${leader.state ?? "unknown"})` };
  // Read a moment apart: a standby read first is never ahead, but round the other way to 0 rather than negative.
  const behind = (lsn: number) => Math.max(0, head - lsn);
  const replayLagBytes = behind(replayed);
  const age = stamp && clock ? Math.max(0, Math.round((clock.getTime() - Date.parse(stamp)) / 1000)) : undefined;
  const replayDelaySeconds = replayLagBytes === 0 ? 0 : age;
  return { receiveLagBytes: behind(received ?? replayed), replayLagBytes, ...(replayDelaySeconds !== undefined && { replayDelaySeconds }) };
}

/** recovery_min_apply_delay as the dynamic config holds it: a string with a unit, or milliseconds. */
function delayText(v: unknown): string | undefined {
  if (v === undefined || v === null || v === "" || v === 0 || v === "0") return undefined;
  return typeof v === "number" ? `${v}ms` : String(v);
}

/** A cluster's Patroni client; throws when the stack has no credentials for it. */
export type PatroniFor = (cluster: ClusterModel) => Patroni;

/**
 * The standby view of a cluster config makes a standby cluster or whose /cluster has a standby leader; undefined for
 * any other. The standby leader is read before the upstream leader, so the lag shown is never less than the true one.
 */
export async function standbyView(c: ClusterModel, members: { name: string; role: string }[], clusters: ClusterModel[], patroniFor: PatroniFor): Promise<StandbyView | undefined> {
  const leader = members.find((m) => m.role === "standby_leader")?.name;
  if (!c.standby && !leader) return undefined;
  const api = patroniFor(c);
  const config = await api.get("/config").catch(() => undefined);
  const remote = config?.standby_cluster;
  const delay = delayText(remote?.recovery_min_apply_delay);
  const view: StandbyView = { upstream: c.standby ? upstreamLabel(c.standby) : String(remote?.host ?? "unknown"), ...(delay && { delay }), ...(leader && { standbyLeader: leader }) };
  if (!leader) return { ...view, problem: config && !remote ? "Patroni runs it as a primary cluster: its dynamic config has no standby_cluster" : "no member is standby leader" };
  const standby = c.standby;
  if (standby?.external) return { ...view, problem: "the upstream is outside this stack, which cannot read its leader's WAL position" };
  const upstream = clusters.find((x) => x.name === standby?.upstream);
  if (!upstream) return { ...view, problem: `${view.upstream} is not a cluster of this stack's config` };
  try {
    const mine = await api.memberGet(leader, "/patroni");
    const upstreamApi = patroniFor(upstream);
    const upstreamLeader = await upstreamApi.leader();
    if (!upstreamLeader) return { ...view, problem: `${upstream.name} has no leader` };
    const theirs = await upstreamApi.memberGet(upstreamLeader, "/patroni");
    return { ...view, upstreamLeader, ...standbyLag(mine.body, theirs.body, mine.date) };
  } catch (e) {
    return { ...view, problem: (e as Error).message };
  }
}

/** The header's note on a cluster in a standby relation: what it follows, or what follows it. */
export function relationNote(standby: StandbyView | undefined, downstream: string[]): string | undefined {
  if (standby) return `standby cluster of ${standby.upstream}${standby.delay ? `, recovery_min_apply_delay ${standby.delay}` : ""}`;
  return downstream.length > 0 ? `upstream of standby cluster${downstream.length > 1 ? "s" : ""} ${downstream.join(", ")}` : undefined;
}

/** The standby leader's lag as a one-row table under the members, or why it is unknown. */
export function standbyLagText(v: StandbyView): string {
  const title = `Lag behind ${v.upstream}${v.upstreamLeader ? `'s leader ${v.upstreamLeader}` : ""}`;
  if (v.problem) return `${title}: unknown, ${v.problem}`;
  const row = [v.standbyLeader, v.receiveLagBytes, v.replayLagBytes, v.replayDelaySeconds ?? "unknown"];
  return `${title}\n${table(["Standby Leader", "Receive lag bytes", "Replay lag bytes", "Replay delay s"], [row])}`;
}
