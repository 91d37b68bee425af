#!/usr/bin/python3
"""Starts Debian's Patroni with one correction to its DCS failsafe mode, for Patroni 3.0.2 only.

Patroni 3.0.2 keeps, on a replica, the leader that last called it during a DCS outage (POST /failsafe).
When that replica later leads (a switchover or a failover) and the DCS goes down again, it renews that
stale record and takes the old leader for the real one, so it demotes itself. Patroni 3.1.1 forgets the
record whenever a member acts as leader with the DCS reachable. This launcher does the same in 3.0.2:
a record is forgotten when the leader's loop clears the failsafe state, and a record without a name is
never taken for a leader. Any other Patroni version starts unchanged.

Installed as /pg/bin/patroni-launch (root's, read-only for the dbsu); the Patroni unit runs it.
"""
import sys

from patroni import ha
from patroni.__main__ import main
from patroni.version import __version__

AFFECTED = "3.0.2"


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


if __name__ == "__main__":
    if __version__ == AFFECTED:
        correct_failsafe(ha.Failsafe)
    sys.argv[0] = "patroni"
    sys.exit(main())
