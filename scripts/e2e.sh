#!/usr/bin/env bash
# End-to-end tests with third-party clients against a running `orca start`:
#   - c8ctl (npm @camunda8/cli) deploys BPMN files, creates an instance,
#     lists instances and user tasks and completes a user task;
#   - a Node program on Camunda's JS SDK (@camunda8/orchestration-cluster-api)
#     with CAMUNDA_SDK_VALIDATION=req:strict,res:fanatical runs a job worker
#     and works user tasks, messages, incidents, variables and the clock.
# The clients are installed from npm into scripts/e2e/*/node_modules. Without
# npm or the registry, or with ORCA_SKIP_E2E=1, the tests are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
e2e=$root/scripts/e2e

skip() { echo "e2e: SKIPPED: $*"; exit 0; }
[ "${ORCA_SKIP_E2E:-}" = "1" ] && skip "ORCA_SKIP_E2E=1"
command -v node >/dev/null && command -v npm >/dev/null || skip "node and npm are needed"
timeout 60 npm view @camunda8/cli@4.1.0 version >/dev/null 2>&1 || skip "the npm registry is unreachable"

work=$(mktemp -d)
orca_pid=""
cleanup() {
  if [ -n "$orca_pid" ] && kill -0 "$orca_pid" 2>/dev/null; then kill "$orca_pid"; wait "$orca_pid" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

install() { # dir
  ( cd "$1" && if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi ) >/dev/null
}
echo "== e2e: installing c8ctl and the JS SDK from npm"
install "$e2e/c8ctl"
install "$e2e/sdk"

echo "== e2e: building and starting orca"
go build -o "$work/orca" ./cmd/orca
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
"$work/orca" start --addr "127.0.0.1:$port" --data-dir "$work/data" --synchronous NORMAL >"$work/orca.out" 2>"$work/orca.log" &
orca_pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
  curl -fs -o /dev/null "$base/v2/status" && break
  kill -0 "$orca_pid" 2>/dev/null || { cat "$work/orca.log"; echo "e2e: orca did not start"; exit 1; }
  sleep 0.1
done
grep -q "REST API v2 at $base/v2" "$work/orca.log" || { cat "$work/orca.log"; echo "e2e: orca does not say where it listens"; exit 1; }

fail() { echo "e2e: FAILED: $*"; echo "--- orca log"; tail -50 "$work/orca.log"; exit 1; }
# json EXPR: evaluates EXPR over stdin parsed as JSON (as `d`), prints the result.
json() { node -e "let s='';process.stdin.on('data',c=>s+=c).on('end',()=>{const d=JSON.parse(s);const r=($1);console.log(typeof r==='string'?r:JSON.stringify(r))})"; }

echo "== e2e: c8ctl"
export CI=1 C8CTL_DATA_DIR="$work/c8ctl-data" C8CTL_MODELER_DIR="$work/c8ctl-modeler" CAMUNDA_BASE_URL="$base"
export CAMUNDA_SDK_VALIDATION="req:strict,res:fanatical"
c8() { "$e2e/c8ctl/node_modules/.bin/c8ctl" "$@" 2>"$work/c8ctl.err" || { cat "$work/c8ctl.err"; fail "c8ctl $*"; }; }

c8 deploy "$e2e/review.bpmn" "$e2e/e2e.bpmn" >"$work/deploy.txt"
grep -q "Deployment successful" "$work/deploy.txt" || fail "c8ctl deploy: $(cat "$work/deploy.txt")"
grep -q "e2e-review" "$work/deploy.txt" || fail "c8ctl deploy lists no e2e-review"
echo "deployed: $(grep -c '| Process' "$work/deploy.txt") processes"

pi=$(c8 create pi --id e2e-review --variables '{"amount":42}' | sed -n 's/.*\[Key: \([0-9]*\)\].*/\1/p')
[ -n "$pi" ] || fail "c8ctl create pi printed no key"
echo "created process instance $pi"

c8 --json list pi >"$work/pis.json"
[ "$(json "d.filter(p=>p.Key==='$pi'&&p.State==='ACTIVE').length" <"$work/pis.json")" = 1 ] || fail "c8ctl list pi: $(cat "$work/pis.json")"
echo "listed process instances: $(json 'd.length' <"$work/pis.json")"

c8 --json list ut >"$work/uts.json"
ut=$(json "(d.find(t=>t['Process Instance']==='$pi')||{}).Key||''" <"$work/uts.json")
[ -n "$ut" ] || fail "c8ctl list ut shows no task of $pi: $(cat "$work/uts.json")"
c8 search ut --processInstanceKey "$pi" >"$work/search-ut.txt"
grep -q "$ut" "$work/search-ut.txt" || fail "c8ctl search ut: $(cat "$work/search-ut.txt")"
echo "listed user tasks: task $ut"

c8 complete ut "$ut" --variables '{"approved":true}' >"$work/complete.txt"
grep -q "completed" "$work/complete.txt" || fail "c8ctl complete ut: $(cat "$work/complete.txt")"
c8 get pi "$pi" >"$work/pi.txt"
grep -q '"state": "COMPLETED"' "$work/pi.txt" || fail "instance $pi not completed: $(cat "$work/pi.txt")"
c8 --json list pi --all >"$work/all.json"
[ "$(json "d.filter(p=>p.Key==='$pi'&&p.State==='COMPLETED').length" <"$work/all.json")" = 1 ] || fail "c8ctl list pi --all"
echo "completed user task $ut; instance $pi is COMPLETED"

echo "== e2e: JS SDK (fanatical validation)"
unset CAMUNDA_BASE_URL
ORCA_URL="$base" node "$e2e/sdk/run.mjs" "$e2e" || fail "JS SDK program"

echo "== e2e: graceful shutdown"
kill -TERM "$orca_pid"
status=0
wait "$orca_pid" || status=$?
orca_pid=""
[ "$status" = 0 ] || fail "orca exited with $status on SIGTERM"
grep -q 'msg=stopped' "$work/orca.log" || fail "orca did not report a clean stop"
echo "orca stopped cleanly"
echo "== e2e: passed"
