#!/usr/bin/env bash
# tests/e2e/lock_crash.sh [--rounds N] — the lock service across kill -9 (issue 11): N rounds
# (default 3) of: start holdfast on its data folder, run hf_lock_crash's load (16 clients
# taking batches of resources for fresh owners), kill -9 the server 2-5 s in, restart it, and
# run the check: every owner holds exactly the batch it asked for or nothing, and a new WRITE
# grant on every resource gets a token above every token handed out before the crash.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
rounds=3
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    *) sed -n 2,7p "$0"; exit 2 ;;
  esac
done
bin=$root/${HF_BUILD_PREFIX:-build}/tests/hf_lock_crash
[ -x "$bin" ] || { echo "hf_lock_crash not built ($bin): scripts/build.sh"; exit 1; }
work=$(mktemp -d /tmp/hf-lockcrash-XXXX)
chmod 755 "$work"
port=$(bash "$root/scripts/freeport.sh")
dsn="host=127.0.0.1 port=$port user=postgres dbname=postgres"
start() { bash "$root/scripts/server.sh" start --port "$port" --data "$work/data" --log "$work/holdfast.log" >/dev/null; }
trap 'bash "$root/scripts/server.sh" stop --port "$port" >/dev/null 2>&1; rm -rf "$work"' EXIT
failed=0
for ((r = 1; r <= rounds; r++)); do
  start || { echo "FAIL: holdfast did not start (round $r)"; tail -20 "$work/holdfast.log"; exit 1; }
  pid=$(bash "$root/scripts/server.sh" pid --port "$port")
  "$bin" load "$dsn" 30 "$work/log" >/dev/null 2>&1 &
  loader=$!
  sleep $((2 + RANDOM % 4))
  kill -9 "$pid"
  wait "$loader"
  start || { echo "FAIL: holdfast did not restart (round $r)"; tail -20 "$work/holdfast.log"; exit 1; }
  if "$bin" check "$dsn" "$work/log"; then echo "round $r: ok"; else echo "round $r: FAILED"; failed=1; fi
  bash "$root/scripts/server.sh" stop --port "$port" >/dev/null
done
exit $failed
