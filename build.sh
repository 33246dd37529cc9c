#!/usr/bin/env bash
# Builds the unpacked extension into dist/extension/, and more:
#   ./build.sh                 build dist/extension (release WASM, wasm-bindgen, wasm-opt) and print sizes
#   ./build.sh --sandbox[=PORT] the same, plus sandbox-defaults.json pointing at the sandbox (default 8123)
#   ./build.sh demo [--port N] install what is missing, build, run the sandbox and open it in Chromium
#   ./build.sh test            every test: fmt, clippy, native tests, wasm tests in Chromium, end-to-end
#   ./build.sh bench           every figure, printed and written to target/bench.json
#                              (--only phones[,sizes,...]: just those sections;
#                               --only loadtest: just the 500-agent load test)
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
# DIST_DIR lets several builds (people, CI jobs) keep their own unpacked extension.
DIST=${DIST_DIR:-$ROOT/dist/extension}
WASM_DIR=${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/release
WASM=$WASM_DIR/app.wasm
# The extension's WASM files in pkg/, each `name:features` of the crate: the adapter frame's view and its
# engine (loaded after the view's first paint), the admin's
# pages (options and operations share one file: the same people, the same server API) and the phone module.
ENTRIES="adapter:adapter engine:engine admin:options,operations phones:phones"

die() { echo "build.sh: $*" >&2; exit 1; }
# Each step says when it started (seconds since build.sh began), so a slow CI run shows where it went.
step() { printf '\033[1m==> [%ss] %s\033[0m\n' "$SECONDS" "$*"; }

need_tools() {
  command -v cargo >/dev/null || die "cargo not found: install Rust with rustup."
  rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown \
    || die "the wasm32-unknown-unknown target is missing: run scripts/install-deps.sh (what .ci/run does) or 'rustup target add wasm32-unknown-unknown'."
  local want have
  want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
  have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
  [ "$have" = "$want" ] \
    || die "wasm-bindgen $want is needed (found: ${have:-none}): run scripts/install-deps.sh (what .ci/run does) or 'cargo install wasm-bindgen-cli --version $want'."
  [ -x node_modules/.bin/wasm-opt ] && [ -x node_modules/.bin/terser ] \
    || die "wasm-opt (npm binaryen 132) or terser is missing: run scripts/install-deps.sh (what .ci/run does) or 'npm ci'. Debian's binaryen 108 miscompiles: do not use it."
}

size_line() { # name file... (several files count as one concatenation)
  local name=$1 raw gz; shift
  raw=$(cat "$@" | wc -c); gz=$(cat "$@" | gzip -9 | wc -c)
  printf '  %-28s %9d B raw %9d B gzip\n' "$name" "$raw" "$gz"
}

build_extension() {
  local sandbox_port=${1:-}
  need_tools
  rm -rf "$DIST"; mkdir -p "$DIST/pkg"
  cp -r extension/. "$DIST/"
  # One WASM file per entry (issue 19): the crate built once per feature, so each page loads only what
  # its entry reaches (the adapter's start-up carries neither the options page nor libphonenumber).
  # The dependencies compile once; only the crate itself and the link run again.
  local entry features
  for entry in $ENTRIES; do
    features=${entry#*:}; entry=${entry%%:*}
    step "cargo build (wasm32, release): $entry ($features)"
    cargo build --release --target wasm32-unknown-unknown -p ccai-kustomer --no-default-features --features "$features"
    cp "$WASM" "$WASM_DIR/$entry.wasm"
    wasm-bindgen --target web --no-typescript --out-dir "$DIST/pkg" --out-name "$entry" "$WASM_DIR/$entry.wasm"
    node_modules/.bin/wasm-opt -Oz "$DIST/pkg/${entry}_bg.wasm" -o "$DIST/pkg/${entry}_bg.wasm"
  done
  step "assemble dist/extension"
  # The content script is injected into every Kustomer page: ship it minified (top-level names, which
  # the content-script files share, are kept). The readable source stays in extension/content/.
  for js in "$DIST"/content/*.js; do
    node_modules/.bin/terser "$js" --compress --mangle --comments false -o "$js"
  done
  # wasm-bindgen's glue (ES modules) loads before each page's first paint: minified too (-2.4 KB gzip
  # of the adapter's start-up).
  for js in "$DIST"/pkg/*.js; do
    node_modules/.bin/terser "$js" --module --compress --mangle --comments false -o "$js"
  done
  if [ -n "$sandbox_port" ]; then
    cat > "$DIST/sandbox-defaults.json" <<JSON
{"server_url":"http://127.0.0.1:$((sandbox_port + 1))"}
JSON
    # The seed's example mapping (SPEC S3) on the sandbox's statuses, inheritance on.
    cat > "$DIST/sandbox-sync-defaults.json" <<JSON
{"schema":2,"direction":"OneWay","priority":"LatestChangeWins","inheritance":true,"mapping":[{"kustomer":"64f0a1c2e4b0a1b2c3d4e501","ccai":0},{"kustomer":"64f0a1c2e4b0a1b2c3d4e506","ccai":0},{"kustomer":"64f0a1c2e4b0a1b2c3d4e504","ccai":-3},{"kustomer":"64f0a1c2e4b0a1b2c3d4e505","ccai":1},{"kustomer":"64f0a1c2e4b0a1b2c3d4e503","ccai":-10}]}
JSON
  fi
  step "sizes"
  # What the adapter loads before its first paint (issue 19's adapter_startup_bytes_gz), then the rest.
  size_line "adapter start-up" "$DIST/pkg/adapter_bg.wasm" "$DIST/pkg/adapter.js" "$DIST/adapter.js" "$DIST/adapter.css"
  for entry in $ENTRIES; do
    entry=${entry%%:*}
    size_line "pkg/${entry}_bg.wasm" "$DIST/pkg/${entry}_bg.wasm"
  done
  size_line "content script" "$DIST"/content/*.js
  mapfile -t shipped < <(find "$DIST" -type f ! -path '*/icons/*' | sort)
  size_line "extension (less icons)" "${shipped[@]}"
  echo "  unpacked extension: $DIST"
}

cmd=${1:-build}
case "$cmd" in
  build) build_extension ;;
  --sandbox) build_extension 8123 ;;
  --sandbox=*) build_extension "${cmd#--sandbox=}" ;;
  demo)
    shift
    port=8123
    while [ $# -gt 0 ]; do case "$1" in --port) port=$2; shift 2 ;; --port=*) port=${1#--port=}; shift ;; *) die "demo: unknown flag $1 (flags: --port N)" ;; esac; done
    scripts/install-deps.sh
    build_extension "$port"
    step "sandbox on http://127.0.0.1:$port with the extension in Chromium"
    cargo run --quiet --release -p e2e --bin demo -- --port "$port" --extension "$DIST"
    ;;
  test)
    build_extension
    step "rustfmt and clippy"
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings
    cargo clippy -p ccai-kustomer --target wasm32-unknown-unknown -- -D warnings
    step "native tests (core, sandbox, server; the server's on SQLite and on a throwaway PostgreSQL)"
    pg_env=$(scripts/test-pg.sh start) || die "could not start PostgreSQL for the tests: run scripts/install-deps.sh"
    eval "$pg_env"
    trap 'scripts/test-pg.sh stop "$CCAI_TEST_PG_DIR"' EXIT
    cargo test -p ccai-core -p sandbox -p server
    step "the server's tests again, every test server on PostgreSQL"
    CCAI_TEST_DB=postgres cargo test -p server
    step "wasm tests in headless Chromium"
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner CHROMEDRIVER=/usr/bin/chromedriver \
      cargo test -p ccai-kustomer --target wasm32-unknown-unknown
    step "end-to-end tests: Chromium + the unpacked extension + the sandbox"
    rm -rf target/e2e-artifacts/fidelity
    E2E_EXTENSION_DIR="$DIST" cargo test -p e2e -- --test-threads=1
    step "fidelity: the product's vendor requests over the suite, by API-NOTES.md"
    # Fails the run on any request of the product (extension or server) to a route API-NOTES.md does
    # not document (issue 16).
    cargo run --quiet -p e2e --bin fidelity -- --enforce
    ;;
  bench)
    shift
    # `./build.sh bench --only loadtest`: just the 500-agent load test (no browser, no extension build).
    if [ "$*" = "--only loadtest" ]; then
      step "load test: 500 agents against the sandbox and the server"
      mkdir -p target
      cargo run --quiet --release -p loadtest -- --out target/bench.json
      exit 0
    fi
    build_extension
    step "benchmark"
    mkdir -p target
    # The server's record-rule figures first (one JSON object, keys `connector_*` kept from the connector,
    # plus records_event_push_ms_*, records_call_record_ms_*, kustomer_requests_per_*); the e2e bench
    # keeps them and adds its own.
    # `./build.sh bench --only phones` (sections: sizes,startup,relay,guards,phones) runs just those
    # and keeps the other figures of target/bench.json.
    case " $* " in
      *" --only "*) ;;
      *) cargo run --quiet --release -p server --example records_bench > target/bench.json ;;
    esac
    rm -rf target/e2e-artifacts/fidelity
    cargo run --quiet --release -p e2e --bin bench -- --extension "$DIST" --out target/bench.json "$@"
    cargo run --quiet --release -p e2e --bin fidelity -- --out target/bench.json
    case " $* " in
      *" --only "*) ;;
      *)
        step "load test: 500 agents against the sandbox and the server (1 and 10 CCAI requests/s)"
        cargo run --quiet --release -p loadtest -- --out target/bench.json
        step "several instances on PostgreSQL: the lease holder killed mid-burst"
        pg_env=$(scripts/test-pg.sh start) || die "could not start PostgreSQL: run scripts/install-deps.sh"
        eval "$pg_env"
        trap 'scripts/test-pg.sh stop "$CCAI_TEST_PG_DIR"' EXIT
        CCAI_BENCH_OUT="$PWD/target/bench.json" cargo test --quiet -p server --test instances_failover -- --nocapture
        step "load test on PostgreSQL: the 500-agent figures at 10 CCAI requests/s (keys *_postgres)"
        CCAI_TEST_DB=postgres cargo run --quiet --release -p loadtest -- --rates 10 --key-suffix _postgres --out target/bench.json
        step "agents per instance: more agents at their real pace until the ring's push p99 passes 300 ms"
        cargo run --quiet --release -p loadtest -- --ramp 1000,2000,3000,5000 --factor 1 --hour-s 60 --out target/bench.json ;;
    esac
    ;;
  -h|--help|help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' ;;
  *) die "unknown command '$cmd' (see ./build.sh --help)" ;;
esac
