// Cluster steps that talk to Patroni's REST API: dynamic configuration (S3, maintenance) and switchover to intent (S10).
import type { ClusterModel, Model } from "../config/model";
import { slot } from "../config/secretSlots";
import { patroniDcsConfig } from "../render/patroni";
import { placeholder } from "../render/placeholders";
import { CA_CERT, localPatroniUrl } from "../render/tls";
import { heredoc, quote } from "./shell";
import { hostStep, type HostStep } from "./step";

/**
 * A small Patroni REST client in python3 (on every node with Patroni). Authenticated calls read the
 * API password from $work/secrets.json, so it is never on a command line.
 */
const CLIENT = `import base64, http.client, json, ssl, sys, time, urllib.error, urllib.request
secrets = json.load(open(sys.argv[1]))
user, slot, local = sys.argv[2], sys.argv[3], sys.argv[4]
# Every member's API speaks TLS with a certificate of the stack's CA.
tls = ssl.create_default_context(cafile=sys.argv[5])
auth = "Basic " + base64.b64encode(("%s:%s" % (user, secrets[slot])).encode()).decode()
def call(method, url, body=None, missing=(), tries=5):
    req = urllib.request.Request(url, method=method, data=None if body is None else json.dumps(body).encode(), headers={"Authorization": auth, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60, context=tls) as r:
            text = r.read().decode()
    except urllib.error.HTTPError as e:
        if e.code in missing:
            return None
        sys.exit("error: %s %s answered %s: %s" % (method, url, e.code, e.read().decode()))
    except (urllib.error.URLError, ConnectionError, http.client.HTTPException) as e:
        # Patroni may be busy right after a restart or a move (S12): ask again a few times.
        if tries <= 1:
            sys.exit("error: %s %s failed: %s" % (method, url, e))
        time.sleep(3)
        return call(method, url, body, missing, tries - 1)
    return json.loads(text) if text[:1] in "{[" else text
def members():
    return call("GET", local + "/cluster")["members"]
def leader():
    return next((m for m in members() if m["role"] in ("leader", "standby_leader")), None)
def wait(test, what, seconds=300):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if test():
            return
        time.sleep(2)
    sys.exit("error: timed out waiting for " + what)
`;

function pythonStep(cluster: ClusterModel, title: string, program: string, onDelete?: string): HostStep {
  const api = localPatroniUrl(cluster, "");
  const run = (text: string) => [
    heredoc('cat >"$work/patroni.py"', CLIENT + text),
    // The slot's placeholder is named in the script so the step's stdin carries that one secret.
    `# needs ${placeholder(slot.patroniApi(cluster.name))}`,
    // What the program prints is what changed: it reaches the command's output through say (and the log).
    `python3 -u "$work/patroni.py" "$work/secrets.json" ${[cluster.accounts.patroniApi, slot.patroniApi(cluster.name), api, CA_CERT].map(quote).join(" ")} | while IFS= read -r line; do say "$line"; done`,
  ];
  return hostStep(title, run(program), onDelete === undefined ? undefined : run(onDelete));
}

/**
 * The mark in Patroni's dynamic config that says the whole cluster is being removed (set when its
 * leader step is deleted): a member's removal then stops even the leader (steps/postgres.ts).
 */
export const CLUSTER_REMOVAL_MARK = "pigsty_cluster_removal";

/**
 * The member that pg_role last named as primary, kept in Patroni's dynamic config by the leader step.
 * The step re-runs for other reasons too (a new host key, a moved anchor member): it switches over
 * only when the intent changed, so an unplanned failover is never undone by an unrelated `up`.
 */
export const INTENDED_LEADER_MARK = "pigsty_intended_leader";

/** The leader step's removal happens only with the whole cluster's: mark it, or warn when Patroni is gone. */
const MARK_REMOVAL = `try:
    call("PATCH", local + "/config", {${JSON.stringify(CLUSTER_REMOVAL_MARK)}: int(time.time())}, tries=2)
    print("the whole cluster is being removed: its members stop, the leader too")
except SystemExit as e:
    print("warning: could not mark the cluster for removal (%s); a member that leads while others run refuses to stop" % e)
`;

/**
 * Makes Patroni's dynamic configuration match the model (PATCH /config only when it differs), then
 * restarts members that report a pending restart one by one, replicas first, unless the cluster is
 * paused (maintenance), in which case they are only listed.
 */
export function dynamicConfigStep(model: Model, cluster: ClusterModel): HostStep {
  // A cluster re-added after a removal that stopped half-way loses the removal mark (null deletes a key).
  const desired = JSON.stringify({ ...patroniDcsConfig(cluster), [CLUSTER_REMOVAL_MARK]: null });
  // The DCS servers are named so that after a move (S12) this runs again: it resumes the cluster
  // (the move paused it) and writes the whole configuration into the new DCS.
  return pythonStep(cluster, `Patroni dynamic configuration of ${cluster.name} in the DCS at ${model.dcs.endpoints.join(",")}`, `desired = json.loads(${JSON.stringify(desired)})
def differs(want, have):
    if isinstance(want, dict):
        return any(differs(v, (have or {}).get(k)) for k, v in want.items())
    if have is None and want is False:
        return False  # an unset flag (e.g. pause after bootstrap) is off
    return str(want).lower() != str(have).lower()
# A DCS the cluster just moved to (S12) may hold no configuration yet: Patroni answers 502, and PUT writes it whole.
have = None
for _ in range(30):
    # Right after a move the new leader may still be publishing its configuration.
    have = call("GET", local + "/config", missing=(502, 503))
    if have is not None:
        break
    time.sleep(1)
if have is None:
    call("PUT", local + "/config", desired)
    print("wrote Patroni dynamic configuration into the DCS; waiting %ss for members to load it" % (desired["loop_wait"] + 5))
    time.sleep(desired["loop_wait"] + 5)
elif differs(desired, have):
    call("PATCH", local + "/config", desired)
    print("changed Patroni dynamic configuration; waiting %ss for members to load it" % (desired["loop_wait"] + 5))
    time.sleep(desired["loop_wait"] + 5)
pending = sorted([m for m in members() if m.get("pending_restart")], key=lambda m: m["role"] in ("leader", "standby_leader"))
if pending and desired.get("pause"):
    print("maintenance mode: not restarting " + ", ".join(m["name"] for m in pending) + " (pending restart)")
for m in ([] if desired.get("pause") else pending):
    api = m["api_url"].rsplit("/", 1)[0]
    call("POST", api + "/restart", {})
    print("restarted " + m["name"])
    wait(lambda: any(x["name"] == m["name"] and x["state"] == "running" and not x.get("pending_restart") for x in members()), m["name"] + " to run again")
print("paused" if desired.get("pause") else "not paused")
`);
}

/**
 * Makes the leader the member that config names as primary. It re-runs only when that intent
 * changes, so an unplanned failover is never undone by an unrelated `up`.
 * In synchronous mode Patroni only switches over to a synchronous standby (else 412), so the candidate
 * is made one first: every replica becomes synchronous for the moment (never fewer guarantees), then
 * the count is put back once the candidate leads.
 */
export function intendedLeaderStep(cluster: ClusterModel): HostStep {
  const want = cluster.primary.name;
  return pythonStep(cluster, `leader of ${cluster.name} is ${want}`, `want = ${JSON.stringify(want)}
intent = ${JSON.stringify(INTENDED_LEADER_MARK)}
config = call("GET", local + "/config")
now = leader()
if now is None:
    sys.exit("error: the cluster has no leader now; run pulumi up again when patronictl list shows one")
if now["name"] != want and config.get(intent) == want:
    print("%s leads since a failover; pg_role: primary is still on %s as at the last switchover, so nothing is switched back (npm run pg -- switchover does it)" % (now["name"], want))
elif now["name"] != want:
    restore = None
    is_sync = lambda: any(m["name"] == want and m["role"] == "sync_standby" for m in members())
    if config.get("synchronous_mode") and not is_sync():
        restore = config.get("synchronous_node_count", 1)
        replicas = [m for m in members() if m["role"] not in ("leader", "standby_leader")]
        print("synchronous mode: making %s a synchronous standby before the switchover" % want)
        call("PATCH", local + "/config", {"synchronous_node_count": max(len(replicas), restore)})
        wait(is_sync, want + " to become a synchronous standby", 120)
    print("switchover %s -> %s" % (now["name"], want))
    call("POST", local + "/switchover", {"leader": now["name"], "candidate": want})
    wait(lambda: (leader() or {}).get("name") == want, want + " to lead")
    if restore is not None:
        call("PATCH", local + "/config", {"synchronous_node_count": restore})
        print("synchronous_node_count back to %s" % restore)
if config.get(intent) != want:
    call("PATCH", local + "/config", {intent: want})
print("leader: " + leader()["name"])
`, MARK_REMOVAL);
}
