#!/usr/bin/env bash
# Webhook connectors with curl: `orca start` (Basic authentication on /v2)
# serves Camunda's webhook connector under /inbound/{id} with the element's
# own authentication. An API-key start event takes orders (refused without
# the key, or when the activation condition fails), an HMAC-signed
# intermediate catch event takes their payments (refused unsigned or
# tampered, a replay acknowledged without a second correlation), then a
# bounded flood of 200 orders: every answer is 201 or 429, and each 201 is
# one instance. curl then plays a remote A2A agent pushing task updates to
# Camunda's A2A Client Webhook catch event (working refused, wrong key 401,
# another instance's token correlates nothing, not a task 400, the
# completed push continues the instance once), and a verification
# challenge is echoed without starting anything. Last, against a loopback
# A2A agent (scripts/e2e/webhook/a2a-agent.mjs, Node), Camunda's A2A
# polling and notification patterns run end to end in `orca start`: the A2A
# client worker, the polling catch event and the pushed webhook. Installs
# curl and openssl with apt-get when missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
dir=$root/scripts/e2e/webhook
fail() { echo "webhook e2e: FAILED: $*"; [ -f "${work:-}/orca.log" ] && tail -30 "$work/orca.log"; exit 1; }

missing=()
command -v curl >/dev/null || missing+=(curl)
command -v openssl >/dev/null || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
  echo "== webhook e2e: installing ${missing[*]} (Debian)"
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  timeout 600 $sudo apt-get update -qq >/dev/null || fail "apt-get update"
  DEBIAN_FRONTEND=noninteractive timeout 600 $sudo apt-get install -y -qq "${missing[@]}" >/dev/null || fail "apt-get install ${missing[*]}"
fi

work=$(mktemp -d)
orca_pid=""
agent_pid=""
cleanup() {
  if [ -n "$agent_pid" ] && kill -0 "$agent_pid" 2>/dev/null; then kill "$agent_pid"; wait "$agent_pid" 2>/dev/null || true; fi
  if [ -n "$orca_pid" ] && kill -0 "$orca_pid" 2>/dev/null; then kill "$orca_pid"; wait "$orca_pid" 2>/dev/null || true; fi
  if [ -n "${KEEP_WORK:-}" ]; then echo "work dir kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
go build -o "$work/orca" ./cmd/orca
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null ||
  node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
E2E_ORDERS_KEY=k-orders-1 E2E_PAYMENTS_HMAC=pay-secret E2E_A2A_PUSH_KEY=push-key-1 "$work/orca" start --addr "127.0.0.1:$port" --data-dir "$work/data" \
  --synchronous NORMAL --workers a2a --management-addr off --secrets-prefix E2E_ \
  --auth-method basic --basic-user demo:demo-secret >"$work/orca.out" 2>"$work/orca.log" &
orca_pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/v2/status")" = 401 ] && break
  kill -0 "$orca_pid" 2>/dev/null || fail "orca did not start"
  sleep 0.1
done
v2() { curl -sS -u demo:demo-secret "$@"; }
code() { curl -s -o "$work/body" -w '%{http_code}' "$@"; }
hook() { code -X POST -H 'Content-Type: application/json' "$@"; }
sig() { printf '%s' "$1" | openssl dgst -sha256 -hmac pay-secret -r | cut -d' ' -f1; }
count() { # instances of the process in a state
  v2 -X POST -H 'Content-Type: application/json' "$base/v2/process-instances/search" \
    -d "{\"filter\":{\"processDefinitionId\":\"webhook-orders\",\"state\":\"$1\"},\"page\":{\"limit\":1}}" |
    grep -o '"totalItems":[0-9]*' | cut -d: -f2
}

echo "== webhook e2e: deploy, then orders through the API-key webhook"
v2 -o "$work/deploy.json" -F "resources=@$dir/orders.bpmn" "$base/v2/deployments"
grep -q '"processDefinitionId":"webhook-orders"' "$work/deploy.json" || fail "deploy: $(cat "$work/deploy.json")"
[ "$(hook "$base/inbound/e2e-orders" -d '{"id":"A-1","total":20}')" = 401 ] || fail "an order without the API key: $(cat "$work/body")"
[ "$(hook -H 'X-API-Key: wrong' "$base/inbound/e2e-orders" -d '{"id":"A-1","total":20}')" = 401 ] || fail "an order with a wrong key"
[ "$(hook -H 'X-API-Key: k-orders-1' "$base/inbound/e2e-orders" -d '{"id":"A-0","total":0}')" = 422 ] || fail "an order of 0 (activation condition): $(cat "$work/body")"
[ "$(hook -H 'X-API-Key: k-orders-1' "$base/inbound/e2e-orders" -d '{"id":"A-1",')" = 400 ] || fail "a malformed order"
[ "$(code -X GET -H 'X-API-Key: k-orders-1' "$base/inbound/e2e-orders")" = 405 ] || fail "GET on a POST webhook"
[ "$(hook "$base/inbound/no-such-hook" -d '{}')" = 404 ] || fail "an unknown webhook"
[ "$(count ACTIVE)" = 0 ] || fail "refused orders started instances"
for id in A-1 A-2; do
  [ "$(hook -H 'X-API-Key: k-orders-1' "$base/inbound/e2e-orders" -d "{\"id\":\"$id\",\"total\":20}")" = 201 ] || fail "order $id: $(cat "$work/body")"
  grep -q "\"orderId\":\"$id\",\"processInstanceKey\":\"[0-9]*\"" "$work/body" || fail "order $id's answer: $(cat "$work/body")"
done
[ "$(count ACTIVE)" = 2 ] || fail "two orders, $(count ACTIVE) active instances"

echo "== webhook e2e: payments through the HMAC-signed webhook"
pay='{"orderId":"A-1","paymentId":"P-1","amount":20}'
[ "$(hook "$base/inbound/e2e-payments" -d "$pay")" = 401 ] || fail "an unsigned payment"
[ "$(hook -H "X-Signature: $(sig '{"orderId":"A-1","paymentId":"P-1","amount":1}')" "$base/inbound/e2e-payments" -d "$pay")" = 401 ] || fail "a tampered payment"
[ "$(count COMPLETED)" = 0 ] || fail "refused payments correlated"
[ "$(hook -H "X-Signature: sha256=$(sig "$pay")" "$base/inbound/e2e-payments" -d "$pay")" = 200 ] || fail "a signed payment: $(cat "$work/body")"
[ "$(hook -H "X-Signature: $(sig "$pay")" "$base/inbound/e2e-payments" -d "$pay")" = 200 ] || fail "the replayed payment: $(cat "$work/body")"
[ "$(count COMPLETED)" = 1 ] && [ "$(count ACTIVE)" = 1 ] || fail "after a payment and its replay: $(count COMPLETED) completed, $(count ACTIVE) active"
v2 -X POST -H 'Content-Type: application/json' "$base/v2/variables/search" -d '{"filter":{"name":"payment"}}' >"$work/vars.json"
grep -q 'P-1' "$work/vars.json" || fail "the payment variable: $(head -c 400 "$work/vars.json")"

echo "== webhook e2e: a flood of 200 orders, 50 at a time"
seq 1 200 | xargs -P 50 -I{} curl -s -o /dev/null -w '%{http_code}\n' -X POST -H 'Content-Type: application/json' -H 'X-API-Key: k-orders-1' \
  "$base/inbound/e2e-orders" -d '{"id":"F-{}","total":1}' >"$work/flood.txt"
created=$(grep -c '^201$' "$work/flood.txt" || true)
refused=$(grep -c '^429$' "$work/flood.txt" || true)
[ $((created + refused)) = 200 ] || fail "flood answers other than 201 and 429: $(sort "$work/flood.txt" | uniq -c | tr '\n' ' ')"
[ "$(count ACTIVE)" = $((1 + created)) ] || fail "the flood: $created created, $(count ACTIVE) active instances (want $((1 + created)))"
kill -0 "$orca_pid" || fail "orca died in the flood"

echo "== webhook e2e: a remote A2A agent pushes task updates to the A2A webhook"
v2 -o "$work/deploy2.json" -F "resources=@$dir/a2a.bpmn" "$base/v2/deployments"
grep -q '"processDefinitionId":"e2e-a2a-push"' "$work/deploy2.json" || fail "deploy a2a.bpmn: $(cat "$work/deploy2.json")"
v2 -o "$work/pi.json" -X POST -H 'Content-Type: application/json' "$base/v2/process-instances" -d '{"processDefinitionId":"e2e-a2a-push",
  "variables":{"clientResponse":{"result":{"kind":"task","id":"T-1","contextId":"c-1","status":{"state":"submitted"}},"pushNotificationData":{"token":"tok-1"}}}}'
pi=$(grep -o '"processInstanceKey":"[0-9]*"' "$work/pi.json" | cut -d'"' -f4)
[ -n "$pi" ] || fail "start an A2A instance: $(cat "$work/pi.json")"
a2a_state() {
  v2 "$base/v2/process-instances/$pi" | grep -o '"state":"[A-Z]*"' | cut -d'"' -f4
}
task() { printf '{"kind":"task","id":"T-1","contextId":"c-1","status":{"state":"%s"},"artifacts":[{"artifactId":"a","parts":[{"kind":"text","text":"Sunny"}]}]}' "$1"; }
push() { hook -H 'X-A2A-Notification-Token: tok-1' "$@"; }
for _ in $(seq 1 50); do [ "$(a2a_state)" = ACTIVE ] && break; sleep 0.1; done
[ "$(push -H 'Authorization: Bearer push-key-1' "$base/inbound/e2e-a2a" -d "$(task working)")" = 422 ] || fail "a working push: $(cat "$work/body")"
[ "$(push -H 'Authorization: Bearer wrong' "$base/inbound/e2e-a2a" -d "$(task completed)")" = 401 ] || fail "a push with a wrong key: $(cat "$work/body")"
[ "$(push -H 'Authorization: Bearer push-key-1' "$base/inbound/e2e-a2a" -d '{"kind":"message","parts":[]}')" = 400 ] || fail "a push that is no task: $(cat "$work/body")"
[ "$(hook -H 'X-A2A-Notification-Token: tok-other' -H 'Authorization: Bearer push-key-1' "$base/inbound/e2e-a2a" -d "$(task failed)")" = 200 ] || fail "a push with another token: $(cat "$work/body")"
[ "$(a2a_state)" = ACTIVE ] || fail "a push with another instance's token continued the instance"
[ "$(push -H 'Authorization: Bearer push-key-1' "$base/inbound/e2e-a2a" -d "$(task completed)")" = 200 ] || fail "the completed push: $(cat "$work/body")"
[ "$(push -H 'Authorization: Bearer push-key-1' "$base/inbound/e2e-a2a" -d "$(task completed)")" = 200 ] || fail "the repeated push: $(cat "$work/body")"
for _ in $(seq 1 50); do [ "$(a2a_state)" = COMPLETED ] && break; sleep 0.1; done
[ "$(a2a_state)" = COMPLETED ] || fail "the completed push did not continue the instance ($(a2a_state))"
v2 -X POST -H 'Content-Type: application/json' "$base/v2/variables/search" -d "{\"filter\":{\"name\":\"answer\",\"processInstanceKey\":\"$pi\"}}" >"$work/answer.json"
grep -q '\\"state\\":\\"completed\\"' "$work/answer.json" && grep -q '\\"contents\\":\[{\\"text\\":\\"Sunny\\",\\"type\\":\\"text\\"}\]' "$work/answer.json" ||
  fail "the answer variable: $(head -c 600 "$work/answer.json")"

echo "== webhook e2e: a verification challenge is echoed, nothing started"
[ "$(hook "$base/inbound/e2e-verified" -d '{"type":"url_verification","challenge":"ch-1"}')" = 200 ] || fail "the challenge: $(cat "$work/body")"
grep -q '"challenge":"ch-1"' "$work/body" || fail "the challenge's answer: $(cat "$work/body")"
[ "$(hook "$base/inbound/e2e-verified" -d '{"type":"event"}')" = 401 ] || fail "an event without the key"
[ "$(hook -H 'X-API-Key: push-key-1' "$base/inbound/e2e-verified" -d '{"type":"event"}')" = 200 ] || fail "an event: $(cat "$work/body")"
v2 -X POST -H 'Content-Type: application/json' "$base/v2/process-instances/search" -d '{"filter":{"processDefinitionId":"e2e-verified"}}' |
  grep -q '"totalItems":1' || fail "the verified webhook should have started exactly one instance"
echo "== webhook e2e: the A2A client against a loopback A2A agent, polling and push notification"
node "$dir/a2a-agent.mjs" >"$work/agent.out" 2>&1 &
agent_pid=$!
for _ in $(seq 1 100); do grep -q '^port ' "$work/agent.out" 2>/dev/null && break; sleep 0.1; done
agent_port=$(sed -n 's/^port //p' "$work/agent.out")
[ -n "$agent_port" ] || fail "the A2A agent did not start: $(cat "$work/agent.out")"
v2 -o "$work/deploy3.json" -F "resources=@$dir/a2a-flows.bpmn" "$base/v2/deployments"
grep -q '"processDefinitionId":"e2e-a2a-notify"' "$work/deploy3.json" || fail "deploy a2a-flows.bpmn: $(cat "$work/deploy3.json")"
a2a_run() { # process id: starts an instance, waits until it completed, prints its answer variable
  v2 -o "$work/pi3.json" -X POST -H 'Content-Type: application/json' "$base/v2/process-instances" -d "{\"processDefinitionId\":\"$1\",
    \"variables\":{\"a2aUrl\":\"http://127.0.0.1:$agent_port\",\"question\":\"$1?\",\"hookUrl\":\"$base/inbound/e2e-a2a-notify\"}}"
  local key state=""
  key=$(grep -o '"processInstanceKey":"[0-9]*"' "$work/pi3.json" | cut -d'"' -f4)
  [ -n "$key" ] || fail "start $1: $(cat "$work/pi3.json")"
  for _ in $(seq 1 150); do
    state=$(v2 "$base/v2/process-instances/$key" | grep -o '"state":"[A-Z]*"' | cut -d'"' -f4)
    [ "$state" = COMPLETED ] && break
    sleep 0.1
  done
  [ "$state" = COMPLETED ] || fail "$1 did not complete ($state); incidents: $(v2 -X POST -H 'Content-Type: application/json' "$base/v2/incidents/search" -d '{}' | head -c 600)"
  v2 -X POST -H 'Content-Type: application/json' "$base/v2/variables/search" -d "{\"filter\":{\"name\":\"answer\",\"processInstanceKey\":\"$key\"}}"
}
a2a_run e2e-a2a-poll >"$work/poll.json"
grep -q '\\"state\\":\\"completed\\"' "$work/poll.json" && grep -q 'echo: e2e-a2a-poll?' "$work/poll.json" || fail "the polled answer: $(head -c 600 "$work/poll.json")"
a2a_run e2e-a2a-notify >"$work/notify.json"
grep -q '\\"state\\":\\"completed\\"' "$work/notify.json" && grep -q 'echo: e2e-a2a-notify?' "$work/notify.json" || fail "the pushed answer: $(head -c 600 "$work/notify.json")"
grep -q '^pushed e2e-task-2: 200$' "$work/agent.out" || fail "the agent's push: $(cat "$work/agent.out")"
echo "webhook e2e: passed ($created orders of the flood created, $refused refused with 429)"
