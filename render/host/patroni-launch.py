#!/usr/bin/python3
"""Starts Debian's Patroni with four corrections to its use of the DCS, for Patroni 3.0.2 only.

1. Patroni 3.0.2 keeps, on a replica, the leader that last called it during a DCS outage (POST /failsafe).
When that replica later leads (a switchover or a failover) and the DCS goes down again, it renews that
stale record and takes the old leader for the real one, so it demotes itself. Patroni 3.1.1 forgets the
record whenever a member acts as leader with the DCS reachable. This launcher does the same in 3.0.2:
a record is forgotten when the leader's loop clears the failsafe state, and a record without a name is
never taken for a leader.

2. An etcd member that is shutting down can answer a leader's lease renewal with a transport failure that
etcd's gateway labels "Unknown" (gRPC code 2, "transport: missing content-type field", "server closed the
stream without sending trailers"). Patroni takes an Unknown error for a definite refusal: the leader drops
its lock at once ("failed to update leader lock") and demotes without asking the members, so failsafe mode
never gets its turn. Measured here: a three-member DCS stopped member by member cost 26.6 s of writes.
This launcher relabels such a transport failure as "Unavailable", which Patroni retries and, when the DCS
stays away, treats as a DCS outage (failsafe mode then decides). Upstream does the same for another
mislabeled etcd error ("not a primary lessor").

3. Once every etcd member has failed a request, the next request first reloads the list of members; when none
answers, that reload raises a plain EtcdException ("Could not get the list of servers"), which Patroni also
takes for a definite refusal: "failed to update leader lock", immediate demotion, no failsafe. Seen here when
the DCS members went down one by one under a leader whose own host ran one of them. Patroni 4.1.0 raises
EtcdConnectionFailed there instead, a DCS outage; this launcher does the same in 3.0.2.

4. A leader whose lease expired (cut off longer than ttl) gets a new lease at its next lock update and then
writes the leader key unconditionally with it. When it comes back after another member took the lock, it
takes the lock from the new leader: seen here after a partition healed, the demoted old leader held the lock
on a timeline the others had left, could not start, and the cluster had no primary. Patroni 3.1.0 updates
the key in a transaction: only while it holds this member's name, or when no key exists. This launcher does
the same in 3.0.2.

Any other Patroni version starts unchanged.

Installed as /pg/bin/patroni-launch (root's, read-only for the dbsu); the Patroni unit runs it.
"""
import sys
import time

from patroni import ha
from patroni.dcs import Leader, catch_return_false_exception
from patroni.dcs import etcd, etcd3
from patroni.__main__ import main
from patroni.version import __version__

AFFECTED = "3.0.2"
TRANSPORT_FAILURES = ("transport: ", "server closed the stream")


def correct_failsafe(failsafe_class):
    original_set_is_active = failsafe_class.set_is_active
    original_leader = failsafe_class.leader

    def set_is_active(self, value):
        original_set_is_active(self, value)
        if not value:
            with self._lock:
                self._name = self._conn_url = self._api_url = self._slots = None

    def leader(self):
        with self._lock:
            if self._name is None:
                return None
        return original_leader.fget(self)

    failsafe_class.set_is_active = set_is_active
    failsafe_class.leader = property(leader)


def correct_transport_errors(module):
    original_raise_for_data = module._raise_for_data

    def raise_for_data(data, status_code=None):
        try:
            original_raise_for_data(data, status_code)
        except module.Unknown as e:
            if any(words in str(e.error) for words in TRANSPORT_FAILURES):
                raise module.Unavailable(module.GRPCCode.Unavailable, e.error, e.status) from e
            raise

    module._raise_for_data = raise_for_data


def correct_unreachable_members(client_class, errors):
    original_api_execute = client_class.api_execute

    def api_execute(self, *args, **kwargs):
        if self._update_machines_cache:
            try:
                self._load_machines_cache()
            except errors.EtcdConnectionFailed:
                raise
            except errors.EtcdException as e:
                raise errors.EtcdConnectionFailed("No more machines in the cluster") from e
        return original_api_execute(self, *args, **kwargs)

    client_class.api_execute = api_execute


def correct_leader_update(module):
    def update_leader(self):
        retry = self._retry.copy()

        def with_retry(*args, **kwargs):
            kwargs["retry"] = retry
            return retry(*args, **kwargs)

        self._run_and_handle_exceptions(self._do_refresh_lease, True, retry=with_retry)
        if not self._lease:
            return False
        cluster = self.cluster
        leader_lease = cluster and isinstance(cluster.leader, Leader) and cluster.leader.session
        if leader_lease == self._lease:
            return True
        retry.deadline = retry.stoptime - time.time()
        if retry.deadline < 1:
            raise module.Etcd3Error("update_leader timeout")
        key = module.base64_encode(self.leader_path)
        put = {"request_put": {"key": key, "value": module.base64_encode(self._name), "lease": self._lease}}
        ours = {"key": key, "target": "VALUE", "value": put["request_put"]["value"]}
        absent = {"key": key, "target": "CREATE", "create_revision": "0"}
        fields = {"compare": [ours], "success": [put], "failure": [{"request_txn": {"compare": [absent], "success": [put]}}]}
        ret = self._run_and_handle_exceptions(self._client.call_rpc, "/kv/txn", fields, retry=with_retry)
        nested = (ret.get("responses") or [{}])[0].get("response_txn", {})
        return bool(ret.get("succeeded") or nested.get("succeeded"))

    module.Etcd3._update_leader = catch_return_false_exception(update_leader)


if __name__ == "__main__":
    if __version__ == AFFECTED:
        correct_failsafe(ha.Failsafe)
        correct_transport_errors(etcd3)
        correct_unreachable_members(etcd.AbstractEtcdClientWithFailover, etcd.etcd)
        correct_leader_update(etcd3)
    sys.argv[0] = "patroni"
    sys.exit(main())
