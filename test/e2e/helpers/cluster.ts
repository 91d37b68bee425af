// Real checks on a deployed pg-test cluster in the sandbox: psql through services, Patroni's view, rows.
import { sshOk, sshRun } from "./sandbox";

/** Passwords of the deployed stack's business users (its secret `passwords` output), set after `up`. */
export const passwords: Record<string, string> = {};

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** psql run on `client` as the business user; the password travels on stdin, never on a command line. */
export function psql(host: string, port: number, sql: string, client = "pg-test-1"): Promise<string> {
  return sshOk(client, `PGPASSWORD="$(cat)" psql -X -At -h ${host} -p ${port} -U dbuser_test -d test -c "${sql}"`, { input: passwords.dbuser_test });
}

/** As the dbsu on `node` through the local socket. */
export function psqlLocal(node: string, sql: string): Promise<string> {
  return sshOk(node, `sudo -iu postgres psql -X -At -d postgres -c "${sql}"`);
}

/** etcdctl on a DCS member as etcd's root, with the credentials kept there for root (steps/etcdClient.ts); `args` are not quoted. */
export const etcdctlRoot = (args: string, endpoints = "https://127.0.0.1:2379") =>
  `sudo bash -c 'set -a; . /etc/pigsty/etcd-root.env; set +a; exec etcdctl --endpoints=${endpoints} ${args}'`;

/** curl for Patroni's REST API on the node it runs on (TLS, the stack's CA). */
export const curlPatroni = (path: string) => `curl -fsS --cacert /etc/pigsty/tls/ca.crt https://127.0.0.1:8008${path}`;

export type Member = { Member: string; Host: string; Role: string; State: string; TL?: number; "Lag in MB"?: number };

export async function patroniList(node = "pg-test-1"): Promise<Member[]> {
  return JSON.parse(await sshOk(node, "sudo -iu postgres patronictl -c /pg/bin/patroni.yml list -f json")) as Member[];
}

/** Polls until `ok` holds for Patroni's member list, or fails after `seconds` with the last list. */
export async function waitMembers(ok: (m: Member[]) => boolean, seconds = 90, node = "pg-test-1"): Promise<Member[]> {
  let last: Member[] = [];
  for (let i = 0; i < seconds / 2; i++) {
    last = await patroniList(node).catch(() => []);
    if (ok(last)) return last;
    await sleep(2000);
  }
  throw new Error(`Patroni members never reached the expected state: ${JSON.stringify(last)}`);
}

export const settled = (names: string[]) => (ms: Member[]) =>
  ms.length === names.length &&
  names.every((n) => ms.some((m) => m.Member === n)) &&
  ms.filter((m) => m.Role === "Leader").length === 1 &&
  // Every replica follows the leader's timeline: a member still on an older one is not settled yet.
  ms.every((m) => m.TL === ms.find((l) => l.Role === "Leader")?.TL) &&
  ms.every((m) => m.Role === "Leader" || (["streaming", "running"].includes(m.State) && (m["Lag in MB"] ?? 0) === 0));

/** Waits until the row is visible at host:port (replicas replay asynchronously). */
export async function waitRow(host: string, port: number, token: string, seconds = 30): Promise<boolean> {
  for (let i = 0; i < seconds; i++) {
    const n = await psql(host, port, `SELECT count(*) FROM e2e WHERE v = '${token}'`).catch(() => "0");
    if (n.trim() === "1") return true;
    await sleep(1000);
  }
  return false;
}

/**
 * Waits until each row is visible exactly once at host:port, with one query per second for all of them; returns
 * those still missing (none when every row arrived).
 */
export async function missingRows(host: string, port: number, tokens: string[], seconds = 30): Promise<string[]> {
  let missing = [...tokens];
  for (let i = 0; i < seconds && missing.length > 0; i++) {
    if (i > 0) await sleep(1000);
    const sql = `SELECT v FROM e2e WHERE v IN (${missing.map((t) => `'${t}'`).join(",")}) GROUP BY v HAVING count(*) = 1`;
    const seen = new Set((await psql(host, port, sql).catch(() => "")).split("\n").map((l) => l.trim()));
    missing = missing.filter((t) => !seen.has(t));
  }
  return missing;
}

export async function writeRow(token: string, via = "10.10.10.11"): Promise<void> {
  await psql(via, 5433, `CREATE TABLE IF NOT EXISTS e2e(v text); INSERT INTO e2e VALUES ('${token}')`);
}

export const isActive = async (node: string, unit: string) => (await sshRun(node, `systemctl is-active ${unit}`)).stdout.trim() === "active";

export interface ScrapeTarget {
  scrapeUrl: string;
  health: string;
}

/** Prometheus's active targets on the infra node (empty when it does not answer). */
export async function prometheusTargets(): Promise<ScrapeTarget[]> {
  const r = await sshRun("meta", "curl -fsS http://127.0.0.1:9090/api/v1/targets");
  return r.code === 0 ? (JSON.parse(r.stdout).data.activeTargets as ScrapeTarget[]) : [];
}

/** Polls Prometheus until `problems` finds none in its targets (each problem a line); fails with the last ones. */
export async function waitTargets(problems: (targets: ScrapeTarget[]) => string[], seconds = 120): Promise<ScrapeTarget[]> {
  let last: string[] = ["(not asked yet)"];
  let targets: ScrapeTarget[] = [];
  for (let i = 0; i < seconds / 3; i++) {
    targets = await prometheusTargets();
    last = targets.length === 0 ? ["(no targets)"] : problems(targets);
    if (last.length === 0) return targets;
    await sleep(3000);
  }
  throw new Error(`Prometheus targets never reached the expected state: ${last.join("; ")}`);
}

/** Every target is up. */
export const allUp = (targets: ScrapeTarget[]) => targets.filter((t) => t.health !== "up").map((t) => `${t.scrapeUrl} ${t.health}`);
