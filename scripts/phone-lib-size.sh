#!/usr/bin/env bash
# What the phone-number library costs in the extension's WASM (issue 6), measured the way build.sh
# builds: a probe cdylib that parses and formats one number, built with the release profile
# (opt-level z, regex-lite at 3, LTO), wasm-bindgen, wasm-opt -Oz, gzip -9, minus the same probe
# without the library.
#   scripts/phone-lib-size.sh          rlibphonenumber (lite), the library in use; merges
#                                      phone_lib_wasm_gz_bytes into target/bench.json
#   scripts/phone-lib-size.sh --all    also rlibphonenumber (regex) and phonenumber, for the README table
# Start-up: `node $DIR/startup.js <variant>` (printed at the end) times load, first parse, 1,000 parses.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DIR=${PHONE_PROBE_DIR:-${TMPDIR:-/tmp}/phone-lib-probe}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}/phone-lib-probe
mkdir -p "$DIR"
variants=(base rlite)
[ "${1:-}" = "--all" ] && variants+=(rlib pn)

probe() { # name dependency-line body
  mkdir -p "$DIR/$1/src"
  cat > "$DIR/$1/Cargo.toml" <<TOML
[package]
name = "probe_$1"
version = "0.1.0"
edition = "2021"
[lib]
crate-type = ["cdylib"]
[dependencies]
wasm-bindgen = "=0.2.130"
$2
[profile.release]
opt-level = "z"
lto = true
codegen-units = 1
panic = "abort"
strip = "debuginfo"
# As the workspace's Cargo.toml: the regex engine where the parsing time goes is built for speed.
[profile.release.package.regex-lite]
opt-level = 3
[workspace]
TOML
  printf '%s\n' "$3" > "$DIR/$1/src/lib.rs"
}

RLIB_BODY='use rlibphonenumber::{enums::Region, PhoneNumber, PhoneNumberFormat};
use wasm_bindgen::prelude::*;
#[wasm_bindgen]
pub fn e164(s: &str, country: &str) -> String {
    match PhoneNumber::parse(s, Region::from_code(country).ok()) {
        Ok(n) if n.is_valid() => n.format_as(PhoneNumberFormat::E164).into_owned(),
        _ => "invalid".into(),
    }
}'
probe base '' 'use wasm_bindgen::prelude::*;
#[wasm_bindgen]
pub fn e164(s: &str, _country: &str) -> String { s.chars().filter(|c| c.is_ascii_digit()).collect() }'
probe rlite 'rlibphonenumber = { version = "2.2", default-features = false, features = ["lite", "global_static", "builtin_metadata", "protox"] }' "$RLIB_BODY"
probe rlib 'rlibphonenumber = "2.2"' "$RLIB_BODY"
probe pn 'phonenumber = "0.3"' 'use wasm_bindgen::prelude::*;
#[wasm_bindgen]
pub fn e164(s: &str, country: &str) -> String {
    match phonenumber::parse(country.parse().ok(), s) {
        Ok(n) if phonenumber::is_valid(&n) => n.format().mode(phonenumber::Mode::E164).to_string(),
        _ => "invalid".into(),
    }
}'

declare -A gz
for v in "${variants[@]}"; do
  (cd "$DIR/$v" && CARGO_TARGET_DIR="$TARGET" cargo build --quiet --release --target wasm32-unknown-unknown)
  mkdir -p "$DIR/$v/out"
  wasm-bindgen --target nodejs --no-typescript --out-dir "$DIR/$v/out" --out-name pb "$TARGET/wasm32-unknown-unknown/release/probe_$v.wasm"
  node_modules/.bin/wasm-opt -Oz "$DIR/$v/out/pb_bg.wasm" -o "$DIR/$v/out/pb_bg.wasm"
  gz[$v]=$(gzip -9c "$DIR/$v/out/pb_bg.wasm" | wc -c)
  printf '%-6s %9d B raw %9d B gzip (library: %d B gzip)\n' "$v" "$(wc -c < "$DIR/$v/out/pb_bg.wasm")" "${gz[$v]}" $(( ${gz[$v]} - ${gz[base]} ))
done

cat > "$DIR/startup.js" <<'JS'
// node startup.js <variant>: ms to load and compile, the first parse (metadata set-up), 1,000 parses.
const { performance } = require('perf_hooks');
const v = process.argv[2];
const t0 = performance.now();
const m = require(`./${v}/out/pb.js`);
const t1 = performance.now();
m.e164('612 345 678', 'ES');
const t2 = performance.now();
const s = ['+34 612 34 56 78', '612 345 678', '(415) 555-0132', '+1 415.555.0199', '+44 20 7946 0958 x123', '0034-612-345-679', '+49 (30) 901820', '2024-11-25-0001'];
for (let i = 0; i < 1000; i++) m.e164(s[i % 8], 'ES');
const t3 = performance.now();
console.log(JSON.stringify({ v, load_ms: +(t1 - t0).toFixed(1), first_parse_ms: +(t2 - t1).toFixed(1), parse_1000_ms: +(t3 - t2).toFixed(1) }));
JS
for v in "${variants[@]}"; do node "$DIR/startup.js" "$v"; done

bytes=$(( ${gz[rlite]} - ${gz[base]} ))
mkdir -p target
python3 - "$bytes" <<'PY'
import json, sys
p = "target/bench.json"
try:
    d = json.load(open(p))
except Exception:
    d = {}
d["phone_lib_wasm_gz_bytes"] = int(sys.argv[1])
json.dump(d, open(p, "w"), indent=2)
print(f"phone_lib_wasm_gz_bytes {sys.argv[1]} -> {p}")
PY
