#!/usr/bin/env bash
# Refreshes the vendored front-end libraries in assets/vendor from npm: the
# dist files of bpmn-js (the navigated viewer) and form-js (the viewer, with
# the flatpickr styles of its date pickers), with their licence notices. The console needs no build step; this script is
# only run to change versions. Usage: ./vendor.sh
set -euo pipefail
cd "$(dirname "$0")"
BPMN_JS=18.31.1
FORM_JS=1.23.0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
( cd "$tmp" && npm init -y >/dev/null && npm install --ignore-scripts --no-audit --no-fund --loglevel=error "bpmn-js@$BPMN_JS" "@bpmn-io/form-js@$FORM_JS" >/dev/null )
nm=$tmp/node_modules
out=assets/vendor
rm -rf "$out" && mkdir -p "$out"
cp "$nm/bpmn-js/dist/bpmn-navigated-viewer.production.min.js" "$nm/bpmn-js/dist/assets/diagram-js.css" "$nm/bpmn-js/dist/assets/bpmn-js.css" "$out/"
cp "$nm/bpmn-js/LICENSE" "$out/LICENSE.bpmn-js"
cp "$nm/@bpmn-io/form-js/dist/form-viewer.umd.js" "$nm/@bpmn-io/form-js-viewer/dist/assets/form-js.css" "$out/"
cp "$nm/@bpmn-io/form-js/LICENSE" "$out/LICENSE.form-js"
# form-js bundles flatpickr for date and time fields; its styles come apart.
cp "$nm/@bpmn-io/form-js/dist/assets/flatpickr/light.css" "$out/flatpickr-light.css"
cp "$nm/flatpickr/LICENSE.md" "$out/LICENSE.flatpickr"
FLATPICKR=$(node -p "require('$nm/flatpickr/package.json').version")
printf 'bpmn-js %s\n@bpmn-io/form-js %s\nflatpickr %s (bundled in form-js)\n' "$BPMN_JS" "$FORM_JS" "$FLATPICKR" >"$out/VERSIONS"
