#!/usr/bin/python3
"""pigsty-patroni: the deploy steps' one way to ask this member's Patroni who leads, and to act through it.

Usage: pigsty-patroni COMMAND [ARG]
  role                     this member's role, as Patroni says it
  state                    this member's state (running, starting, ...)
  status                   "ROLE STATE" of this member ("?" for what Patroni does not say)
  is-leader                exit 0 when this member leads (any leader role), 1 when not
  is-paused                exit 0 when the cluster is in maintenance mode, 1 when not
  leader [--host]          the leading member's name (or host); empty when none leads
  check-removal            exit 1, saying why, when this member leads while others run
  mark-removal             mark the whole cluster as being removed (its leader may then stop)
  apply-config FILE        make Patroni's dynamic configuration match FILE (JSON), restart pending members; when
                           the cluster just became a standby cluster, rebuild replicas that cannot follow its leader
  switchover-to NAME       make NAME the leader when the intent recorded in the DCS changed
Exit 2: Patroni did not answer, or answered an error.

Settings come from Patroni's own config (restapi: the port, the CA, the API user and password), so
no secret is ever on a command line. Installed on each member by its config step; runs as root.
The settings line below is written at render time (render/patroniHelper.ts).
"""
import base64
import http.client
import json
import os
import ssl
import sys
import time
import urllib.error
import urllib.request

import yaml  # python3-yaml: a dependency of Debian's patroni package, so on every member

SETTINGS = {}  # written at render time

LEADER_ROLES = frozenset(SETTINGS["leader_roles"])
STANDBY_LEADER_ROLE = SETTINGS["standby_leader_role"]
# Marks this program keeps in Patroni's dynamic configuration.
CLUSTER_REMOVAL_MARK = "pigsty_cluster_removal"  # the whole cluster is being removed (set with the time)
INTENDED_LEADER_MARK = "pigsty_intended_leader"  # the member that pg_role named primary at the last switchover


class Failed(Exception):
    pass


class Api:
    """This member's REST API over TLS (its certificate names 127.0.0.1), as Patroni's config sets it up."""

    def __init__(self, config_path):
        with open(config_path, encoding="utf-8") as f:
            config = yaml.safe_load(f)
        rest = config["restapi"]
        self.name, self.scope = config["name"], config["scope"]
        self.base = "https://127.0.0.1:%s" % rest["listen"].rsplit(":", 1)[1]
        self.tls = ssl.create_default_context(cafile=rest["cafile"])
        login = rest.get("authentication") or {}
        pair = "%s:%s" % (login.get("username", ""), login.get("password", ""))
        self.auth = "Basic " + base64.b64encode(pair.encode()).decode()

    def call(self, method, url, body=None, missing=(), tries=1, timeout=10):
        """JSON of METHOD url (a path of this member's API, or another member's full URL); None for a status in `missing`."""
        url = url if url.startswith("https://") else self.base + url
        headers = {"Content-Type": "application/json"}
        if method != "GET":
            headers["Authorization"] = self.auth  # only changes need it; the password never leaves this process otherwise
        data = None if body is None else json.dumps(body).encode()
        try:
            with urllib.request.urlopen(urllib.request.Request(url, method=method, data=data, headers=headers), timeout=timeout, context=self.tls) as r:
                text = r.read().decode()
        except urllib.error.HTTPError as e:
            if e.code in missing:
                return None
            raise Failed("error: %s %s answered %s: %s" % (method, url, e.code, e.read().decode().strip()))
        except (urllib.error.URLError, OSError, http.client.HTTPException) as e:
            if tries <= 1:
                raise Failed("error: %s %s failed: %s" % (method, url, e))
            # Patroni may be busy right after a restart or a move of the DCS: ask again a few times.
            time.sleep(3)
            return self.call(method, url, body, missing, tries - 1, timeout)
        return json.loads(text) if text[:1] in "{[" else text

    def me(self):
        return self.call("GET", "/patroni")

    def members(self, tries=1):
        return self.call("GET", "/cluster", tries=tries)["members"]

    def leader(self, tries=1):
        return next((m for m in self.members(tries) if m.get("role") in LEADER_ROLES), None)


def wait(test, what, seconds=300):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if test():
            return
        time.sleep(2)
    raise Failed("error: timed out waiting for " + what)


def check_removal(api):
    """Removing the leader's host while others run would fail the cluster over: refused, unless the whole cluster goes."""
    try:
        role = api.me().get("role")
    except Failed:
        return 0  # Patroni does not answer here: this member leads nothing
    marked = api.call("GET", "/config").get(CLUSTER_REMOVAL_MARK)
    # The whole cluster's removal marks it with the time (mark-removal); a stale mark counts for nothing.
    if role not in LEADER_ROLES or (isinstance(marked, (int, float)) and 0 <= time.time() - marked < 1800):
        return 0
    others = [m["name"] for m in api.members() if m["name"] != api.name and m.get("state") in ("running", "streaming")]
    if not others:
        return 0
    print("error: %s leads %s while %s still run: removing it now would fail the cluster over. Switch over first: set pg_role: primary on one of them and run pulumi up (or npm run pg -- switchover), then remove this host."
          % (api.name, api.scope, ", ".join(others)), file=sys.stderr)
    return 1


def mark_removal(api):
    try:
        api.call("PATCH", "/config", {CLUSTER_REMOVAL_MARK: int(time.time())}, tries=2, timeout=60)
        print("the whole cluster is being removed: its members stop, the leader too")
    except Failed as e:
        print("warning: could not mark the cluster for removal (%s); a member that leads while others run refuses to stop" % e)
    return 0


def differs(want, have):
    if isinstance(want, dict):
        return any(differs(v, (have or {}).get(k)) for k, v in want.items())
    if have is None and want is False:
        return False  # an unset flag (e.g. pause after bootstrap) is off
    return str(want).lower() != str(have).lower()


def apply_config(api, path):
    """Writes the desired dynamic configuration when it differs, then restarts members pending a restart, replicas first, unless paused."""
    with open(path, encoding="utf-8") as f:
        desired = json.load(f)
    # A cluster re-added after a removal that stopped half-way loses the removal mark (null deletes a key).
    desired[CLUSTER_REMOVAL_MARK] = None
    # Sections the model leaves out are removed (null): standby_cluster (its removal promotes a standby cluster) and
    # slots (a standby cluster that no longer follows this one).
    for section in ("standby_cluster", "slots"):
        desired.setdefault(section, None)
    call = lambda method, url, body=None, missing=(): api.call(method, url, body, missing, tries=5, timeout=60)
    # A DCS the cluster just moved to may hold no configuration yet: Patroni answers 502, and PUT writes it whole.
    have = None
    for _ in range(30):
        # Right after a move the new leader may still be publishing its configuration.
        have = call("GET", "/config", missing=(502, 503))
        if have is not None:
            break
        time.sleep(1)
    settle = desired["loop_wait"] + 5
    if have is None:
        call("PUT", "/config", desired)
        print("wrote Patroni dynamic configuration into the DCS; waiting %ss for members to load it" % settle)
        time.sleep(settle)
    elif differs(desired, have):
        call("PATCH", "/config", desired)
        print("changed Patroni dynamic configuration; waiting %ss for members to load it" % settle)
        time.sleep(settle)
    # The way back: a cluster that led becomes a standby cluster of the one promoted in its place.
    became_standby = have is not None and not have.get("standby_cluster") and desired.get("standby_cluster")
    pending = sorted([m for m in api.members(5) if m.get("pending_restart")], key=lambda m: m["role"] in LEADER_ROLES)
    if pending and desired.get("pause"):
        print("maintenance mode: not restarting " + ", ".join(m["name"] for m in pending) + " (pending restart)")
    for m in [] if desired.get("pause") else pending:
        call("POST", m["api_url"].rsplit("/", 1)[0] + "/restart", {})
        print("restarted " + m["name"])
        wait(lambda: any(x["name"] == m["name"] and x["state"] == "running" and not x.get("pending_restart") for x in api.members(5)), m["name"] + " to run again")
    if became_standby and not desired.get("pause"):
        follow_standby_leader(api, desired["loop_wait"])
    print("paused" if desired.get("pause") else "not paused")
    return 0


def patroni_of(api, member):
    """A member's own GET /patroni; {} when it does not answer."""
    try:
        return api.call("GET", member["api_url"], timeout=5)
    except Failed:
        return {}


def streaming_from(api, leader):
    """Names of the members that stream from `leader` (its walsenders, by application_name = member name)."""
    return {r.get("application_name") for r in patroni_of(api, leader).get("replication") or [] if r.get("state") == "streaming"}


def on_timeline_of(api, member, leader):
    """True when MEMBER replays on the timeline LEADER is on (Patroni reports a replica's replay timeline)."""
    mine, theirs = patroni_of(api, member).get("timeline"), patroni_of(api, leader).get("timeline")
    return mine is not None and mine == theirs


def follow_standby_leader(api, loop_wait):
    """After the cluster became a standby cluster: waits for its standby leader (rewound onto the new upstream's
    timeline by Patroni), then for every replica to stream from it. Patroni looks for WAL past the fork point only
    when the leader is a primary, never a standby leader, so a replica that replayed writes the new upstream lacks
    cannot follow and stays behind for good: such a replica is rebuilt from the standby leader (POST /reinitialize).
    Streaming alone does not tell: the standby leader still serves the old timeline up to the fork, so a replica that
    cannot follow streams for a moment every few seconds. It follows once it also replays on the leader's timeline."""
    def standby_leader():
        m = api.leader(5)
        me = patroni_of(api, m) if m else {}
        return m if me.get("role") == STANDBY_LEADER_ROLE and me.get("state") == "running" else None
    found = []
    wait(lambda: found.append(standby_leader()) or found[-1] is not None, "the standby leader to run on the new upstream's timeline", 900)
    leader = found[-1]
    # A replica that can follow does so within a loop or two; tests shorten the grace.
    grace = float(os.environ.get("PIGSTY_FOLLOW_GRACE_SECONDS", 2 * loop_wait + 30))
    for m in [x for x in api.members(5) if x["name"] != leader["name"]]:
        follows = lambda: m["name"] in streaming_from(api, leader) and on_timeline_of(api, m, leader)
        try:
            wait(follows, m["name"] + " to stream from " + leader["name"] + " on its timeline", grace)
            print("%s follows the standby leader %s" % (m["name"], leader["name"]))
            continue
        except Failed:
            pass
        print("%s does not follow the standby leader %s (it holds WAL the new upstream lacks, and Patroni rewinds a "
              "replica only against a primary): rebuilding it from %s" % (m["name"], leader["name"], leader["name"]))
        api.call("POST", m["api_url"].rsplit("/", 1)[0] + "/reinitialize", {"force": True}, tries=5, timeout=60)
        wait(follows, m["name"] + " to stream from " + leader["name"] + " on its timeline after its rebuild", 1800)
        print("rebuilt %s: it streams from %s" % (m["name"], leader["name"]))


def switchover_to(api, want):
    """
    Makes WANT the leader when the intent changed since the last switchover (an unplanned failover is
    never undone). In synchronous mode Patroni switches over only to a synchronous standby, so every
    replica becomes synchronous for the moment, and the count is put back once WANT leads.
    """
    call = lambda method, path, body=None: api.call(method, path, body, tries=5, timeout=60)
    config = call("GET", "/config")
    now = api.leader(5)
    if now is None:
        raise Failed("error: the cluster has no leader now; run pulumi up again when patronictl list shows one")
    if now["name"] != want and config.get(INTENDED_LEADER_MARK) == want:
        print("%s leads since a failover; pg_role: primary is still on %s as at the last switchover, so nothing is switched back (npm run pg -- switchover does it)" % (now["name"], want))
    elif now["name"] != want:
        restore = None
        is_sync = lambda: any(m["name"] == want and m["role"] == "sync_standby" for m in api.members(5))
        if config.get("synchronous_mode") and not is_sync():
            restore = config.get("synchronous_node_count", 1)
            replicas = [m for m in api.members(5) if m["role"] not in LEADER_ROLES]
            print("synchronous mode: making %s a synchronous standby before the switchover" % want)
            call("PATCH", "/config", {"synchronous_node_count": max(len(replicas), restore)})
            wait(is_sync, want + " to become a synchronous standby", 120)
        print("switchover %s -> %s" % (now["name"], want))
        call("POST", "/switchover", {"leader": now["name"], "candidate": want})
        wait(lambda: (api.leader(5) or {}).get("name") == want, want + " to lead")
        if restore is not None:
            call("PATCH", "/config", {"synchronous_node_count": restore})
            print("synchronous_node_count back to %s" % restore)
    if config.get(INTENDED_LEADER_MARK) != want:
        call("PATCH", "/config", {INTENDED_LEADER_MARK: want})
    print("leader: " + api.leader(5)["name"])
    return 0


def show(value):
    print(value)
    return 0


COMMANDS = {
    "role": (0, lambda api: show(api.me()["role"])),
    "state": (0, lambda api: show(api.me().get("state", "?"))),
    "status": (0, lambda api: show("{role} {state}".format(**{"role": "?", "state": "?", **api.me()}))),
    "is-leader": (0, lambda api: 0 if api.me().get("role") in LEADER_ROLES else 1),
    "is-paused": (0, lambda api: 0 if api.me().get("pause") else 1),
    "leader": (0, lambda api: show((api.leader() or {}).get("name", ""))),
    "leader --host": (0, lambda api: show((api.leader() or {}).get("host", ""))),
    "check-removal": (0, check_removal),
    "mark-removal": (0, mark_removal),
    "apply-config": (1, apply_config),
    "switchover-to": (1, switchover_to),
}


def main(argv):
    name = " ".join(argv[:2]) if argv[1:2] == ["--host"] else " ".join(argv[:1])
    if name not in COMMANDS or len(argv) - len(name.split()) != COMMANDS[name][0]:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    sys.stdout.reconfigure(line_buffering=True)  # each line reaches the step's output as it happens
    config = os.environ.get("PIGSTY_PATRONI_YML", SETTINGS["config"])  # another file only in tests
    try:
        api = Api(config)
    except (OSError, KeyError, TypeError, yaml.YAMLError) as e:
        if name == "check-removal":
            return 0  # no Patroni configured here: this member leads nothing
        print("error: cannot read Patroni's REST API settings from %s: %s" % (config, e), file=sys.stderr)
        return 2
    try:
        return COMMANDS[name][1](api, *argv[len(name.split()):])
    except Failed as e:
        print(e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
