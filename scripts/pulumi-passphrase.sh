#!/usr/bin/env bash
# Runs the pulumi CLI (first argument) with the rest of the arguments, supplying the sandbox passphrase to the
# `dev` stack on the project's local .state backend, and to nothing else: any other stack, or any other backend,
# must bring its own secrets provider or passphrase (PULUMI_CONFIG_PASSPHRASE(_FILE) set by the user wins).
set -euo pipefail
real=$1
shift
repo=$(cd "$(dirname "$0")/.." && pwd)

# The stack a command names: --stack X, --stack=X, -s X, or `stack init|select|rm X`.
named_stack() {
  local prev="" a
  if [ "${1:-}" = stack ] && [[ "${2:-}" =~ ^(init|select|rm)$ ]] && [ -n "${3:-}" ] && [ "${3:0:1}" != - ]; then
    echo "$3"
    return 0
  fi
  for a in "$@"; do
    case "$prev" in --stack | -s) echo "$a"; return 0 ;; esac
    case "$a" in --stack=*) echo "${a#--stack=}"; return 0 ;; esac
    prev=$a
  done
  return 1
}

if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ] &&
  [ "${PULUMI_BACKEND_URL:-}" = "file://$repo/.state" ]; then
  stack=$(named_stack "$@") || stack=$("$real" stack --show-name 2>/dev/null) || stack=""
  if [ "${stack##*/}" = dev ]; then export PULUMI_CONFIG_PASSPHRASE_FILE="$repo/scripts/sandbox-passphrase"; fi
fi
exec "$real" "$@"
