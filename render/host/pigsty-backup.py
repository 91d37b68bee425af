#!/usr/bin/python3
"""pgBackRest on a repository host, as the steps, the timers and the operator tool use it.

  pigsty-backup backup STANZA TYPE   take a backup (full, diff or incr), then write the stanza's metrics
  pigsty-backup first STANZA         take a full backup when the stanza holds none yet
  pigsty-backup info STANZA          the stanza's backups as pgBackRest's JSON
  pigsty-backup metrics STANZA       write the stanza's metrics for node_exporter's textfile collector
  pigsty-backup has-backup STANZA    exit 0 when the stanza holds a backup
  pigsty-backup check-target STANZA TYPE [TARGET]
                                     refuse a restore target that the stanza's backups and WAL cannot reach
Runs as root; pgBackRest itself runs as the dbsu, which owns the repository (Debian's packaging).
"""
import datetime
import json
import os
import re
import subprocess
import sys
import time

SETTINGS = {}  # written at render time

PGBACKREST = ["runuser", "-u", SETTINGS["dbsu"], "--", "pgbackrest"]


def pgbackrest(stanza, *args, capture=False):
    command = PGBACKREST + ["--stanza=" + stanza, *args]
    if capture:
        return subprocess.run(command, check=False, capture_output=True, text=True)
    return subprocess.run(command, check=False)


def info(stanza):
    r = pgbackrest(stanza, "info", "--output=json", capture=True)
    if r.returncode != 0:
        sys.exit("error: pgbackrest info for stanza %s failed: %s" % (stanza, r.stderr.strip()))
    found = [s for s in json.loads(r.stdout or "[]") if s.get("name") == stanza]
    return found[0] if found else {"name": stanza, "backup": [], "status": {"code": 1, "message": "missing stanza path"}}


def write_metrics(stanza, last_run=None):
    backups = info(stanza).get("backup", [])
    labels = 'cls="%s"' % stanza
    lines = [
        "# HELP pigsty_backup_count Backups of the cluster in its pgBackRest repository.",
        "# TYPE pigsty_backup_count gauge",
        "pigsty_backup_count{%s} %d" % (labels, len(backups)),
        "# HELP pigsty_backup_last_success_timestamp_seconds When the newest backup of each type ended.",
        "# TYPE pigsty_backup_last_success_timestamp_seconds gauge",
    ]
    for kind in ("full", "diff", "incr"):
        ends = [b["timestamp"]["stop"] for b in backups if b.get("type") == kind]
        if ends:
            lines.append('pigsty_backup_last_success_timestamp_seconds{%s,type="%s"} %d' % (labels, kind, max(ends)))
    if backups:
        newest = max(backups, key=lambda b: b["timestamp"]["stop"])
        lines += [
            "# HELP pigsty_backup_last_size_bytes Size of the database in the newest backup.",
            "# TYPE pigsty_backup_last_size_bytes gauge",
            "pigsty_backup_last_size_bytes{%s} %d" % (labels, newest.get("info", {}).get("size", 0)),
        ]
    directory = SETTINGS["textfiles"]
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, "pgbackrest_%s.prom" % stanza)
    # Each type's last run is kept beside the metrics (node_exporter reads only *.prom): a failed full backup stays
    # failed in the metrics until a full backup succeeds, whatever runs in between.
    runs_path = path[: -len(".prom")] + ".runs.json"
    try:
        with open(runs_path, encoding="utf-8") as f:
            runs = json.load(f)
    except (OSError, ValueError):
        runs = {}
    if last_run is not None:
        kind, ok = last_run
        runs[kind] = {"ok": bool(ok), "at": int(time.time())}
        with open(runs_path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(runs, f)
        os.replace(runs_path + ".tmp", runs_path)
    if runs:
        lines += [
            "# HELP pigsty_backup_last_run_success Whether the last scheduled or requested backup of this type succeeded.",
            "# TYPE pigsty_backup_last_run_success gauge",
        ]
        lines += ['pigsty_backup_last_run_success{%s,type="%s"} %d' % (labels, kind, 1 if run["ok"] else 0) for kind, run in sorted(runs.items())]
        lines += [
            "# HELP pigsty_backup_last_run_timestamp_seconds When the last backup of this type was attempted.",
            "# TYPE pigsty_backup_last_run_timestamp_seconds gauge",
        ]
        lines += ['pigsty_backup_last_run_timestamp_seconds{%s,type="%s"} %d' % (labels, kind, run["at"]) for kind, run in sorted(runs.items())]
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(path + ".tmp", path)


def backup(stanza, kind):
    if kind not in ("full", "diff", "incr"):
        sys.exit("error: backup type %r: use full, diff or incr" % kind)
    started = time.time()
    print("%s backup of %s: starting" % (kind, stanza), flush=True)
    r = pgbackrest(stanza, "--type=" + kind, "--log-level-console=info", "backup")
    try:
        write_metrics(stanza, (kind, r.returncode == 0))
    except SystemExit as e:
        print("warning: metrics not written: %s" % e, file=sys.stderr)
    if r.returncode != 0:
        sys.exit("error: %s backup of %s failed (pgbackrest exit %d); see /var/log/pgbackrest/%s-backup.log" % (kind, stanza, r.returncode, stanza))
    print("%s backup of %s: done in %.0fs" % (kind, stanza, time.time() - started), flush=True)


def parse_time(text):
    """A recovery_target_time with a zone (the inventory's check allows +HH, +HH:MM, +HHMM, Z and ' UTC')."""
    t = text.strip().replace(" UTC", "+00:00").replace("Z", "+00:00").replace(" ", "T", 1)
    t = re.sub(r"([+-]\d{2})$", r"\1:00", t)
    t = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", t)
    return datetime.datetime.fromisoformat(t).timestamp()


def lsn_value(text):
    high, low = text.split("/")
    return (int(high, 16) << 32) + int(low, 16)


def check_target(stanza, kind, target):
    """Switches the source's WAL when it runs (so the latest writes are archived), then checks the target."""
    r = pgbackrest(stanza, "check", capture=True)
    if r.returncode == 0:
        print("%s runs: its current WAL is archived" % stanza)
    else:
        print("%s did not answer pgbackrest check (is it down?): restoring from what its repository holds" % stanza)
    backups = info(stanza).get("backup", [])
    if not backups:
        sys.exit("error: stanza %s holds no backup, so there is nothing to restore from; take one first (npm run pg -- backup %s)" % (stanza, stanza))
    first = min(backups, key=lambda b: b["timestamp"]["stop"])
    if kind == "time":
        when = parse_time(target)
        first_end = first["timestamp"]["stop"]
        if when < first_end:
            sys.exit("error: pg_pitr.time %s is before the end of %s's first backup (%s): no backup can reach it. Pick a later time." % (
                target, stanza, datetime.datetime.fromtimestamp(first_end, datetime.timezone.utc).isoformat()))
        if when > time.time():
            sys.exit("error: pg_pitr.time %s is in the future: the repository holds WAL only up to now. Pick a time that has passed." % target)
    elif kind == "lsn" and lsn_value(target) < lsn_value(first["lsn"]["stop"]):
        sys.exit("error: pg_pitr.lsn %s is before the end of %s's first backup (%s): no backup can reach it." % (target, stanza, first["lsn"]["stop"]))
    print("restore target %s %s of %s: reachable from %d backup(s)" % (kind, target or "", stanza, len(backups)))


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    command, stanza = argv[0], argv[1]
    if command == "backup" and len(argv) == 3:
        backup(stanza, argv[2])
    elif command == "first":
        if info(stanza).get("backup"):
            print("stanza %s already holds a backup" % stanza)
        else:
            backup(stanza, "full")
    elif command == "info":
        print(json.dumps(info(stanza)))
    elif command == "metrics":
        write_metrics(stanza)
    elif command == "has-backup":
        sys.exit(0 if info(stanza).get("backup") else 1)
    elif command == "check-target" and len(argv) in (3, 4):
        check_target(stanza, argv[2], argv[3] if len(argv) == 4 else None)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
