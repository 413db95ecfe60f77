#!/usr/bin/env bash
# server.sh — starts/stops a holdfast server in the background, for tests and benchmarks.
#   server.sh start  --port P --data DIR [--log FILE] [--listen ADDR] [-- extra holdfast args]
#   server.sh stop   --port P            (SIGTERM, then SIGKILL after 10 s)
#   server.sh kill   --port P            (SIGKILL at once: crash tests)
#   server.sh status --port P            (exit 0 when running and accepting connections)
# start returns once the server accepts connections (pg_isready; at most $HF_START_TIMEOUT s,
# default 30) and fails at once if the process exits first. The binary is $HOLDFAST_BIN or
# build/holdfast. The pid is kept in ${TMPDIR:-/tmp}/holdfast-P.pid.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cmd=${1:-}; shift || true
port= data= log= listen=127.0.0.1 extra=()
while [ $# -gt 0 ]; do
  case $1 in
    --port) port=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --log) log=$2; shift 2 ;;
    --listen) listen=$2; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "server.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$port" ] || { sed -n 2,9p "$0"; exit 2; }
bin=${HOLDFAST_BIN:-$root/${HF_BUILD_PREFIX:-build}/holdfast}
pidfile=${TMPDIR:-/tmp}/holdfast-$port.pid

# A server that died stays a zombie until whoever inherited it reaps it (a subreaper may never):
# a zombie is not running.
alive() { kill -0 "$1" 2>/dev/null && [[ "$(ps -o stat= -p "$1" 2>/dev/null)" != Z* ]]; }
running() { [ -f "$pidfile" ] && alive "$(cat "$pidfile")"; }

case $cmd in
  start)
    [ -n "$data" ] || { echo "server.sh start: --data DIR is required" >&2; exit 2; }
    [ -x "$bin" ] || { echo "server.sh: $bin not found: run scripts/build.sh" >&2; exit 1; }
    if running; then echo "server.sh: already running on port $port (pid $(cat "$pidfile"))" >&2; exit 1; fi
    mkdir -p "$data"
    log=${log:-$data.log}
    "$bin" --listen "$listen" --port "$port" --data "$data" "${extra[@]}" </dev/null >>"$log" 2>&1 &
    pid=$!
    echo "$pid" >"$pidfile"
    deadline=$(($(date +%s) + ${HF_START_TIMEOUT:-30}))
    while :; do
      if ! kill -0 "$pid" 2>/dev/null; then
        wait "$pid" && rc=0 || rc=$?
        rm -f "$pidfile"
        echo "server.sh: holdfast exited (status $rc) before accepting connections; log: $log" >&2
        tail -n 20 "$log" >&2 || true
        exit 1
      fi
      if pg_isready -q -h "$listen" -p "$port" -t 1; then break; fi
      if [ "$(date +%s)" -ge "$deadline" ]; then
        echo "server.sh: holdfast not accepting connections after ${HF_START_TIMEOUT:-30} s; log: $log" >&2
        kill -KILL "$pid" 2>/dev/null || true
        rm -f "$pidfile"
        exit 1
      fi
      sleep 0.2
    done
    echo "server.sh: holdfast pid $pid on $listen:$port, data $data, log $log"
    ;;
  stop | kill)
    if ! running; then rm -f "$pidfile"; echo "server.sh: not running on port $port"; exit 0; fi
    pid=$(cat "$pidfile")
    if [ "$cmd" = kill ]; then
      kill -KILL "$pid" 2>/dev/null || true
    else
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 100); do alive "$pid" || break; sleep 0.1; done
      if alive "$pid"; then
        echo "server.sh: pid $pid ignored SIGTERM for 10 s: SIGKILL" >&2
        kill -KILL "$pid" 2>/dev/null || true
      fi
    fi
    for _ in $(seq 50); do alive "$pid" || break; sleep 0.1; done
    rm -f "$pidfile"
    echo "server.sh: stopped pid $pid (port $port)"
    ;;
  status)
    if running && pg_isready -q -h "$listen" -p "$port" -t 2; then
      echo "server.sh: running, pid $(cat "$pidfile"), port $port"
    else
      echo "server.sh: not running on port $port"; exit 1
    fi
    ;;
  pid)
    running && cat "$pidfile"
    ;;
  *) sed -n 2,9p "$0"; exit 2 ;;
esac
