#!/usr/bin/env bash
# bench/pgbench_callgrind.sh [--bin PATH] [--transactions N] [--out FILE] — counted work of
# pgbench's select-only transaction on holdfast: instructions, not wall-clock time, so the
# figure holds on a shared machine. Starts the server under valgrind's callgrind on a free
# port, loads `pgbench -i -s 1`, reads every accounts row once (a warm block cache, as in a long
# run), runs 200 transactions to warm up, zeroes the counters, runs
# `pgbench -S -M prepared -c 1 -t N` (default 2000), dumps the profile to FILE.1 (default
# /tmp/hf-pgbench-callgrind.out.1) and prints instructions per transaction. The count includes
# pgbench's one connection (startup, its prepares: about 2,500 instructions a transaction at
# N=2000). Inspect with: callgrind_annotate [--inclusive=yes] FILE.1
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$root/build/holdfast n=2000 out=/tmp/hf-pgbench-callgrind.out
while [ $# -gt 0 ]; do
  case $1 in
    --bin) bin=$2; shift 2 ;;
    --transactions) n=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) sed -n 2,10p "$0"; exit 2 ;;
  esac
done
port=$(bash "$root/scripts/freeport.sh")
work=$(mktemp -d /tmp/hf-pgbench-callgrind-XXXX)
rm -f "$out" "$out".*
valgrind --tool=callgrind --callgrind-out-file="$out" "$bin" --listen 127.0.0.1 --port "$port" \
  --data "$work/data" >"$work/server.log" 2>&1 &
vpid=$!
trap 'kill -TERM $vpid 2>/dev/null; wait $vpid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 300); do pg_isready -q -h 127.0.0.1 -p "$port" -t 1 && break; sleep 1; done
pgb() { pgbench -h 127.0.0.1 -p "$port" -U postgres "$@" postgres; }
pgb -i -q -s 1 >"$work/init.log" 2>&1 || { cat "$work/init.log"; exit 1; }
psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -Atc \
  "select sum(abalance) from pgbench_accounts" >/dev/null
pgb -S -M prepared -c 1 -t 200 >/dev/null 2>&1
callgrind_control -z "$vpid" >/dev/null 2>&1
pgb -S -M prepared -c 1 -t "$n" >"$work/run.log" 2>&1
callgrind_control -d "$vpid" >/dev/null 2>&1
grep -E "^number of transactions actually processed" "$work/run.log"
total=$(callgrind_annotate "$out.1" 2>/dev/null | awk '/PROGRAM TOTALS/{gsub(",","",$1); print $1}')
echo "instructions: $total, per transaction: $((total / n))  (profile: $out.1)"
