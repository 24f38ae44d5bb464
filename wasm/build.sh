#!/usr/bin/env bash
# Builds the npm package of zkhealth for JavaScript into wasm/npm/ (web/ and node/):
# - zkhealth_verifier: the checkpoint's light verifier (no prover code);
# - zkhealth: the verifier and the wallet's prover.
#
# Needs Debian's rustc-web, rust-web-src, cargo-web and lld (std for wasm32 is built from
# source) and wasm-bindgen-cli at exactly the version of the wasm-bindgen crate; `.ci/run`
# installs them (see `wasm/install-tools.sh`). Prints each module's size, raw and gzipped.
set -euo pipefail
cd "$(dirname "$0")/.."

target_dir="${CARGO_TARGET_DIR:-target}/wasm"
out=wasm/npm
wasm_bindgen="$(command -v wasm-bindgen || echo "$HOME/.cargo/bin/wasm-bindgen")"
want="$(sed -n 's/^wasm-bindgen = "=\(.*\)"$/\1/p' wasm/Cargo.toml)"
have="$("$wasm_bindgen" --version 2>/dev/null | awk '{print $2}')" || true
if [ "$have" != "$want" ]; then
  echo "wasm-bindgen-cli $want is needed (found: ${have:-none}); run bash wasm/install-tools.sh" >&2
  exit 1
fi

build() {
  local name=$1
  shift
  RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld \
    /usr/bin/cargo build --release -Zbuild-std=std,panic_abort --target wasm32-unknown-unknown \
    --target-dir "$target_dir" -p zkhealth-wasm "$@"
  local wasm="$target_dir/wasm32-unknown-unknown/release/zkhealth_wasm.wasm"
  for flavour in web nodejs; do
    local dir="$out/${flavour%js}"
    "$wasm_bindgen" --target "$flavour" --out-dir "$dir" --out-name "$name" "$wasm"
  done
  local bg="$out/web/${name}_bg.wasm"
  echo "$name: $(stat -c %s "$bg") bytes, $(gzip -9 -c "$bg" | wc -c) gzipped" >&2
}

build zkhealth_verifier --no-default-features
build zkhealth --features prover
# wasm-bindgen's Node modules are CommonJS inside an ES-module package.
echo '{"type": "commonjs"}' > "$out/node/package.json"
# The pages (web/) load the web modules from web/pkg/.
rm -rf web/pkg
cp -r "$out/web" web/pkg
