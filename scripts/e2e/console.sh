#!/usr/bin/env bash
# Browser tests of the web console: `orca start` with Basic authentication,
# driven in Debian's headless Chromium by playwright-core (npm) through
# scripts/e2e/console/console.mjs; then `orca start` with OIDC and the
# console's single sign-on against the loopback issuer (scripts/e2e/issuer),
# through scripts/e2e/console/sso.mjs. Screenshots of each page are kept in
# ${E2E_ARTEFACTS:-.e2e-artefacts}/console. Installs chromium with apt-get
# when it is missing. Skipped with ORCA_SKIP_E2E=1 or without node and npm.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
dir=$root/scripts/e2e/console
[ "${ORCA_SKIP_E2E:-}" = "1" ] && { echo "console e2e: SKIPPED: ORCA_SKIP_E2E=1"; exit 0; }
command -v node >/dev/null && command -v npm >/dev/null || { echo "console e2e: SKIPPED: node and npm are needed"; exit 0; }
fail() { echo "console e2e: FAILED: $*"; [ -f "${work:-}/orca.log" ] && tail -30 "$work/orca.log"; exit 1; }

if ! command -v chromium >/dev/null; then
  echo "== console e2e: installing chromium (Debian)"
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  timeout 600 $sudo apt-get update -qq >/dev/null || fail "apt-get update"
  DEBIAN_FRONTEND=noninteractive timeout 900 $sudo apt-get install -y -qq chromium >/dev/null || fail "apt-get install chromium"
fi
chromium=$(command -v chromium)
echo "== console e2e: $($chromium --version 2>/dev/null | head -1)"
( cd "$dir" && timeout 300 npm ci --no-audit --no-fund --loglevel=error ) >/dev/null || fail "npm ci in scripts/e2e/console"

work=$(mktemp -d)
orca_pid=""
llm_pid=""
issuer_pid=""
sso_pid=""
cleanup() {
  if [ -n "$llm_pid" ]; then kill "$llm_pid" 2>/dev/null || true; fi
  if [ -n "$issuer_pid" ]; then kill "$issuer_pid" 2>/dev/null || true; fi
  if [ -n "$sso_pid" ] && kill -0 "$sso_pid" 2>/dev/null; then kill "$sso_pid"; wait "$sso_pid" 2>/dev/null || true; fi
  if [ -n "$orca_pid" ] && kill -0 "$orca_pid" 2>/dev/null; then kill "$orca_pid"; wait "$orca_pid" 2>/dev/null || true; fi
  if [ -n "${KEEP_WORK:-}" ]; then echo "work dir kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
go build -o "$work/orca" ./cmd/orca
node "$dir/stub-llm.mjs" >"$work/llm.url" 2>"$work/llm.log" &
llm_pid=$!
for _ in $(seq 1 100); do [ -s "$work/llm.url" ] && break; sleep 0.1; done
[ -s "$work/llm.url" ] || fail "the stub LLM did not start"
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
ORCA_E2E_LLM_ENDPOINT=$(head -1 "$work/llm.url") "$work/orca" start --addr "127.0.0.1:$port" --data-dir "$work/data" --synchronous NORMAL --workers agent \
  --auth-method basic --basic-user demo:demo-secret >"$work/orca.out" 2>"$work/orca.log" &
orca_pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/v2/status")" = 401 ] && break
  kill -0 "$orca_pid" 2>/dev/null || fail "orca did not start"
  sleep 0.1
done
grep -q "web console ready.*url=$base/" "$work/orca.log" || fail "orca does not say where the console is"

artefacts=${E2E_ARTEFACTS:-$root/.e2e-artefacts}/console
rm -rf "$artefacts"
ORCA_URL="$base" ORCA_E2E_AGENT=1 ORCA_USER=demo ORCA_PASSWORD=demo-secret CHROMIUM="$chromium" \
  timeout 300 node "$dir/console.mjs" "$root/scripts/e2e/forms" "$artefacts" || fail "console in Chromium (screenshots in $artefacts)"

echo "== console e2e: single sign-on (OIDC authorization code flow with PKCE) against a loopback issuer"
go build -o "$work/issuer" ./scripts/e2e/issuer
"$work/issuer" -console-client-id orca-console -users alice:alice-secret -audience orca >"$work/issuer.url" 2>"$work/issuer.log" &
issuer_pid=$!
for _ in $(seq 1 100); do [ -s "$work/issuer.url" ] && break; sleep 0.1; done
iss=$(head -1 "$work/issuer.url")
[ -n "$iss" ] || fail "the test issuer did not start"
sport=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
"$work/orca" start --addr "127.0.0.1:$sport" --data-dir "$work/data-sso" --synchronous NORMAL --workers none --management-addr off \
  --auth-method oidc --oidc-issuer-uri "$iss" --oidc-audience orca --oidc-username-claim preferred_username --oidc-client-id orca-console \
  >"$work/orca-sso.out" 2>"$work/orca-sso.log" &
sso_pid=$!
sbase="http://127.0.0.1:$sport"
for _ in $(seq 1 100); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$sbase/v2/status")" = 401 ] && break
  kill -0 "$sso_pid" 2>/dev/null || { tail -20 "$work/orca-sso.log"; fail "orca (OIDC) did not start"; }
  sleep 0.1
done
ORCA_URL="$sbase" ORCA_ISSUER="$iss" ORCA_USER=alice ORCA_PASSWORD=alice-secret CHROMIUM="$chromium" \
  timeout 120 node "$dir/sso.mjs" "$artefacts" || { tail -20 "$work/orca-sso.log"; fail "console single sign-on in Chromium (screenshots in $artefacts)"; }
grep -q "eyJ" "$work/orca-sso.log" && fail "a token is in orca's log"
echo "console e2e: single sign-on passed"
