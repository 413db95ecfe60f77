#!/usr/bin/env bash
# bench/cluster_counts.sh [--txns N] [--seconds S] — counted, not timed: what one TPC-B
# transaction and one Temporal workflow cost on the replicated 3-node cluster
# (`scripts/cluster.sh start 3 --replicas 3`: every partition a Raft group with a replica on
# each node): network round trips (partition and registry calls to other nodes, by kind),
# Raft proposals, libraft's durable log writes, RocksDB WAL syncs, and the fsync-class system
# calls the three processes made (perf, when it can attach). doc/cluster.md §6 holds the
# figures.
# How: every node runs with --stats-log-ms 250 and logs its cumulative counters (the "stats:",
# "stats raft:" and "stats rpc:" lines, replication/raft_counts.h, PartitionChannel's call
# counts); a snapshot is each node's last lines, summed over the nodes, taken 0.6 s after the
# work stopped. A workload's figure is (after - before - idle rate x window) / units, where the
# idle rate comes from 10 s of an idle cluster (the leaders' lease barriers, heartbeats: they
# do not depend on the load) and is printed too. Each workload runs once with its sessions on
# node 2 (not the registry's host: two thirds of a spread run's sessions) and once on node 1
# (the registry's host: its registry calls are in-process).
#   TPC-B:    pgbench -i -s 1, then -n -M prepared -c 1 -t N (default 300), units: transactions
#   Temporal: build/bench/hf_bench --clients 1 -D shards=16, a short (3 s) and a long (3+S s,
#             default 12) run, their difference (leaves out the driver's shard acquisition);
#             units: completed workflows (8 transactions each)
# Prints a table and writes bench/results/cluster-counts-<time>.txt. Builds nothing.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
txns=300 secs=12
while [ $# -gt 0 ]; do
  case $1 in
    --txns) txns=$2; shift 2 ;;
    --seconds) secs=$2; shift 2 ;;
    *) sed -n 2,21p "$0"; exit 2 ;;
  esac
done
driver=$root/build/bench/hf_bench
export HF_SERVER_ARGS="--stats-log-ms 250 ${HF_SERVER_ARGS:-}"
perf_events=syscalls:sys_enter_io_submit,syscalls:sys_enter_fdatasync,syscalls:sys_enter_fsync
perf_ok=0

# snap NAME: every node's last counter lines, summed over the nodes, as "key value" lines in
# $work/NAME.snap (key "t" is the newest line's time in seconds).
snap() {
  sleep 0.6
  local i
  for i in $(seq "${#cluster_ports[@]}"); do
    log=$work/replicated/node-$i.log
    grep -a 'stats: wal_syncs=' "$log" | tail -1
    grep -a 'stats raft: ' "$log" | tail -1
    grep -a 'stats rpc: ' "$log" | tail -1
  done | python3 -c '
import sys, datetime
tot, newest = {}, 0.0
for line in sys.stdin:
    stamp = line[1:24]
    t = datetime.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S.%f").timestamp()
    newest = max(newest, t)
    for kv in line.split(": ", 1)[1].split():
        if "=" in kv:
            k, v = kv.split("=", 1)
            if v.isdigit():
                tot[k] = tot.get(k, 0) + int(v)
print("t", newest)
for k, v in sorted(tot.items()):
    print(k, v)
' >"$work/$1.snap"
}
# perf_begin NAME / perf_end NAME: the nodes' fsync-class system calls in between (perf stat
# attached to the three processes), as "key value" lines in $work/NAME.perf.
perf_begin() {
  [ $perf_ok = 1 ] || return 0
  local pids
  pids=$(awk '{print $4}' "$work/replicated/cluster.txt" | paste -sd,)
  perf stat -x, -o "$work/$1.perfraw" -e "$perf_events" -p "$pids" >/dev/null 2>&1 &
  perf_pid=$!
  sleep 0.3
}
perf_end() {
  [ $perf_ok = 1 ] || return 0
  kill -INT "$perf_pid" 2>/dev/null
  wait "$perf_pid" 2>/dev/null
  awk -F, '$3 ~ /^syscalls:sys_enter_/{sub("syscalls:sys_enter_", "", $3); print $3, $1}' \
    "$work/$1.perfraw" >"$work/$1.perf"
}
# per_unit A B UNITS [IDLE_WINDOW_S]: (B - A - idle rate x window) / UNITS per key; the window
# is B's time minus A's. "key value" lines.
per_unit() {
  python3 - "$work/$1" "$work/$2" "$3" "$work/idle" <<'PY'
import sys, os
def read(p):
    d = {}
    for ext in ("snap", "perf"):
        if os.path.exists(p + "." + ext):
            for line in open(p + "." + ext):
                k, v = line.split()
                d[k] = float(v)
    return d
a, b, units = read(sys.argv[1]), read(sys.argv[2]), float(sys.argv[3])
idle0, idle1 = read(sys.argv[4] + "0"), read(sys.argv[4] + "1")
idle_s = idle1["t"] - idle0["t"]
window = b["t"] - a["t"]
for k in sorted(set(a) | set(b)):
    if k == "t":
        continue
    rate = (idle1.get(k, 0) - idle0.get(k, 0)) / idle_s if idle_s > 0 else 0
    print(k, "%.2f" % ((b.get(k, 0) - a.get(k, 0) - rate * window) / units))
PY
}

echo "== replicated cluster: starting"
target_start replicated || { echo "the replicated cluster did not start" >&2; exit 1; }
if perf stat -e "$perf_events" -p "$(awk 'NR==1{print $4}' "$work/replicated/cluster.txt")" -- sleep 0.1 >/dev/null 2>&1; then
  perf_ok=1
else
  echo "   perf cannot attach here: no system call counts"
fi
pgbench -h 127.0.0.1 -p "${cluster_ports[0]}" -U postgres -i -s 1 -q postgres >"$work/init.log" 2>&1 ||
  { tail -5 "$work/init.log"; exit 1; }
have_temporal=0
if [ -x "$driver" ] && "$driver" --port "${cluster_ports[0]}" --setup-only -D shards=16 >"$work/tsetup.log" 2>&1; then
  have_temporal=1
else
  echo "   no Temporal figures (driver missing or its setup failed)"
fi

echo "   idle: 10 s"
snap idle0; perf_begin idle; sleep 10; snap idle1; perf_end idle
{
  read -r _ t0; read -r _ t1
} < <(grep '^t ' "$work/idle0.snap" "$work/idle1.snap" | sed 's/.*snap://')
idle_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b - a}')
[ $perf_ok = 1 ] && cat "$work/idle.perf" >>"$work/idle1.snap"  # idle0 has none: 0
python3 - "$work/idle0.snap" "$work/idle1.snap" "$idle_s" >"$work/idle.rate" <<'PY'
import sys
a = dict(l.split() for l in open(sys.argv[1]))
b = dict(l.split() for l in open(sys.argv[2]))
for k in sorted(b):
    if k != "t":
        print(k, "%.1f" % ((float(b[k]) - float(a.get(k, 0))) / float(sys.argv[3])))
PY

columns=()
for node in 2 1; do
  port=${cluster_ports[node - 1]}
  echo "   TPC-B, 1 client on node $node: $txns transactions"
  snap "tb$node-0"; perf_begin "tb$node"
  pgbench -h 127.0.0.1 -p "$port" -U postgres -n -M prepared -c 1 -t "$txns" postgres >"$work/tb$node.log" 2>&1
  snap "tb$node-1"; perf_end "tb$node"
  [ $perf_ok = 1 ] && cp "$work/tb$node.perf" "$work/tb$node-1.perf"
  done_txns=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$work/tb$node.log")
  if [ -z "$done_txns" ] || [ "$done_txns" = 0 ]; then
    echo "   pgbench failed:"; tail -3 "$work/tb$node.log"
    continue
  fi
  per_unit "tb$node-0" "tb$node-1" "$done_txns" >"$work/tpcb-node$node.per"
  columns+=("tpcb-node$node")
  if [ $have_temporal = 1 ]; then
    for len in 3 $((3 + secs)); do
      echo "   Temporal, 1 client on node $node: $len s"
      snap "tp$node-$len-0"; perf_begin "tp$node-$len"
      "$driver" --port "$port" --label counts --clients 1 --seconds "$len" --warmup 0 --no-setup \
        --no-check --seed "$((node * 100 + len))" -D shards=16 >"$work/tp$node-$len.out" 2>&1
      snap "tp$node-$len-1"; perf_end "tp$node-$len"
      # The run's own snapshot pair, its perf counts on the second.
      [ $perf_ok = 1 ] && cp "$work/tp$node-$len.perf" "$work/tp$node-$len-1.perf"
    done
    s=$(sed -n 's/^RESULT .* completed=\([0-9]*\).*/\1/p' "$work/tp$node-3.out")
    l=$(sed -n 's/^RESULT .* completed=\([0-9]*\).*/\1/p' "$work/tp$node-$((3 + secs)).out")
    if [ -n "$s" ] && [ -n "$l" ] && [ "$l" -gt "$s" ]; then
      # long minus short, each net of the idle rate over its own window
      per_unit "tp$node-$((3 + secs))-0" "tp$node-$((3 + secs))-1" 1 >"$work/tpl.raw"
      per_unit "tp$node-3-0" "tp$node-3-1" 1 >"$work/tps.raw"
      join -a1 -e 0 -o 0,1.2,2.2 <(sort "$work/tpl.raw") <(sort "$work/tps.raw") |
        awk -v u=$((l - s)) '{printf "%s %.2f\n", $1, ($2 - $3) / u}' >"$work/temporal-node$node.per"
      columns+=("temporal-node$node")
      echo "   Temporal: $s and $l workflows completed"
    else
      echo "   Temporal runs did not complete workflows:"; tail -3 "$work/tp$node-3.out"
    fi
  fi
done
target_stop replicated

# The rows: calls that wait for an answer (round trips), pipelined calls, then Raft and disk.
pipelined='write|registry_begin|forget|mark_aborted|drop_snapshot'
out=$results/cluster-counts-$stamp.txt
{
  echo "Per unit of work on the replicated 3-node cluster (3 replicas per partition, 8 partitions, 1 client; counted, summed over the 3 nodes, net of the idle rate)"
  printf '%-28s' counter
  for c in "${columns[@]}"; do
    case $c in tpcb-node*) h="TPC-B/txn @n${c#tpcb-node}" ;; *) h="Temporal/wf @n${c#temporal-node}" ;; esac
    printf ' %18s' "$h"
  done
  printf ' %12s\n' "idle per s"
  value() { awk -v k="$2" '$1==k{print $2}' "$work/$1" 2>/dev/null; }
  kinds=$(cat "$work"/*.per 2>/dev/null | awk '{print $1}' | sort -u)
  raftkeys="proposals barriers log_appends log_entries metadata_writes snapshot_writes sent_entries sent_heartbeats sent_results sent_other"
  diskkeys="wal_syncs synced_writes writes io_submit fdatasync fsync"
  rpc=$(for k in $kinds; do case " $raftkeys $diskkeys " in *" $k "*) ;; *) echo "$k" ;; esac; done |
    grep -Ev '^(t|durable_us|durable_n|publish_us|publish_n|sync_us|sync_n|wake_us|wake_n|unlock_us|unlock_n|fsync_us|fsync_n|answer_us|answer_n|wake_slices|wake_slices_n)$')
  row() {
    local k=$1 label=${2:-$1} c
    printf '%-28s' "$label"
    for c in "${columns[@]}"; do printf ' %18s' "$(value "$c.per" "$k")"; done
    c=$(value idle.rate "$k")
    printf ' %12s\n' "${c:-0.0}"
  }
  echo "-- calls to other nodes (partition and registry RPCs; pipelined ones marked *)"
  for k in $rpc; do
    if [[ $k =~ ^($pipelined)$ ]]; then row "$k" "  $k *"; else row "$k" "  $k"; fi
  done
  printf '%-28s' "round trips (not *)"
  for c in "${columns[@]}"; do
    printf ' %18s' "$(awk -v p="^($pipelined)\$" -v r=" $(echo $rpc) " '{if (index(r, " " $1 " ") && $1 !~ p) s+=$2} END{printf "%.2f", s}' "$work/$c.per")"
  done
  printf ' %12s\n' "$(awk -v p="^($pipelined)\$" -v r=" $(echo $rpc) " '{if (index(r, " " $1 " ") && $1 !~ p) s+=$2} END{printf "%.1f", s}' "$work/idle.rate")"
  echo "-- Raft (replication/raft_counts.h)"
  for k in $raftkeys; do row "$k" "  $k"; done
  echo "-- disk: RocksDB WAL (the engine's counters) and system calls of the 3 processes (perf)"
  for k in $diskkeys; do row "$k" "  $k"; done
  [ $perf_ok = 1 ] || echo "  (perf could not attach: no system call counts)"
  echo "idle window ${idle_s} s; TPC-B $txns transactions per node; Temporal the difference of a 3 s and a $((3 + secs)) s run"
} | tee "$out"
echo "results: $out"
