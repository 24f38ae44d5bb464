#!/usr/bin/env bash
# Installs what wasm/build.sh and the browser tests need on a fresh Debian bookworm machine: the
# Rust toolchain that builds std for wasm32 (rustc-web, rust-web-src, cargo-web) with lld's
# wasm-ld, Chromium (the pages' tests drive it headless), and wasm-bindgen-cli at exactly the
# wasm-bindgen crate's version. Skips what is there already.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(rustc-web rust-web-src cargo-web lld chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
  "${sudo[@]}" apt-get update
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi

want="$(sed -n 's/^wasm-bindgen = "=\(.*\)"$/\1/p' wasm/Cargo.toml)"
wasm_bindgen="$(command -v wasm-bindgen || echo "$HOME/.cargo/bin/wasm-bindgen")"
have="$("$wasm_bindgen" --version 2>/dev/null | awk '{print $2}')" || true
if [ "$have" != "$want" ]; then
  cargo install wasm-bindgen-cli --version "$want"
fi
