#!/usr/bin/env bash
# Starts `orca start`, deploys a process whose call activity calls itself,
# creates an instance of it, and reports the server's RSS every second while
# the chain grows; meanwhile another instance is created and completed, and
# at the end the root instance is cancelled. Usage:
#   scripts/engine/recursion-rss.sh [seconds]     (default 5)
# Prints the figures; exits non-zero when the server does not answer, the
# other instance does not complete, or cancelling does not answer 204.
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-5}
work=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill "$pid"; wait "$pid" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
go build -o "$work/orca" ./cmd/orca
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$work/orca" start --addr "127.0.0.1:$port" --data-dir "$work/data" >"$work/out" 2>"$work/log" &
pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do curl -fs -o /dev/null "$base/v2/status" && break; sleep 0.1; done
rss() { awk '/VmRSS/ {print $2/1024 " MB"}' "/proc/$pid/status"; }
cat >"$work/recurse.bpmn" <<'BPMN'
<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d">
<bpmn:process id="recurse" isExecutable="true">
  <bpmn:startEvent id="s" />
  <bpmn:callActivity id="again"><bpmn:extensionElements><zeebe:calledElement processId="recurse" /></bpmn:extensionElements></bpmn:callActivity>
  <bpmn:endEvent id="e" />
  <bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="again" />
  <bpmn:sequenceFlow id="f1" sourceRef="again" targetRef="e" />
</bpmn:process>
<bpmn:process id="other" isExecutable="true">
  <bpmn:startEvent id="os" />
  <bpmn:serviceTask id="work"><bpmn:extensionElements><zeebe:taskDefinition type="rss-work" /></bpmn:extensionElements></bpmn:serviceTask>
  <bpmn:endEvent id="oe" />
  <bpmn:sequenceFlow id="o0" sourceRef="os" targetRef="work" />
  <bpmn:sequenceFlow id="o1" sourceRef="work" targetRef="oe" />
</bpmn:process>
</bpmn:definitions>
BPMN
curl -fsS -o /dev/null -F "resources=@$work/recurse.bpmn" "$base/v2/deployments"
echo "RSS before: $(rss)"
out=$(curl -fsS -w '\n%{time_total}' -H 'Content-Type: application/json' -d '{"processDefinitionId":"recurse"}' "$base/v2/process-instances")
root=$(echo "$out" | head -1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["processInstanceKey"])')
echo "created root $root: answered in $(echo "$out" | tail -1)s"
other=$(curl -fsS -H 'Content-Type: application/json' -d '{"processDefinitionId":"other"}' "$base/v2/process-instances" | python3 -c 'import json,sys; print(json.load(sys.stdin)["processInstanceKey"])')
job=$(curl -fsS -H 'Content-Type: application/json' -d '{"type":"rss-work","timeout":60000,"maxJobsToActivate":1}' "$base/v2/jobs/activation" | python3 -c 'import json,sys; print(json.load(sys.stdin)["jobs"][0]["jobKey"])')
curl -fsS -o /dev/null -H 'Content-Type: application/json' -d '{}' "$base/v2/jobs/$job/completion"
state=$(curl -fsS "$base/v2/process-instances/$other" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')
echo "other instance $other: $state (created, job activated and completed during the recursion)"
[ "$state" = "COMPLETED" ] || exit 1
depth() { curl -fsS -H 'Content-Type: application/json' -d "{\"filter\":{\"parentProcessInstanceKey\":{\"\$exists\":true}},\"page\":{\"limit\":1}}" "$base/v2/process-instances/search" | python3 -c 'import json,sys; print(json.load(sys.stdin)["page"]["totalItems"])'; }
for i in $(seq 1 "$secs"); do
  sleep 1
  echo "after ${i}s: RSS $(rss), called instances $(depth)"
done
incidents=$(curl -fsS -H 'Content-Type: application/json' -d '{"filter":{"state":"ACTIVE"}}' "$base/v2/incidents/search" | python3 -c 'import json,sys; d=json.load(sys.stdin); print("; ".join(i["errorType"]+": "+i["errorMessage"][:160] for i in d["items"]))')
echo "incidents: ${incidents:-none}"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -d '{}' "$base/v2/process-instances/$root/cancellation")
echo "cancel root: HTTP $code"
[ "$code" = "204" ] || exit 1
for _ in $(seq 1 100); do
  active=$(curl -fsS -H 'Content-Type: application/json' -d '{"filter":{"state":"ACTIVE"},"page":{"limit":1}}' "$base/v2/process-instances/search" | python3 -c 'import json,sys; print(json.load(sys.stdin)["page"]["totalItems"])')
  [ "$active" = "0" ] && break
  sleep 0.1
done
echo "active instances after cancelling the root: $active; RSS $(rss)"
[ "$active" = "0" ]
