#!/usr/bin/env bash
# bench/cluster.sh [--quick] [--seconds S] [--targets "holdfast cluster replicated pg"] — issue
# 12's benchmark: a 3-node holdfast cluster on this machine (scripts/cluster.sh,
# HF_CLUSTER_NODES), unreplicated (cluster: each partition on one node) and replicated
# (replicated: `cluster.sh start 3 --replicas 3`, every partition a Raft group with a replica on
# each node, its leader on the node the static map names), against one holdfast node and
# PostgreSQL 15 in the same run, all with fsync on:
#   tpcb:     pgbench -i -s 10, then TPC-B -M prepared -c 8 -j 2
#   hot row:  bench/sql/hot_row.sql (SELECT ... FOR UPDATE; UPDATE; COMMIT) at 8, 32, 128 clients
#   queue:    8 workers taking jobs with bench/sql/queue_claim.sql (FOR UPDATE SKIP LOCKED)
# On either cluster each run's clients are spread evenly over the nodes (bench/lib.sh pgb), so
# a session's rows live (are led) on its own node for one third of the partitions and on the
# others' for the rest. Every point: tps and p99 latency (pgbench -l logs). 60 s per point (--quick: 10 s,
# scale 1, 30,000 jobs: 6-7 minutes for the four targets on the shared 2-core machine, plus
# at most 60 s for each point that hangs). Prints a table, writes
# bench/results/cluster-<time>.{txt,json,png}. On one machine the cluster shares the same cores
# with three processes instead of one and adds a network round trip per remote partition call;
# the replicated one adds, per write, a Raft proposal (one round trip to a follower and three
# durable log writes) and the leaders' lease barriers: both are expected to be slower than one
# node here (doc/cluster.md §6 counts the round trips, proposals and fsyncs per transaction,
# bench/cluster_counts.sh); what this shows is by how much, and that nothing breaks under load.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
secs=60 scale=10 jobs=${HF_QUEUE_JOBS:-200000} targets="holdfast cluster replicated pg"
while [ $# -gt 0 ]; do
  case $1 in
    --quick) secs=10 scale=1 jobs=${HF_QUEUE_JOBS:-30000}; shift ;;
    --targets) targets=$2; shift 2 ;;
    --seconds) secs=$2; shift 2 ;;
    *) sed -n 2,21p "$0"; exit 2 ;;
  esac
done
cp "$root/bench/sql/hot_row.sql" "$work/hot.sql"
cp "$root/bench/sql/queue_claim.sql" "$work/queue.sql"
rows=(tpcb hot-8 hot-32 hot-128 queue)
declare -A tps p99

# run T ROW ARGS...: one timed pgbench point, its tps and p99 recorded under T-ROW. A point
# whose pgbench has not ended 60 s after its time (a transaction that never returns: the target
# stopped answering) is ended by a watchdog (SIGTERM to this script's own pgbench children);
# its tps is what pgbench's logs hold, and the point is marked.
run() {
  local t=$1 r=$2 dog; shift 2
  rm -f "$work/$t-$r".*
  (sleep $((secs + 60)) && pkill -TERM -P $$ -x pgbench && touch "$work/$t-$r.hung") &
  dog=$!
  pgb "$t" -M prepared -T "$secs" -l --log-prefix="$work/$t-$r" "$@" >"$work/$t-$r.log" 2>&1
  kill "$dog" 2>/dev/null
  wait "$dog" 2>/dev/null
  read -r tps[$t-$r] _ < <(parse_pgbench <"$work/$t-$r.log")
  p99[$t-$r]=$(p99_ms "$work/$t-$r".[0-9]*)
  if [ -f "$work/$t-$r.hung" ]; then
    # Transactions the logs hold over the whole point: pgbench printed no report.
    tps[$t-$r]=$(cat "$work/$t-$r".[0-9]* 2>/dev/null | awk -v s="$secs" 'END{printf "%.2f", NR / s}')
    hung+=("$t-$r")
    echo "   $r: HUNG (pgbench ended by the watchdog $((secs + 60)) s in); ${tps[$t-$r]} tps before it"
  else
    echo "   $r: tps ${tps[$t-$r]}, p99 ${p99[$t-$r]} ms"
  fi
}
hung=()

for t in $targets; do
  echo "== $t: starting"
  if ! target_start "$t"; then echo "== $t: not functional, skipped"; target_stop "$t"; continue; fi
  if pgb "$t" -i -q -s "$scale" >"$work/$t-init.log" 2>&1; then
    echo "   $(grep '^done in ' "$work/$t-init.log")"
    run "$t" tpcb -c 8 -j 2
  else
    tail -n 5 "$work/$t-init.log"
  fi
  sql "$t" "CREATE TABLE hot (id int PRIMARY KEY, v bigint NOT NULL); INSERT INTO hot VALUES (1, 0);" &&
    for c in 8 32 128; do run "$t" "hot-$c" -n -f "$work/hot.sql" -c "$c" -j 2; done
  if load_jobs "$t" "$jobs"; then
    run "$t" queue -n -f "$work/queue.sql" -c 8 -j 2
    if [ ! -f "$work/$t-queue.hung" ]; then
      taken=$(sql "$t" "SELECT count(*) FROM jobs WHERE state = 'taken'")
      [ "$taken" = "$jobs" ] && echo "   WARNING: every job was taken before the end: raise HF_QUEUE_JOBS"
    fi
  fi
  target_stop "$t"
done

out=$results/cluster-$stamp
n=${HF_CLUSTER_NODES:-3}
load=$(cut -d' ' -f1-3 /proc/loadavg)
r1() { awk -v x="$1" 'BEGIN{if (x ~ /^[0-9.]+$/) printf "%.1f", x; else print x}'; }
{
  printf '\n%s-node cluster (unreplicated, and replicated: %s replicas per partition) against 1 node and PostgreSQL 15,\n' "$n" "$n"
  printf '%s s per point, fsync on, %s cores; load average at the end %s\n' "$secs" "$(nproc)" "$load"
  printf '%-18s %8s %8s %8s %8s %8s %8s %8s %9s %9s %9s %9s\n' workload "1 node" cluster repl PG \
    "cl/1n" "repl/1n" "repl/cl" "p99 1n" "p99 cl" "p99 repl" "p99 PG"
  for r in "${rows[@]}"; do
    case $r in tpcb) label="TPC-B (8 clients)" ;; queue) label="queue (8 workers)" ;; *) label="hot row ${r#hot-}" ;; esac
    h=$(r1 "${tps[holdfast-$r]:--}") c=$(r1 "${tps[cluster-$r]:--}") R=$(r1 "${tps[replicated-$r]:--}")
    p=$(r1 "${tps[pg-$r]:--}")
    printf '%-18s %8s %8s %8s %8s %8s %8s %8s %9s %9s %9s %9s\n' "$label" "$h" "$c" "$R" "$p" \
      "$(ratio "$c" "$h")" "$(ratio "$R" "$h")" "$(ratio "$R" "$c")" "${p99[holdfast-$r]:--}" \
      "${p99[cluster-$r]:--}" "${p99[replicated-$r]:--}" "${p99[pg-$r]:--}"
  done
  echo "(tps; p99 in ms; 1n = one holdfast node, cl = unreplicated cluster, repl = replicated cluster)"
  [ ${#hung[@]} -eq 0 ] || echo "HUNG (ended by the watchdog, tps from the transactions logged before): ${hung[*]}"
} | tee "$out.txt"
num() { [ -n "${1:-}" ] && [ "$1" != - ] && echo "$1" || echo null; }
{
  printf '{"benchmark":"cluster","time":"%s","seconds":%s,"scale":%s,"nodes":%s,"replicas":%s,"host":"%s","cores":%s,"loadavg_end":"%s","results":[' \
    "$stamp" "$secs" "$scale" "$n" "$n" "$(hostname)" "$(nproc)" "$load"
  sep=
  for t in holdfast cluster replicated pg; do for r in "${rows[@]}"; do
    printf '%s{"target":"%s","workload":"%s","tps":%s,"p99_ms":%s}' "$sep" "$t" "$r" \
      "$(num "${tps[$t-$r]:-}")" "$(num "${p99[$t-$r]:-}")"
    sep=,
  done; done
  printf '],"hung":['
  sep=
  for h in "${hung[@]}"; do printf '%s"%s"' "$sep" "$h"; sep=,; done
  printf ']}\n'
} >"$out.json"
for r in "${rows[@]}"; do
  printf '%s %s %s %s %s\n' "$r" "${tps[holdfast-$r]:-0}" "${tps[cluster-$r]:-0}" \
    "${tps[replicated-$r]:-0}" "${tps[pg-$r]:-0}"
done | sed 's/ - / 0 /g; s/ - / 0 /g; s/ -$/ 0/' >"$work/plot.dat"
plot_histogram "$out.png" \
  "$n nodes (unreplicated; $n replicas) vs 1 node vs PostgreSQL 15 (${secs}s/point, fsync on, $(nproc) cores)" \
  "$work/plot.dat" "holdfast, 1 node" "holdfast, $n nodes" "holdfast, $n nodes, $n replicas" "PostgreSQL 15"
echo "results: $out.txt $out.json $out.png"
