#!/usr/bin/env bash
# The main job: builds what is missing (the npm package, the page's bundle, the
# sample history; scripts/build-www.sh) and serves the playground on 127.0.0.1,
# with the example rule set and the sample history loaded. Prints the URL.
#
#   scripts/serve.sh                # http://127.0.0.1:8080/
#   scripts/serve.sh --port 9000    # or PORT=9000 scripts/serve.sh; 0 takes a free port
set -euo pipefail
cd "$(dirname "$0")/.."
port="${PORT:-8080}"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --port) port="${2:?--port needs a number}"; shift 2 ;;
    --port=*) port="${1#--port=}"; shift ;;
    *) echo "serve: unknown argument $1 (use --port N)" >&2; exit 2 ;;
  esac
done
scripts/build-www.sh
exec node www/server.mjs --port "$port"
