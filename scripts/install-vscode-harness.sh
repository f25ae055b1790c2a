#!/usr/bin/env bash
# Installs what the real-VS-Code tests need, offline-friendly and idempotent:
# Debian's chromium + ripgrep + native build headers, and code-server (VS Code 1.100.3 for the
# browser) from npm, with its native modules rebuilt locally because their install scripts would
# download prebuilt binaries (which this network cannot reach).
#
# Everything npm-side lands in $VSCODE_HARNESS_DIR (default: <repo>/.cache/vscode-harness, ignored
# by git). A stamp file makes a second run a no-op; pass --force to redo the npm part.
#
# Used by: test/vscode/launch-code-server.mjs, test/e2e/run.mjs (they tell you to run this when
# something is missing) and CI.
set -euo pipefail

CODE_SERVER_VERSION=4.100.3
# Bump when the recipe below changes so cached installs are redone.
RECIPE=2

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HARNESS_DIR="${VSCODE_HARNESS_DIR:-$ROOT/.cache/vscode-harness}"
TOOLS="$HARNESS_DIR/tools"
STAMP="$TOOLS/.installed"
STAMP_WANT="code-server@$CODE_SERVER_VERSION recipe=$RECIPE node=$(node -p 'process.versions.modules')"
FORCE=0
[[ "${1:-}" == "--force" ]] && FORCE=1

log() { printf '[vscode-harness] %s\n' "$*"; }

# --- Debian packages -------------------------------------------------------------------------
# krb5/secret/xkbfile/x11 headers + a C++ toolchain: native modules of VS Code's server.
# ripgrep: VS Code's search (its npm package would download rg). chromium: the browser client;
# fonts-wqy-microhei: CJK glyphs, the guide is in Chinese (without it screenshots show boxes).
APT_PACKAGES=(libkrb5-dev libsecret-1-dev libxkbfile-dev libx11-dev pkg-config ripgrep chromium
  fonts-wqy-microhei build-essential python3)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  if [[ $(id -u) != 0 ]]; then
    command -v sudo >/dev/null || { log "need root (or sudo) to apt-get install: ${missing[*]}"; exit 1; }
    SUDO=sudo
  fi
  log "apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  log "Debian packages present"
fi

# --- code-server from npm --------------------------------------------------------------------
ENTRY="$TOOLS/node_modules/code-server/out/node/entry.js"
if [[ $FORCE == 0 && -f "$STAMP" && -f "$ENTRY" && "$(cat "$STAMP")" == "$STAMP_WANT" ]]; then
  log "code-server $CODE_SERVER_VERSION already installed in $TOOLS"
  exit 0
fi

major=$(node -p 'process.versions.node.split(".")[0]')
[[ "$major" == 20 ]] || { log "code-server $CODE_SERVER_VERSION needs Node 20, found $(node -v)"; exit 1; }

rm -f "$STAMP"
mkdir -p "$TOOLS"
cd "$TOOLS"
[[ -f package.json ]] || echo '{ "name": "vscode-harness-tools", "private": true }' > package.json

# npm answers prompts itself; no audit/fund chatter.
export npm_config_yes=true npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

# --ignore-scripts: code-server's postinstall would run the nested installs with downloads.
log "npm install code-server@$CODE_SERVER_VERSION"
npm install "code-server@$CODE_SERVER_VERSION" --ignore-scripts --no-package-lock --loglevel=error

VSC="$TOOLS/node_modules/code-server/lib/vscode"
cd "$VSC"
log "npm install (VS Code server deps)"
npm install --omit=dev --ignore-scripts --loglevel=error

# @vscode/ripgrep's postinstall downloads rg from GitHub: use Debian's.
mkdir -p node_modules/@vscode/ripgrep/bin
cp -f "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg

# Native modules. npm 11 gates dependency install scripts behind an allowScripts policy; naming
# the packages on `npm rebuild` runs theirs. If a future npm still skips them, build with
# node-gyp directly. @parcel/watcher uses its prebuilt optional package (linux-x64-glibc).
NATIVE=(kerberos node-pty @vscode/spdlog native-watchdog @vscode/deviceid)
log "building native modules: ${NATIVE[*]} (about a minute)"
npm rebuild "${NATIVE[@]}" @parcel/watcher --loglevel=error
NODE_GYP="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
# node-gyp on its own would download Node's headers; point it at the local ones.
NODEDIR="$(npm config get nodedir 2>/dev/null || true)"
[[ -n "$NODEDIR" && "$NODEDIR" != undefined && "$NODEDIR" != null ]] || NODEDIR=/usr
node_gyp_rebuild() { (cd "$1" && node "$NODE_GYP" rebuild --nodedir="$NODEDIR" --loglevel=error); }
has_addon() { [[ -n "$(find "$1" -name '*.node' -path '*Release*' -print -quit 2>/dev/null)" || -n "$(find "$1/lib/binding" -name '*.node' -print -quit 2>/dev/null)" ]]; }
for m in "${NATIVE[@]}"; do
  if ! has_addon node_modules/"$m"; then
    log "npm skipped $m's build script; running node-gyp directly"
    node_gyp_rebuild node_modules/"$m"
  fi
done

# VS Code looks for bundled modules under node_modules.asar (what code-server's postinstall does).
ln -sfn node_modules node_modules.asar
(cd bin/remote-cli && ln -sfn code-linux.sh code-server)
(cd bin/helpers && ln -sfn browser-linux.sh browser.sh)

log "npm install (built-in extensions' shared deps)"
(cd extensions && npm install --omit=dev --loglevel=error)

cd "$TOOLS"
log "npm rebuild argon2"
npm rebuild argon2 --loglevel=error
has_addon node_modules/argon2 || node_gyp_rebuild node_modules/argon2

# Prove every native module loads in this Node before declaring success.
(cd "$VSC" && node --input-type=module -e "
  import { createRequire } from 'node:module';
  const require = createRequire(process.cwd() + '/');
  for (const m of ['kerberos', 'node-pty', '@vscode/spdlog', 'native-watchdog', '@parcel/watcher']) require(m);
")
(cd "$TOOLS" && node -e "require('argon2')")

echo "$STAMP_WANT" > "$STAMP"
log "done: $ENTRY"
