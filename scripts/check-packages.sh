#!/usr/bin/env bash
# The path of a user outside this repository: pack @tensorgrad/core, nn and vae with `pnpm pack`,
# install the tarballs with plain npm into an empty project, then import them, type-check an app
# under NodeNext and Bundler resolution (skipLibCheck off) and run the tensorgrad-vae bin.
# Also checks what the tarballs hold (a LICENSE, no build caches, no workspace: versions) and that
# a CPU user's install compiles nothing native (no gpu.js, no gl).
#   bash scripts/check-packages.sh        (CI runs it after the tests; needs the npm registry)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "check-packages: $*" >&2; exit 1; }
step() { echo "check-packages: $*"; }

step "building and packing"
(cd "$root" && npx --yes pnpm@10 run build >/dev/null)
mkdir -p "$work/tarballs"
for p in core nn vae; do (cd "$root/packages/$p" && npx --yes pnpm@10 pack --pack-destination "$work/tarballs" >/dev/null); done
for t in "$work"/tarballs/*.tgz; do
  name="$(basename "$t")"
  list="$(tar -tzf "$t")"
  grep -qx 'package/LICENSE' <<<"$list" || fail "$name has no LICENSE"
  ! grep -q 'tsbuildinfo' <<<"$list" || fail "$name ships a build cache: $(grep tsbuildinfo <<<"$list")"
  ! tar -xzOf "$t" package/package.json | grep -q '"workspace:' || fail "$name still depends on workspace: versions"
  step "$name: $(wc -l <<<"$list") files, $(du -k "$t" | cut -f1) KiB"
done

step "installing the tarballs with npm into an empty project"
mkdir "$work/app"
cd "$work/app"
echo '{ "name": "app", "private": true, "type": "module" }' > package.json
start=$(date +%s)
# fast-check: the optional peer that @tensorgrad/core/testing (imported below) needs.
npm install --no-audit --no-fund --loglevel=error "$work"/tarballs/*.tgz fast-check@4 @types/node@20 >/dev/null
step "npm install took $(( $(date +%s) - start )) s, node_modules is $(du -sm node_modules | cut -f1) MB"
[ ! -e node_modules/gpu.js ] && [ ! -e node_modules/gl ] || fail "a CPU install pulled in gpu.js or gl"

cat > app.ts <<'TS'
import { Tensor, randn, tensor, type Shape } from '@tensorgrad/core';
import * as arb from '@tensorgrad/core/testing';
import { Adam, Linear, mseLoss } from '@tensorgrad/nn';
import { VAE, vaeLoss } from '@tensorgrad/vae';

const model = new Linear(3, 1);
const opt = new Adam(model.parameters(), { lr: 0.1 });
const x: Tensor = randn([8, 3]);
const y = x.sum(1, true);
for (let i = 0; i < 50; i++) {
  opt.zeroGrad();
  const loss = mseLoss(model.forward(x), y);
  loss.backward();
  opt.step();
}
const shape: Shape = mseLoss(model.forward(x), y).shape;
const vae = new VAE({ latent: 2, hidden: 8 });
const { recon, mu, logvar } = vae.run(randn([4, 784]).sigmoid());
console.log(shape.length, vaeLoss(recon, recon.detach(), mu, logvar).total.item() > 0, typeof arb.tensor, String(tensor([1, 2])));
TS
tsc="$root/node_modules/typescript/bin/tsc"
for mode in "NodeNext NodeNext" "ESNext Bundler"; do
  set -- $mode
  node "$tsc" --noEmit --strict --skipLibCheck false --target ES2022 --lib ES2022 --types node --module "$1" --moduleResolution "$2" app.ts \
    || fail "the app does not type-check under --moduleResolution $2"
  step "types resolve under --moduleResolution $2"
done
node "$tsc" --outDir . --strict --target ES2022 --module NodeNext --moduleResolution NodeNext --types node app.ts
[ "$(node app.js)" = "0 true function tensor([1., 2.])" ] || fail "the app printed $(node app.js)"
step "the app runs"

[ "$(npx --no-install tensorgrad-vae --version)" = "$(node -p "require('$root/packages/vae/package.json').version")" ] || fail "tensorgrad-vae --version"
npx --no-install tensorgrad-vae train --epochs 1 --limit-train 128 --limit-test 64 --hidden 16 --out out >/dev/null || fail "tensorgrad-vae train"
[ -s out/checkpoint.safetensors ] && [ -s out/samples.png ] || fail "tensorgrad-vae train wrote no checkpoint or pictures"
step "the tensorgrad-vae bin trains and writes its files"

# The explorer page ships built in the tarball: serve it and fetch it.
npx --no-install tensorgrad-vae explore --checkpoint out/model.safetensors --port 0 > explore.log 2>&1 &
explorer=$!
for _ in $(seq 50); do grep -q 'explorer at' explore.log && break; sleep 0.2; done
url="$(grep -o 'http://127.0.0.1:[0-9]*/' explore.log || true)"
[ -n "$url" ] && node -e "fetch('${url}explorer.js').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))" \
  || { kill "$explorer"; fail "tensorgrad-vae explore did not serve its page: $(cat explore.log)"; }
kill "$explorer"
step "tensorgrad-vae explore serves the built page"

err="$(node --input-type=module -e "await import('@tensorgrad/core/gpu')" 2>&1 || true)"
grep -q "the gpu backend needs the npm package gpu.js, an optional peer dependency of @tensorgrad/core: npm install gpu.js@2.24.1" <<<"$err" \
  || fail "importing @tensorgrad/core/gpu without gpu.js does not say what to install: $err"
step "without gpu.js, @tensorgrad/core/gpu says what to install"
echo "check-packages: ok"
