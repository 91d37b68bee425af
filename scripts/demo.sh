#!/usr/bin/env bash
# The main job on the sandbox: toolchain, sandbox up, `pulumi up --stack dev`, then the endpoints to try.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\n=== %s\n' "$*"; }

say "1/4 toolchain"
rc=0; npm run --silent toolchain || rc=$?
if [ "$rc" -eq 3 ]; then
  echo "The Pulumi toolchain is incomplete on this machine (.toolchain/MISSING lists the parts and why)." >&2
  echo "Install Pulumi (CLI with its nodejs language host) and the command/random plugins, then run this again." >&2
  exit 3
fi
[ "$rc" -eq 0 ] || exit "$rc"

say "2/4 sandbox"
npm run --silent sandbox -- up

say "3/4 pulumi up --stack dev"
.toolchain/bin/pulumi stack select dev --create --non-interactive
.toolchain/bin/pulumi up --stack dev --yes --non-interactive --skip-preview

say "4/4 what you have"
.toolchain/bin/pulumi stack output --stack dev
primary=$(.toolchain/bin/pulumi stack output --stack dev services --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)["pg-test"].primary[0]))')
echo
echo "Try: ssh -i .sandbox/id_ed25519 dba@10.10.10.11 'psql -h ${primary%:*} -p ${primary#*:} -U dbuser_test test'"
echo "     (password: .toolchain/bin/pulumi stack output --stack dev passwords --show-secrets)"
