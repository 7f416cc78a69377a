#!/bin/sh
# Installs the npm dependencies exactly as locked, once: a fresh clone needs
# nothing installed by hand, and a second run costs nothing.
set -e
cd "$(dirname "$0")/.."
stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  echo "agentcore-doctor: installing npm dependencies (npm ci)..." >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
