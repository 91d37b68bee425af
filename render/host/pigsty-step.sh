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
