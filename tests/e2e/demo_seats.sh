#!/usr/bin/env bash
# tests/e2e/demo_seats.sh — `holdfast demo seats` against a fresh server: seed 003's story in
# both modes (client/seat_demo.h). Passes when each act ends as the story says (the demo's
# exit status); prints the demo's verdict lines, and the whole transcript on failure.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=$root/${HF_BUILD_PREFIX:-build}/holdfast
work=$(mktemp -d /tmp/hf-demo-XXXX)
chmod 755 "$work"
port=$(bash "$root/scripts/freeport.sh")
bash "$root/scripts/server.sh" start --port "$port" --data "$work/data" --log "$work/holdfast.log" >/dev/null || exit 1
trap 'bash "$root/scripts/server.sh" stop --port "$port" >/dev/null; rm -rf "$work"' EXIT
timeout 120 "$bin" demo seats --port "$port" >"$work/demo.txt" 2>&1
status=$?
grep '^=' "$work/demo.txt"
[ $status = 0 ] || cat "$work/demo.txt"
exit $status
