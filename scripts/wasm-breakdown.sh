#!/usr/bin/env bash
# The adapter's WASM by crate (issue 19): function bodies grouped by the crate their symbol names,
# data segments and other sections apart, largest first. Reads the wasm before wasm-bindgen and
# wasm-opt (which drop the names): `./build.sh` leaves each entry there (adapter.wasm, admin.wasm, phones.wasm).
# Uses twiggy (installed with cargo if missing). The names section, wasm-bindgen's custom section and
# its `__wbindgen_describe_*` exports are dropped by wasm-bindgen and wasm-opt: they are not shipped.
#   scripts/wasm-breakdown.sh [path/to/adapter.wasm, or admin.wasm, phones.wasm] [rows]
set -euo pipefail
cd "$(dirname "$0")/.."
wasm="${1:-${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/release/adapter.wasm}"
rows="${2:-25}"
[ -f "$wasm" ] || { echo "no $wasm: run ./build.sh first" >&2; exit 1; }
command -v twiggy >/dev/null || cargo install twiggy --version 0.8.0 --locked
twiggy top -n 10000000 --format json "$wasm" | python3 -c '
import json, re, sys
rows = int(sys.argv[1])
items = json.load(sys.stdin)
groups, total = {}, 0
for it in items:
    name, size = it["name"], it["shallow_size"]
    total += size
    if name.startswith(("\"function names\"", "custom section", "\"")):
        key = "(section) " + name
    elif name.startswith("data segment") or name.startswith("data["):
        key = "(data) " + name
    elif name.startswith(("export ", "import ")):
        key = "(wasm-bindgen exports and imports)"
    else:
        # Crate hashes (core[c593…]) and the self type of a trait impl (<T as crate::Trait>) say nothing.
        name = re.sub(r"\[[0-9a-f]+\]", "", name)
        name = re.sub(r"^<[A-Za-z_][A-Za-z0-9_]* as ", "", name)
        # Symbol paths: <T as crate::Trait>::f, crate::module::f::h…, core::ptr::drop_in_place<crate::T>.
        m = re.match(r"[<&\s]*(?:dyn\s+)?([A-Za-z_][A-Za-z0-9_]*)::", name)
        key = m.group(1) if m else "(other) " + name.split("::")[0][:40]
        # Generic glue (drop_in_place<x::T>, Vec<x::T>) is counted where its type lives.
        if key in ("core", "alloc") and (t := re.search(r"<([a-z_][a-z0-9_]*)::", name)) and t.group(1) not in ("core", "alloc", "std"):
            key = t.group(1)
    groups[key] = groups.get(key, 0) + size
code = sum(v for k, v in groups.items() if not k.startswith("("))
print(f"{sys.argv[2]}: {total:,} bytes; function bodies {code:,}")
print("     bytes  of all  of code  crate or section")
for key, size in sorted(groups.items(), key=lambda kv: -kv[1])[:rows]:
    of_code = "" if key.startswith("(") else f"{100*size/code:6.1f}%"
    print(f"{size:>10,}  {100*size/total:5.1f}%  {of_code:>7}  {key}")
' "$rows" "$wasm"
