#!/usr/bin/env bash
# tests/e2e/connections.sh [N] [--target holdfast|pg] — N (default 1000) concurrent connections:
# starts the server on a free port, runs hf_conn_storm (all connect, stay idle, then all run
# SELECT 1 at once) and reports connect/query times and the server's RSS idle and busy.
# Fails when any connection or query fails.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
n=1000 target=holdfast
while [ $# -gt 0 ]; do
  case $1 in
    --target) target=$2; shift 2 ;;
    [0-9]*) n=$1; shift ;;
    *) sed -n 2,5p "$0"; exit 2 ;;
  esac
done
storm=${HF_CONN_STORM:-$root/${HF_BUILD_PREFIX:-build}/tests/hf_conn_storm}
[ -x "$storm" ] || { echo "hf_conn_storm not built ($storm): scripts/build.sh"; exit 1; }
ulimit -n $((n + 1024)) 2>/dev/null || ulimit -n "$(ulimit -Hn)"  # server and client need N sockets
work=$(mktemp -d /tmp/hf-conn-XXXX)
chmod 755 "$work"
port=$(bash "$root/scripts/freeport.sh")
case $target in
  holdfast)
    bash "$root/scripts/server.sh" start --port "$port" --data "$work/data" --log "$work/holdfast.log" >/dev/null || exit 1
    pid=$(bash "$root/scripts/server.sh" pid --port "$port")
    trap 'bash "$root/scripts/server.sh" stop --port "$port" >/dev/null; rm -rf "$work"' EXIT ;;
  pg)
    HF_PG_MAX_CONNECTIONS=$((n + 20)) bash "$root/scripts/pg.sh" start "$port" "$work/pg" >/dev/null || exit 1
    pid=$(head -n1 "$work/pg/postmaster.pid")
    trap 'bash "$root/scripts/pg.sh" stop "$port" "$work/pg" >/dev/null; rm -rf "$work"' EXIT ;;
  *) echo "unknown target $target" >&2; exit 2 ;;
esac
echo "connections: $n to $target (pid $pid, port $port)"
"$storm" --port "$port" -n "$n" --server-pid "$pid"
