#!/usr/bin/env bash
# cluster.sh — an N-node holdfast cluster on loopback, for development and tests (issue 12
# item 1; doc/cluster.md §8 milestone B: partitions spread over the nodes, every node takes SQL,
# node 1 hosts the transaction registry).
#   cluster.sh start N [-- extra holdfast args]   start N nodes on fresh data folders
#   cluster.sh status                             one line per node: running or not, addresses
#   cluster.sh stop                               SIGTERM every node (SIGKILL after 10 s)
#   cluster.sh kill N                             kill -9 of node N (crash tests)
#   cluster.sh pause N / resume N                 SIGSTOP / SIGCONT of node N (a stalled node)
#   cluster.sh restart N                          node N again on its data and ports (N > 1)
# A replicated cluster (doc/cluster.md §8 C: every partition a Raft group with a replica on each
# node): `cluster.sh start 3 --replicas 3`, or HF_REPLICAS=3; each node then gets a block of 32
# Raft ports (partition p's group on the block's first + p; at most 32 partitions), kept in
# args for restart.
# HF_CLUSTER_BASE_PORT=B: ports from B instead of free ones (SQL B+i, cluster B+10+i, Raft
# B+100+32*(i-1)...); or HF_PORT_RANGE=LOW-HIGH: free ones in that range (scripts/freeport.sh).
# The cluster lives in $HF_CLUSTER_DIR (default /tmp/holdfast-cluster): node-I/ (data),
# node-I.log, cluster.txt ("I SQL_PORT CLUSTER_PORT PID" per node) and args (the extra holdfast
# args, one a line). Ports are free ones (scripts/freeport.sh). start wipes the folder first:
# every start is a new cluster. restart starts a node that is not running (killed or stopped)
# on its data folder (its log appended to), node 1 excepted (the registry's host: its restart is
# not built, doc/cluster.md §8). start and restart return once the node(s) accept SQL
# connections (at most $HF_START_TIMEOUT s, default 60) and print the status. The binary is
# $HOLDFAST_BIN or build/holdfast.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${HF_CLUSTER_DIR:-/tmp/holdfast-cluster}
bin=${HOLDFAST_BIN:-$root/${HF_BUILD_PREFIX:-build}/holdfast}
table=$dir/cluster.txt
cmd=${1:-}; shift || true

alive() { kill -0 "$1" 2>/dev/null && [[ "$(ps -o stat= -p "$1" 2>/dev/null)" != Z* ]]; }
nodes() { [ -f "$table" ] && cat "$table"; }

case $cmd in
  start)
    n=${1:-}; shift || true
    [[ $n =~ ^[1-9][0-9]*$ ]] || { sed -n "2,/^set -euo/p" "$0"; exit 2; }
    replicas=${HF_REPLICAS:-}
    if [ "${1:-}" = --replicas ]; then replicas=${2:-}; shift 2 || true; fi
    [ "${1:-}" = -- ] && shift
    [ -x "$bin" ] || { echo "cluster.sh: $bin not found: run scripts/build.sh" >&2; exit 1; }
    if [ -f "$table" ]; then
      while read -r i sql cl pid; do
        alive "$pid" && { echo "cluster.sh: node $i still runs (pid $pid): cluster.sh stop first" >&2; exit 1; }
      done <"$table"
    fi
    rm -rf "$dir"; mkdir -p "$dir"
    peers= raft= sqls=() cls=()
    base=${HF_CLUSTER_BASE_PORT:-}
    for i in $(seq "$n"); do
      if [ -n "$base" ]; then
        sqls[i]=$((base + i)); cls[i]=$((base + 10 + i))
      else
        sqls[i]=$(bash "$root/scripts/freeport.sh"); cls[i]=$(bash "$root/scripts/freeport.sh")
      fi
      peers+="${peers:+,}$i=127.0.0.1:${cls[i]}"
      if [ -n "$replicas" ]; then
        if [ -n "$base" ]; then first=$((base + 100 + 32 * (i - 1)))
        else first=$(python3 - "${HF_PORT_RANGE:-20000-60000}" <<'PY'
import random, socket, sys
low, high = (int(x) for x in sys.argv[1].split("-"))
while True:
    b = random.randrange(low, high - 32)
    try:
        ss = []
        for p in range(b, b + 32):
            s = socket.socket(); s.bind(("127.0.0.1", p)); ss.append(s)
        print(b); break
    except OSError:
        pass
    finally:
        for s in ss: s.close()
PY
); fi
        raft+="${raft:+,}$i=127.0.0.1:$first"
      fi
    done
    [ -n "$replicas" ] && set -- --replicas "$replicas" --raft-peers "$raft" "$@"
    : >"$dir/args"
    for a in "$@"; do printf '%s\n' "$a" >>"$dir/args"; done
    for i in $(seq "$n"); do
      "$bin" --node-id "$i" --listen 127.0.0.1 --port "${sqls[i]}" --data "$dir/node-$i" \
        --peers "$peers" "$@" </dev/null >"$dir/node-$i.log" 2>&1 &
      echo "$i ${sqls[i]} ${cls[i]} $!" >>"$table"
    done
    deadline=$(($(date +%s) + ${HF_START_TIMEOUT:-60}))
    while read -r i sql cl pid; do
      until pg_isready -q -h 127.0.0.1 -p "$sql" -t 1; do
        if ! alive "$pid" || [ "$(date +%s)" -ge "$deadline" ]; then
          echo "cluster.sh: node $i did not start; log: $dir/node-$i.log" >&2
          tail -n 20 "$dir/node-$i.log" >&2 || true
          "$0" stop >/dev/null 2>&1 || true
          exit 1
        fi
        sleep 0.2
      done
    done <"$table"
    "$0" status
    ;;
  status)
    [ -f "$table" ] || { echo "cluster.sh: no cluster in $dir" >&2; exit 1; }
    rc=0
    while read -r i sql cl pid; do
      if alive "$pid"; then state="running (pid $pid)"; else state="not running"; rc=1; fi
      echo "node $i: sql 127.0.0.1:$sql cluster 127.0.0.1:$cl $state log $dir/node-$i.log"
    done <"$table"
    exit $rc
    ;;
  stop)
    nodes | while read -r i sql cl pid; do alive "$pid" && kill -TERM "$pid" 2>/dev/null; done || true
    for _ in $(seq 50); do
      left=$(nodes | while read -r i sql cl pid; do alive "$pid" && echo "$pid"; done || true)
      [ -z "$left" ] && break
      sleep 0.2
    done
    nodes | while read -r i sql cl pid; do alive "$pid" && kill -KILL "$pid" 2>/dev/null; done || true
    echo "cluster.sh: stopped (data in $dir)"
    ;;
  kill)
    n=${1:-}
    line=$(nodes | awk -v n="$n" '$1 == n' || true)
    [ -n "$line" ] || { echo "cluster.sh: no node $n in $table" >&2; exit 2; }
    pid=$(echo "$line" | awk '{print $4}')
    kill -KILL "$pid"
    echo "cluster.sh: node $n killed (pid $pid)"
    ;;
  pause|resume)
    n=${1:-}
    pid=$(nodes | awk -v n="$n" '$1 == n {print $4}' || true)
    [ -n "$pid" ] || { echo "cluster.sh: no node $n in $table" >&2; exit 2; }
    if [ "$cmd" = pause ]; then kill -STOP "$pid"; else kill -CONT "$pid"; fi
    echo "cluster.sh: node $n ${cmd}d (pid $pid)"
    ;;
  restart)
    n=${1:-}
    line=$(nodes | awk -v n="$n" '$1 == n' || true)
    [ -n "$line" ] || { echo "cluster.sh: no node $n in $table" >&2; exit 2; }
    [ "$n" != 1 ] || { echo "cluster.sh: restarting node 1 (the registry's host) is not built" >&2; exit 2; }
    read -r i sql cl pid <<<"$line"
    # A killed node's process may take a while to go on a loaded machine (seen: over 5 s).
    for _ in $(seq 300); do alive "$pid" || break; sleep 0.1; done
    alive "$pid" && { echo "cluster.sh: node $n still runs (pid $pid)" >&2; exit 1; }
    peers=$(nodes | awk '{printf "%s%s=127.0.0.1:%s", (NR > 1 ? "," : ""), $1, $3}')
    extra=()
    [ -f "$dir/args" ] && mapfile -t extra <"$dir/args"
    echo "cluster.sh: restarting node $n at $(date -u +%T.%N)" >>"$dir/node-$n.log"
    "$bin" --node-id "$n" --listen 127.0.0.1 --port "$sql" --data "$dir/node-$n" \
      --peers "$peers" "${extra[@]}" </dev/null >>"$dir/node-$n.log" 2>&1 &
    pid=$!
    awk -v n="$n" -v p="$pid" '$1 == n { $4 = p } { print }' "$table" >"$table.new" && mv "$table.new" "$table"
    deadline=$(($(date +%s) + ${HF_START_TIMEOUT:-60}))
    until pg_isready -q -h 127.0.0.1 -p "$sql" -t 1; do
      if ! alive "$pid" || [ "$(date +%s)" -ge "$deadline" ]; then
        echo "cluster.sh: node $n did not restart; log: $dir/node-$n.log" >&2
        tail -n 20 "$dir/node-$n.log" >&2 || true
        exit 1
      fi
      sleep 0.1
    done
    "$0" status
    ;;
  *) sed -n "2,/^set -euo/p" "$0"; exit 2 ;;
esac
