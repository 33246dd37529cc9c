#!/usr/bin/env bash
# Installs, idempotently, everything the build and the tests need on a machine that has only the Rust
# toolchain: Debian's Chromium and chromedriver, PostgreSQL (the server's second backend; the tests start a
# throwaway cluster with scripts/test-pg.sh), the wasm32 target, wasm-bindgen-cli at the version in
# Cargo.lock, and the npm tools (wasm-opt from binaryen, axe-core). Without root it says what to install.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m[install]\033[0m %s\n' "$*"; }

apt_packages=()
[ -x /usr/bin/chromium ] || apt_packages+=(chromium)
[ -x /usr/bin/chromedriver ] || apt_packages+=(chromium-driver)
command -v pkg-config >/dev/null || apt_packages+=(pkg-config)
[ -e /usr/include/openssl/ssl.h ] || apt_packages+=(libssl-dev)
command -v npm >/dev/null || apt_packages+=(nodejs npm)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || apt_packages+=(postgresql)
if [ ${#apt_packages[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    say "apt-get install ${apt_packages[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_packages[@]}" >/dev/null
  else
    echo "Missing Debian packages: ${apt_packages[*]}" >&2
    echo "Install them with: sudo apt-get install -y ${apt_packages[*]}" >&2
    exit 1
  fi
fi

rustup component add clippy rustfmt >/dev/null 2>&1 || true
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# The CLI must equal the wasm-bindgen crate in Cargo.lock exactly. `--locked` is deliberately absent:
# the CLI's own lockfile pins a webpki-roots that the registry does not serve (TOOLCHAIN.md).
want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  say "cargo install wasm-bindgen-cli --version $want (have: ${have:-none})"
  cargo install wasm-bindgen-cli --version "$want"
fi

if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -x node_modules/.bin/terser ] || [ ! -f node_modules/axe-core/axe.min.js ]; then
  say "npm ci (binaryen's wasm-opt, terser, axe-core)"
  npm ci --no-audit --no-fund --loglevel=error
fi
say "all tools present"
