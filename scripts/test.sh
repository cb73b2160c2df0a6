#!/usr/bin/env bash
# The project's test command: static checks, the Go tests, then the
# end-to-end suite with third-party clients (scripts/e2e.sh) when present.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './node_modules/*'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

echo "== go vet"
go vet ./...

echo "== staticcheck"
# Pinned; checks and the reasons for what is off are in staticcheck.conf.
go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

echo "== go test"
go test -count=1 -timeout 15m ./...

if [ -x scripts/e2e.sh ] && [ "${ORCA_SKIP_E2E:-}" != "1" ]; then
  echo "== e2e"
  scripts/e2e.sh
fi
echo "== all tests passed"
