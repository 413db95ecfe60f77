#!/usr/bin/env bash
# bench/rpc_calls.sh — counted, not timed: partition calls (network round trips once partitions
# live on other nodes) per TPC-B transaction and per Temporal workflow. The server runs with
# --partition-rpc, so every call the coordinator makes to a partition crosses the RPC layer
# and is counted there (PartitionChannel::call_counts, logged at shutdown). Each workload runs
# twice, short and long, on fresh data; the difference divided by the difference in work done
# leaves out setup (schema, pgbench -i, the driver's shards) and startup. `write` calls and the
# registry's registry_begin, forget, mark_aborted and drop_snapshot are pipelined (no round
# trip of their own); every other kind is one round trip. The registry's calls are counted
# too: with --partition-rpc the coordinator reaches its registry over the channel, as a SQL node
# of tests/e2e/sql_nodes.sh reaches the storage node's.
# Prints a table and writes bench/results/rpc-calls-<time>.txt. Builds nothing.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
work=$(mktemp -d /tmp/hf-rpccalls-XXXX)
chmod 755 "$work"
driver=$root/build/bench/hf_bench
export HF_SERVER_ARGS="--partition-rpc ${HF_SERVER_ARGS:-}"

# counts_of LOG: "kind n" lines from the server's shutdown line.
counts_of() {
  sed -n 's/.*partition rpc calls: //p' "$1" | tail -1 | tr ',' '\n' | sed 's/^ *//' | grep -v '^none$'
}
# run_once NAME SETUP WORK: fresh server, SETUP then WORK (commands using $port), stop; the
# counts land in $work/NAME.counts, WORK's output in $work/NAME.out.
run_once() {
  local name=$1 setup=$2 job=$3
  rm -rf "$work/hf-data"
  target_start holdfast || { echo "holdfast did not start" >&2; exit 1; }
  port=${bench_port[holdfast]}
  eval "$setup" >"$work/$name.setup" 2>&1
  eval "$job" >"$work/$name.out" 2>&1
  target_stop holdfast
  counts_of "$work/holdfast.log" >"$work/$name.counts"
  cp "$work/holdfast.log" "$work/$name.log"
}
# per_unit SHORT LONG UNITS: the counts' difference divided by UNITS, as "kind value" lines.
per_unit() {
  join -a2 -e 0 -o 0,1.2,2.2 <(sort "$work/$1.counts") <(sort "$work/$2.counts") |
    awk -v u="$3" '{printf "%s %.2f\n", $1, ($3 - $2) / u}'
}

pgsetup='pgbench -h 127.0.0.1 -p $port -U postgres -i -s 1 -q postgres'
run_once tpcb_short "$pgsetup" 'pgbench -h 127.0.0.1 -p $port -U postgres -n -M prepared -c 1 -t 200 postgres'
run_once tpcb_long "$pgsetup" 'pgbench -h 127.0.0.1 -p $port -U postgres -n -M prepared -c 1 -t 1200 postgres'
per_unit tpcb_short tpcb_long 1000 >"$work/tpcb.per"

have_temporal=0
if [ -x "$driver" ]; then
  tjob() { echo "\"$driver\" --port \$port --label rpc --clients 1 --seconds $1 --warmup 0 --seed 7 -D shards=16"; }
  run_once temporal_short : "$(tjob 3)"
  run_once temporal_long : "$(tjob 10)"
  done_of() { sed -n 's/^RESULT .* completed=\([0-9]*\).*/\1/p' "$work/$1.out"; }
  s=$(done_of temporal_short) l=$(done_of temporal_long)
  if [ -n "$s" ] && [ -n "$l" ] && [ "$l" -gt "$s" ]; then
    per_unit temporal_short temporal_long $((l - s)) >"$work/temporal.per"
    have_temporal=1
  fi
fi

out=$results/rpc-calls-$stamp.txt
{
  echo "Partition calls per unit of work (--partition-rpc, 8 partitions, 1 client; counted)"
  printf '%-26s %16s %22s\n' call "TPC-B per txn" "Temporal per workflow"
  kinds=$(cat "$work/tpcb.per" "$work/temporal.per" 2>/dev/null | awk '{print $1}' | sort -u)
  for k in $kinds; do
    a=$(awk -v k="$k" '$1==k{print $2}' "$work/tpcb.per")
    b=$( [ $have_temporal = 1 ] && awk -v k="$k" '$1==k{print $2}' "$work/temporal.per")
    printf '%-26s %16s %22s\n' "$k" "${a:-0}" "${b:--}"
  done
  # Pipelined (no round trip of their own): writes and the registry calls that answer nothing.
  rt() {
    awk '$1!~/^(write|registry_begin|forget|mark_aborted|drop_snapshot)$/{s+=$2} END{printf "%.2f", s}' "$1"
  }
  printf '%-26s %16s %22s\n' "round trips (not pipelined)" "$(rt "$work/tpcb.per")" \
    "$( [ $have_temporal = 1 ] && rt "$work/temporal.per" || echo -)"
} | tee "$out"
