#!/usr/bin/env bash
# run.sh — the README's first command: install what is missing (needs root: sudo scripts/run.sh),
# build (build/), then run holdfast in the foreground on 127.0.0.1:5433 with data in ./data.
# Ctrl-C stops it. Overrides: --listen ADDR --port P --data DIR, and any other holdfast flag
# (e.g. --partitions 8 --threads 4) is passed through.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
listen=127.0.0.1 port=5433 data=./data extra=()
while [ $# -gt 0 ]; do
  case $1 in
    --listen) listen=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    -h | --help) sed -n 2,5p "$0"; exit 0 ;;
    *) extra+=("$1"); shift ;;
  esac
done
bash "$root/scripts/setup.sh"
bash "$root/scripts/build.sh" normal
mkdir -p "$data"
echo "run.sh: holdfast on $listen:$port, data $data — connect with: psql -h $listen -p $port -U postgres postgres"
exec "$root/${HF_BUILD_PREFIX:-build}/holdfast" --listen "$listen" --port "$port" --data "$data" "${extra[@]}"
