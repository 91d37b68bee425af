#!/usr/bin/env bash
# The main job on the sandbox: toolchain, sandbox up, `pulumi up --stack dev`, the cluster's state, the endpoints.
set -euo pipefail
cd "$(dirname "$0")/.."
pulumi=.toolchain/bin/pulumi
start=$SECONDS
say() { printf '\n=== [demo %4ss] %s\n' "$((SECONDS - start))" "$*"; }

say "1/5 toolchain"
rc=0; npm run --silent toolchain || rc=$?
if [ "$rc" -eq 3 ]; then
  echo "The Pulumi toolchain is incomplete on this machine (.toolchain/MISSING lists the parts and why)." >&2
  exit 3
fi
[ "$rc" -eq 0 ] || exit "$rc"

say "2/5 sandbox"
# The hosts outlive a clone's state (.state/): a new dev stack meets whatever an earlier clone deployed there, and
# that deployment's etcd refuses this stack's new passwords. A stack with nothing deployed gets pristine hosts.
deployed=$($pulumi stack ls --json 2>/dev/null | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{let n=0;try{n=(JSON.parse(s).find(x=>x.name==="dev")||{}).resourceCount||0}catch{}console.log(n)})')
if [ "$deployed" -eq 0 ]; then
  echo "the dev stack has nothing deployed yet: the sandbox nodes start from the pristine base image"
  npm run --silent sandbox -- up --fresh
else
  npm run --silent sandbox -- up
fi

say "3/5 pulumi up --stack dev with the policy pack (one line per change; full logs in /var/log/pigsty/ on each host)"
$pulumi stack select dev --create --non-interactive
# Preview first, with the policy pack: a mandatory violation stops everything before any command runs.
$pulumi up --stack dev --yes --non-interactive --suppress-progress --policy-pack policies --policy-pack-config policies/config/dev.json

say "4/5 the cluster, as Patroni and each HAProxy see it, its backups, and the alerts (rules loaded, what fires)"
# A fresh replica may still be catching up: wait (at most 2 minutes) until every member streams.
for _ in $(seq 60); do
  npm run --silent pg -- list pg-test --json --stack dev >.toolchain/demo-list.json 2>/dev/null &&
    node -e 'const [c]=require("./.toolchain/demo-list.json"); const m=c.members; process.exit(m.length===3 && m.every(x=>x.role==="leader"||(["streaming","running"].includes(x.state)&&x.lag===0)) ? 0 : 1)' && break
  sleep 2
done
npm run --silent pg -- list pg-test --stack dev
echo
npm run --silent pg -- backups pg-test --stack dev
echo
npm run --silent pg -- alerts --stack dev

say "5/5 what you have"
$pulumi stack output --stack dev
primary=$($pulumi stack output --stack dev services --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)["pg-test"].primary[0]))')
echo
echo "Dashboards: http://10.10.10.10/dashboard/ (fleet) and http://10.10.10.10/dashboard/cluster.html?cls=pg-test"
echo "Try: ssh -i .sandbox/id_ed25519 dba@10.10.10.11 'psql -h ${primary%:*} -p ${primary#*:} -U dbuser_test test'"
echo "     (password: $pulumi stack output --stack dev passwords --show-secrets)"
echo "Done in $((SECONDS - start))s."
