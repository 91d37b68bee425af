// The Patroni launcher (render/host/patroni-launch.py) against Debian's Patroni 3.0.2 (real-tools tier: a missing
// Patroni fails, never skips): its failsafe record, as a replica keeps it after a DCS outage, misleads a later
// leader without the correction and not with it; an etcd member's transport failure, labelled Unknown, drops the
// leader's lock without the correction and is a DCS outage (retried) with it.
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const LAUNCHER = join(__dirname, "..", "..", "render", "host", "patroni-launch.py");

/** A Python program against Debian's Patroni, run with the launcher loaded as `launch`. */
interface LauncherRun {
  /** Python import lines the program needs. */
  imports: string[];
  /** Whether to apply the launcher's correction; `correction` is the call on `launch` that applies it. */
  corrected: boolean;
  correction: string;
  /** Silence Patroni's logging of the failures the program provokes (they would reach stderr). */
  silenceLogs?: boolean;
}

/** Runs `body` after `run`'s imports, the launcher and the correction when asked; returns what it prints (stderr stays empty). */
function runWithLauncher(run: LauncherRun, body: string): string {
  const silence = run.silenceLogs ? ["import logging", "logging.disable(logging.CRITICAL)"] : [];
  const program = `${["import importlib.util", ...silence, ...run.imports].join("\n")}
spec = importlib.util.spec_from_file_location("launch", ${JSON.stringify(LAUNCHER)})
launch = importlib.util.module_from_spec(spec); spec.loader.exec_module(launch)
if ${run.corrected ? "True" : "False"}:
    launch.${run.correction}
${body}`;
  const r = spawnSync("/usr/bin/python3", ["-c", program], { encoding: "utf8" });
  expect(r.stderr).toBe("");
  return r.stdout.trim();
}

/** The leader a member's failsafe record names in the sequence of Patroni's defect, with or without the correction. */
function leaderAfterSecondOutage(corrected: boolean): string {
  return runWithLauncher(
    { imports: ["import time", "from patroni import ha", "from patroni.version import __version__"], corrected, correction: "correct_failsafe(ha.Failsafe)" },
    `assert __version__ == launch.AFFECTED, __version__
class Dcs: ttl = 13
record = ha.Failsafe(Dcs())
record.update({"name": "pg-test-1", "conn_url": "postgres://10.10.10.11:5432/postgres", "api_url": "https://10.10.10.11:8008/patroni"})  # outage 1: the leader pings this replica
record.set_is_active(0)            # switchover: this member leads, its loop clears the failsafe state with the DCS reachable
record.set_is_active(time.time())  # outage 2: as leader it keeps leading on failsafe
leader = record.leader
print(leader.name if leader else "none")
`,
  );
}

/**
 * What Patroni's etcd3 client makes of an etcd gateway's answer: the exception class it raises, and whether its
 * update_leader would retry it (a DCS outage, where failsafe mode decides) or take it for a lost lock.
 */
function etcdAnswer(message: string, corrected: boolean): string {
  return runWithLauncher(
    { imports: ["from patroni.dcs import etcd3"], corrected, correction: "correct_transport_errors(etcd3)" },
    `retried = (etcd3.DeadlineExceeded, etcd3.Unavailable, etcd3.FailedPrecondition)  # Etcd3's retry_exceptions in 3.0.2
try:
    etcd3._raise_for_data({"error": ${JSON.stringify(message)}, "code": 2, "message": ${JSON.stringify(message)}}, 200)
except etcd3.Etcd3ClientError as e:
    print(type(e).__name__, "retried" if isinstance(e, retried) else "lock lost")
`,
  );
}

/**
 * What Patroni's etcd3 DCS makes of a request made while no etcd member answers the reload of the member list that
 * follows a failure of every member: a lost lock (the leader demotes at once) or a DCS outage (failsafe decides).
 */
function noMemberAnswers(corrected: boolean): string {
  return runWithLauncher(
    { imports: ["from patroni.dcs import ReturnFalseException, etcd, etcd3"], corrected, correction: "correct_unreachable_members(etcd.AbstractEtcdClientWithFailover, etcd.etcd)", silenceLogs: true },
    `client = etcd3.PatroniEtcd3Client.__new__(etcd3.PatroniEtcd3Client)
client._update_machines_cache = True  # every member failed the previous request
def reload_members():  # what 3.0.2's _refresh_machines_cache raises when no member answers
    raise etcd.etcd.EtcdException("Could not get the list of servers, maybe you provided the wrong host(s) to connect to?")
client._load_machines_cache = reload_members
dcs = etcd3.Etcd3.__new__(etcd3.Etcd3)
dcs._client, dcs._has_failed = client, True
try:
    dcs._run_and_handle_exceptions(client.api_execute, "/v3/lease/keepalive", "POST", {}, retry=None)
except ReturnFalseException:
    print("lock lost")
except etcd3.Etcd3Error:
    print("DCS outage")
`,
  );
}

/**
 * What a leader whose lease expired while it was cut off does at its next lock update, when another member has taken
 * the lock meanwhile: whether it holds the lock afterwards, and the etcd requests it made.
 */
function oldLeaderUpdatesLock(corrected: boolean): string {
  return runWithLauncher(
    { imports: ["from patroni.dcs import etcd3", "from patroni.utils import Retry"], corrected, correction: "correct_leader_update(etcd3)", silenceLogs: true },
    `class Etcd:  # answers as etcd does when another member holds the leader key
    calls = []
    def put(self, key, value, lease=None, *args, **kwargs):
        self.calls.append("put " + key)
        return {}
    def call_rpc(self, method, fields, retry=None):
        nested = fields.get("failure", [{}])[0].get("request_txn", {}).get("compare", [])
        self.calls.append(method + " if " + ",".join(c["target"] for c in fields["compare"]) + " else if " + ",".join(c["target"] for c in nested))
        return {"succeeded": False, "responses": [{"response_txn": {"succeeded": False}}]}
class OldLeader(etcd3.Etcd3):
    cluster = None  # its view from before the cut
    leader_path = "/service/pg-test/leader"
dcs = OldLeader.__new__(OldLeader)
dcs._client, dcs._name, dcs._lease, dcs._has_failed = Etcd(), "pg-test-1", "granted-after-the-cut", True
dcs._retry = Retry(deadline=5, max_delay=1, max_tries=-1, retry_exceptions=(etcd3.Unavailable,))
dcs._do_refresh_lease = lambda *args, **kwargs: True  # the old lease expired during the cut: a new one was granted
print("holds the lock" if etcd3.Etcd3._update_leader(dcs) else "lock lost", "|", "; ".join(Etcd.calls))
`,
  );
}

describe("the launcher against Debian's Patroni 3.0.2", () => {
  it("without the correction, the new leader takes the old one for the leader (the defect)", () => {
    expect(leaderAfterSecondOutage(false)).toBe("pg-test-1");
  });
  it("with the correction, the stale record is gone", () => {
    expect(leaderAfterSecondOutage(true)).toBe("none");
  });
  it("a transport failure of a member shutting down drops the lock without the correction, and is retried with it", () => {
    const seen = "OK: HTTP status code 200; transport: missing content-type field";
    expect(etcdAnswer(seen, false)).toBe("Unknown lock lost");
    expect(etcdAnswer(seen, true)).toBe("Unavailable retried");
    expect(etcdAnswer("server closed the stream without sending trailers", true)).toBe("Unavailable retried");
    // Anything else labelled Unknown stays as Patroni has it.
    expect(etcdAnswer("some other failure", true)).toBe("Unknown lock lost");
  });
  it("no etcd member answering the reload of the member list drops the lock without the correction, and is a DCS outage with it", () => {
    expect(noMemberAnswers(false)).toBe("lock lost");
    expect(noMemberAnswers(true)).toBe("DCS outage");
  });
  it("an old leader with a new lease overwrites the new leader's key without the correction, and loses the lock with it", () => {
    expect(oldLeaderUpdatesLock(false)).toBe("holds the lock | put /service/pg-test/leader");
    expect(oldLeaderUpdatesLock(true)).toBe("lock lost | /kv/txn if VALUE else if CREATE");
  });
  it("parses and imports Patroni's entry point", () => {
    const r = spawnSync("/usr/bin/python3", ["-c", `import runpy; runpy.run_path(${JSON.stringify(LAUNCHER)}, run_name="check")`], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});
