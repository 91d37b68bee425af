// Preview-time check of intent versus reality: which member Patroni says leads, against the config's pg_role.
import * as pulumi from "@pulumi/pulumi";
import type { ClusterModel } from "../config/model";
import { Patroni } from "../patroni/client";
import { followLeader, patroniApis } from "../patroni/members";
import { deployedInstances, deployedPrimary, type DeployedInstance } from "./deployed";

export interface ClusterDrift {
  cluster: string;
  intended: string;
  /** The leader Patroni reports, or undefined when no member answered. */
  actual?: string;
  /** The configured primary at the previous `up`, or undefined on the first. */
  deployed?: string;
  /** The configured primary's state as the leader's Patroni lists it; undefined when it is not listed (down). */
  intendedState?: string;
}

/** What the members' Patroni say: who leads, and each listed member's state. */
export interface ClusterView {
  leader?: string;
  states: Record<string, string>;
}

export interface DriftMessage {
  level: "info" | "warn";
  text: string;
}

/**
 * Asks members' Patroni who leads (GET /cluster needs no auth; TLS verified against the stack's CA);
 * the first member that names a leader decides. No leader when none answers or none names one.
 */
export async function leaderOf(cluster: ClusterModel, ca: string, timeoutMs = 2000): Promise<ClusterView> {
  // Not deployed yet, or down: no leader to compare with.
  const view = await new Patroni(patroniApis(cluster), { ca, timeoutMs }).leaderView().catch(() => undefined);
  return { leader: view?.leader, states: Object.fromEntries((view?.members ?? []).map((m) => [m.name, m.state])) };
}

/** Patroni's states of a member that can take over: it runs, and a replica streams or replays. */
const RUNNING_STATES = new Set(["running", "streaming"]);

/**
 * What a preview says about each cluster whose actual leader is not its configured primary: a planned
 * switchover when `pg_role: primary` moved since the previous `up` (its `-leader` step will switch over),
 * otherwise an unplanned failover, which nothing fails back.
 */
export function driftMessages(drift: ClusterDrift[], clusters: ClusterModel[]): DriftMessage[] {
  return drift
    .filter((d) => d.actual !== undefined && d.actual !== d.intended)
    .map((d) => {
      const cluster = clusters.find((c) => c.name === d.cluster);
      const members = cluster?.instances ?? [];
      const ipOf = (name: string) => members.find((i) => i.name === name)?.ip;
      const switchover = `npm run pg -- switchover ${d.cluster} --candidate ${d.intended}`;
      if (d.deployed !== undefined && d.deployed !== d.intended) {
        const sync = cluster?.patroni.synchronous_mode ? ` Synchronous mode is on: ${d.intended} is made a synchronous standby first (every replica synchronous for the moment), then the count is put back.` : "";
        return { level: "info", text: `${d.cluster}: \`pulumi up\` will switch over from ${d.actual} to ${d.intended} (pg_role: primary moved to ${ipOf(d.intended)}).${sync}` };
      }
      const follow = cluster && followLeader(cluster, d.actual as string);
      // A switchover needs a running candidate: never suggest one whose Patroni is down or that is not listed.
      const intendedDown = d.intendedState === undefined || !RUNNING_STATES.has(d.intendedState);
      const intendedNow = d.intendedState === undefined ? "not listed by Patroni (down?)" : `${d.intendedState}`;
      const returnTo = intendedDown
        ? `${d.intended} is ${intendedNow}: bring it back first (journalctl -u patroni on ${ipOf(d.intended)}), then \`${switchover}\` returns to it.`
        : `to return to ${d.intended}, run \`${switchover}\`.`;
      const keep = follow
        ? `To keep ${d.actual} as primary, ${follow}; ${returnTo}`
        : `${d.actual} is no longer in this stack's config: switch over to a configured member first (${intendedDown ? returnTo : `\`${switchover}\``}).`;
      return { level: "warn", text: `${d.cluster}: Patroni's leader is ${d.actual}, but config names ${d.intended} as primary (a failover happened). Nothing will fail back. ${keep}` };
    });
}

/**
 * During a preview, says when Patroni's leader is not the configured primary: a planned switchover that `up`
 * will do, or an unplanned failover that it never undoes by itself.
 */
export async function reportDrift(
  clusters: ClusterModel[],
  ask: (c: ClusterModel) => Promise<ClusterView>,
  previous: () => Promise<Record<string, DeployedInstance>> = deployedInstances,
): Promise<ClusterDrift[]> {
  if (!pulumi.runtime.isDryRun()) return [];
  const deployed = await previous();
  const drift = await Promise.all(
    clusters.map(async (c): Promise<ClusterDrift> => {
      const view = await ask(c);
      return { cluster: c.name, intended: c.primary.name, actual: view.leader, deployed: deployedPrimary(deployed, c.name), intendedState: view.states[c.primary.name] };
    }),
  );
  for (const m of driftMessages(drift, clusters)) (m.level === "info" ? pulumi.log.info : pulumi.log.warn)(m.text);
  return drift;
}
