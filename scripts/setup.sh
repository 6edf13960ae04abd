#!/usr/bin/env bash
# Installs everything tensorgrad needs on a fresh Debian machine with Node 20, then its npm
# packages (extra arguments go to `pnpm install`, e.g. --frozen-lockfile).
#
#   apt: headless-gl's build and runtime (libxi-dev libglu1-mesa-dev libglew-dev pkg-config,
#        Mesa's software OpenGL libgl1-mesa-dri), a virtual display (xvfb: headless-gl needs one),
#        Chromium for the browser test (WebGL2 on SwiftShader), and a C++ toolchain for the build.
#   npm: pnpm 10 through npx; pnpm builds `gl` from source (~5 min the first time) because the
#        root package.json lists it in pnpm.onlyBuiltDependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential python3 pkg-config libxi-dev libglu1-mesa-dev libglew-dev libgl1-mesa-dri xvfb xauth chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "setup: apt-get install ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# node-gyp compiles gl with one make job unless told otherwise: use every core.
export JOBS="${JOBS:-max}"
npx --yes pnpm@10 install "$@"
