# The shared start of every host step but a host's -prepare (which installs this library): sourced by bash as
# `. <library dir>/step.sh STEP_ID [secrets]`, it puts the step in strict mode first. Everything the step prints
# goes to its log on the host; only `say` lines (what changed) and a final line reach the command's stdout, so
# `pulumi up` stays readable and the state small. On a failure the last lines of the log go to stderr, so the error
# is in the engine's output too. With `secrets`, the JSON object (slot -> value) on stdin is saved in the private
# scratch dir $work, never echoed; the scratch dir is removed on exit.
set -euo pipefail
PIGSTY_PATHS=  # written at render time
pigsty_lib=${BASH_SOURCE[0]%/*}
step_id=$1
# The step's file name on this host (its log, its pending record): runs of other characters become one dash.
step_file=$(printf '%s' "$step_id" | LC_ALL=C sed -E 's/[^A-Za-z0-9_.-]+/-/g')
umask 022
log=$log_dir/$step_file.log
install -d -m 0750 "$log_dir" && exec 3>&1 4>&2 >>"$log" 2>&1 && chmod 0600 "$log"
echo "=== $(date -Is) $step_id"
say() { echo "[$(hostname)] $*" >&3; echo "$*"; }
finish() {
  local rc=$?; rm -rf "$work"
  if [ "$rc" -eq 0 ]; then echo "[$(hostname)] ok (log: $log)" >&3
  else { echo "[$(hostname)] failed with exit code $rc; the last lines of $log:"; tail -n 25 "$log"; } >&4; fi
}
work=$(mktemp -d /tmp/pigsty.XXXXXX); trap finish EXIT
if [ "${2:-}" = secrets ]; then (umask 077; cat >"$work/secrets.json"); fi

# The files a step replaced whose follow-up actions have not yet succeeded: the step removes the record only once
# they succeed, so a step that fails after writing its files acts on them in its next attempt.
pending=$pending_dir/$step_file

# Prints file SRC with its secret placeholders (render/placeholders.ts) filled from $work/secrets.json, each password
# escaped for its file (fill-placeholders.py beside this file).
fill_secrets() { python3 "$pigsty_lib/fill-placeholders.py" "$work/secrets.json" "$1"; }

# A files step starts here: it makes the record's directory and says what an earlier, failed attempt left to do.
pending_begin() {
  install -d -m 0700 "$(dirname "$pending")"
  if [ -s "$pending" ]; then say "an earlier attempt changed $(paste -sd, "$pending") but did not finish: acting on it now"; fi
}

# install_file DEST MODE OWNER [CHECK...]: the file's text on stdin, placeholders filled when the step has secrets,
# validated by CHECK (the candidate's path appended), installed and recorded in $pending when it differs.
install_file() {
  local dest=$1 mode=$2 owner=$3; shift 3
  cat >"$work/raw"
  if [ -f "$work/secrets.json" ]; then
    fill_secrets "$work/raw" >"$work/new"
  else
    cp "$work/raw" "$work/new"
  fi
  if [ $# -gt 0 ]; then "$@" "$work/new" >"$work/check.log" 2>&1 || { cat "$work/check.log" >&2; echo "rejected by $1: $dest" >&2; return 1; }; fi
  if ! cmp -s "$work/new" "$dest"; then
    install -D -m "$mode" -o "${owner%:*}" -g "${owner#*:}" "$work/new" "$dest"
    echo "$dest" >>"$pending"; say "changed $dest"
  else
    chmod "$mode" "$dest"; chown "$owner" "$dest"
  fi
  rm -f "$work/new" "$work/raw"
}
# True when a file was replaced and the actions that follow a change have not yet succeeded.
changed() { [ -s "$pending" ]; }

# keep_aside FILE...: copies of those that exist, in the scratch dir, before new ones are installed; put_back FILE...
# restores them (a check that only the running service can make refused the new files).
keep_aside() { local f; for f in "$@"; do if [ -f "$f" ]; then mkdir -p "$work/kept$(dirname "$f")" && cp -p "$f" "$work/kept$f"; fi; done; }
put_back() { local f; for f in "$@"; do if [ -f "$work/kept$f" ]; then cp -p "$work/kept$f" "$f"; fi; done; }

# wait_ports UNIT PORT...: each port listens within 10 s, or the step fails naming UNIT's journal.
wait_ports() {
  local unit=$1 p i; shift
  for p in "$@"; do
    for i in $(seq 1 20); do [ -n "$(ss -Hltn "sport = :$p")" ] && break; sleep 0.5; done
    [ -n "$(ss -Hltn "sport = :$p")" ] || { echo "error: $unit does not listen on port $p; see journalctl -u $unit" >&2; exit 1; }
  done
}

# hosts_block NAME: the block of /etc/hosts that NAME owns becomes the lines on stdin (none removes it), replaced whole
# under a lock (several steps share a host) and in place (containers often bind-mount /etc/hosts). pgBackRest checks
# DNS names in certificates, so each host resolves the names it connects to. The block stays where it is (appended
# when new), so the same lines again leave the file as it was.
hosts_block() {
  local begin="# BEGIN pigsty $1" end="# END pigsty $1"
  cat >"$work/hosts.block"
  exec 9>"$hosts_lock"; flock 9
  awk -v b="$begin" -v e="$end" -v f="$work/hosts.block" '
BEGIN { while ((getline line < f) > 0) block = block line "\n" }
function put() { if (block != "") printf "%s\n%s%s\n", b, block, e; done = 1 }
$0 == b { skip = 1; put(); next }
$0 == e { skip = 0; next }
!skip { print }
END { if (!done) put() }' "$etc_hosts" >"$work/hosts.new"
  if ! cmp -s "$work/hosts.new" "$etc_hosts"; then cat "$work/hosts.new" >"$etc_hosts"; say "changed $etc_hosts ($1)"; fi
  flock -u 9
}

# local_sql BIN_DIR PORT SQL: SQL as the dbsu through this member's socket, one value per line.
local_sql() { runuser -u postgres -- "$1/psql" -X -h "$pg_socket_dir" -p "$2" -d postgres -Atq -c "$3"; }

# wait_ssl_on BIN_DIR PORT: Patroni turns ssl on at its next loop after a reload, and hostssl HBA lines are errors
# while it is off: waits for it (at most 15 s; not at all while Postgres does not answer).
wait_ssl_on() {
  local i ssl
  for i in $(seq 1 30); do ssl=$(local_sql "$1" "$2" 'show ssl' 2>/dev/null) || break; [ "$ssl" = on ] && break; sleep 0.5; done
}

# hba_errors BIN_DIR PORT: the errors the running Postgres finds in its active HBA file (pg_hba_file_rules parses the
# file on disk), joined by ';'; empty when there are none or Postgres does not answer.
hba_errors() {
  local_sql "$1" "$2" "select 'line ' || line_number || ': ' || error from pg_hba_file_rules where error is not null" 2>/dev/null | paste -sd';' || true
}

# etcd_as USER ENDPOINTS CA PASSWORD: defines `etcd_patroni ARGS...`, etcdctl as USER against ENDPOINTS over TLS. CA and
# PASSWORD are the script's placeholders of the stack's CA and of USER's password (`env` format), filled into the
# private scratch dir only.
etcd_as() {
  printf '%s\n' "$3" >"$work/etcd-ca.crt.in"
  fill_secrets "$work/etcd-ca.crt.in" >"$work/etcd-ca.crt"
  printf 'ETCDCTL_API=3\nETCDCTL_CACERT="$work/etcd-ca.crt"\nETCDCTL_USER="%s:%s"\n' "$1" "$4" >"$work/etcd.env.in"
  (umask 077; fill_secrets "$work/etcd.env.in" >"$work/etcd.env")
  etcd_endpoints=$2
  etcd_patroni() { ( set -a; . "$work/etcd.env"; set +a; exec etcdctl "--endpoints=$etcd_endpoints" --command-timeout=5s "$@" ); }
}

# dcs_move CLUSTER MEMBER LEADER_KEY NEW_ENDPOINTS OLD_ENDPOINTS: restarts this member's Patroni onto the new DCS,
# which etcd_patroni reaches. The cluster's DCS state step has paused it, so no member fails over. The leader goes
# first and writes the cluster into the new DCS; any other member first waits until the leader is there, so it never
# finds an empty DCS and races for leadership. Steps run in pg_role order (the configured primary first), so when the
# actual leader is another member this one cannot wait for it, and stops with what to change.
dcs_move() {
  local cluster=$1 member=$2 key=$3 leader s i
  "$patroni_helper" is-paused || { echo "error: the DCS servers of $cluster changed but $member is not paused, so restarting its Patroni could fail over; the $cluster-dcs step pauses the cluster first: run pulumi up again" >&2; exit 1; }
  leader=$("$patroni_helper" leader || true)
  if [ "$leader" != "$member" ]; then
    for i in $(seq 1 90); do [ -n "$(etcd_patroni get "$key" --print-value-only 2>/dev/null)" ] && break; sleep 2; done
    [ -n "$(etcd_patroni get "$key" --print-value-only 2>/dev/null)" ] || { echo "error: waited 180s for the leader (${leader:-unknown}) to move to the new DCS first. pg_role names another primary, so $member went first; set pg_role: primary on ${leader:-the leader} (the preview's drift warning says the same), then run pulumi up again." >&2; exit 1; }
  fi
  say "restarting Patroni onto the DCS at $4 (was $5)"
  systemctl restart patroni
  for i in $(seq 1 90); do s=$("$patroni_helper" state 2>/dev/null || true); [ "$s" = running ] && [ -n "$(etcd_patroni get "$key" --print-value-only 2>/dev/null)" ] && break; sleep 2; done
  [ "$s" = running ] || { echo "error: $member is not running 180s after moving to the new DCS (state: $s); see journalctl -u patroni" >&2; exit 1; }
  say "$member runs on the new DCS"
}

# reload_haproxy: reloads HAProxy and proves it took the new config: a successful reload starts a new worker under the
# same master. A config that passes `haproxy -c` can still fail to load (a port another program holds): the master
# then keeps the old worker and systemd reports success. False then, with HAProxy still serving the old config.
reload_haproxy() {
  local master before i
  master=$(systemctl show -p MainPID --value haproxy)
  before=$(ps -o pid= --ppid "$master" | tr -d " " | sort)
  systemctl reload haproxy || return 1
  for i in $(seq 1 20); do [ -n "$(comm -13 <(echo "$before") <(ps -o pid= --ppid "$master" | tr -d " " | sort))" ] && return 0; sleep 0.5; done
  return 1
}

# wait_running SECONDS MEMBER IP CLUSTER: waits until this member's Patroni reports it running, saying each new state.
# A timeout fails the step but leaves Patroni building the replica: the next `up` waits again from where it stood.
wait_running() {
  local deadline=$((SECONDS + $1)) member=$2 last="" state
  while :; do
    state=$("$patroni_helper" status 2>/dev/null || echo "starting")
    case "$state" in *" running") say "${state% running} running"; return ;; esac
    if [ $SECONDS -ge $deadline ]; then
      echo "error: $member is not running after $1s (now: $state). Patroni keeps building it in the background; run pulumi up again to keep waiting (it will not clone again). To see why: journalctl -u patroni on $3, the step log $log, and npm run pg -- list $4. A replica that stays stuck is rebuilt from the leader by npm run pg -- reinit $4 $member." >&2
      exit 1
    fi
    [ "$state" != "$last" ] && say "waiting: $state"; last=$state
    sleep 2
  done
}
