#!/usr/bin/env bash
# bench/temporal_callgrind.sh [--bin PATH] [--clients N] [--warmup S] [--seconds S] [--out FILE]
# — counted work per Temporal workflow (bench/driver/temporal.h): instructions, not time, so
# the figure holds on a shared machine. Starts the server under valgrind's callgrind on a free
# port, creates the schema (512 shards), runs N clients (default 8), zeroes the counters after
# the warm-up (default 150 s: under valgrind every connection's prepares take that long at 64
# clients, and a window that holds them counts parsing, not the workload), counts S seconds
# (default 90), dumps the profile to FILE.1 and prints instructions per workflow (workflows =
# executions rows inserted in the window). The count includes RocksDB's background threads
# (a memtable flush in the window adds to it): compare runs of the same length, and repeat.
# The total is sound; callgrind's split by function is not (it loses track of the call stack
# across fiber switches and books whole sessions to Connection::run).
# HF_VALGRIND_ARGS adds valgrind options: "--cache-sim=yes" counts D1/LL misses as well (the
# event totals are then printed too).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$root/build/holdfast clients=8 warm=150 secs=90 out=/tmp/hf-temporal-callgrind.out
while [ $# -gt 0 ]; do
  case $1 in
    --bin) bin=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --warmup) warm=$2; shift 2 ;;
    --seconds) secs=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) sed -n 2,13p "$0"; exit 2 ;;
  esac
done
driver=$root/build/bench/hf_bench
[ -x "$driver" ] || { echo "no $driver: build hf_bench first" >&2; exit 1; }
port=$(bash "$root/scripts/freeport.sh")
work=$(mktemp -d /tmp/hf-temporal-callgrind-XXXX)
rm -f "$out" "$out".*
# shellcheck disable=SC2086
valgrind --tool=callgrind ${HF_VALGRIND_ARGS:-} --callgrind-out-file="$out" "$bin" --listen 127.0.0.1 --port "$port" \
  --data "$work/data" >"$work/server.log" 2>&1 &
vpid=$!
dpid=
trap '[ -n "$dpid" ] && kill $dpid 2>/dev/null; kill -TERM $vpid 2>/dev/null; wait $vpid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 300); do pg_isready -q -h 127.0.0.1 -p "$port" -t 1 && break; sleep 1; done
q() { psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -Atc "$1"; }
"$driver" --port "$port" --clients 1 --seconds 1 --warmup 0 --setup-only -D shards=512 --seed 1 \
  >"$work/setup.log" 2>&1 || { tail "$work/setup.log"; exit 1; }
"$driver" --port "$port" --no-setup --clients "$clients" --seconds $((secs + warm + 30)) --warmup 0 \
  --no-check -D shards=512 --seed 2 >"$work/run.log" 2>&1 &
dpid=$!
sleep "$warm"
n0=$(q "select count(*) from executions")
callgrind_control -z "$vpid" >/dev/null 2>&1
sleep "$secs"
callgrind_control -d "$vpid" >/dev/null 2>&1
n1=$(q "select count(*) from executions")
total=$(callgrind_annotate "$out.1" 2>/dev/null | awk '/PROGRAM TOTALS/{gsub(",","",$1); print $1}')
# With several events (the cache simulation), every event's total divided by the workflows.
if [ -n "${HF_VALGRIND_ARGS:-}" ]; then
  python3 - "$out.1" "$((n1 - n0))" <<'EOF'
import sys
ev, tot = [], []
for line in open(sys.argv[1]):
    if line.startswith("events:"): ev = line.split()[1:]
    if line.startswith("totals:") or line.startswith("summary:"): tot = [int(x) for x in line.split()[1:]]
wf = int(sys.argv[2])
print("per workflow: " + ", ".join(f"{e} {t // wf:,}" for e, t in zip(ev, tot)))
EOF
fi
echo "clients $clients: $((n1 - n0)) workflows in ${secs} s, instructions: $total, per workflow: $((total / (n1 - n0)))  (profile: $out.1)"
