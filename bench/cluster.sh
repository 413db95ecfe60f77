#!/usr/bin/env bash
# bench/cluster.sh [--quick] [--seconds S] [--targets "holdfast cluster pg"] — issue 12's benchmark: a
# 3-node holdfast cluster on this machine (scripts/cluster.sh, HF_CLUSTER_NODES) against one
# holdfast node and PostgreSQL 15 in the same run, all with fsync on:
#   tpcb:     pgbench -i -s 10, then TPC-B -M prepared -c 8 -j 2
#   hot row:  bench/sql/hot_row.sql (SELECT ... FOR UPDATE; UPDATE; COMMIT) at 8, 32, 128 clients
#   queue:    8 workers taking jobs with bench/sql/queue_claim.sql (FOR UPDATE SKIP LOCKED)
# On the cluster each run's clients are spread evenly over the nodes (bench/lib.sh pgb), so a
# session's rows live on its own node for one third of the partitions and on the others' for
# the rest. Every point: tps and p99 latency (pgbench -l logs). 60 s per point (--quick: 10 s,
# scale 1, 30,000 jobs). Prints a table, writes bench/results/cluster-<time>.{txt,json,png}.
# On one machine the cluster shares the same cores with three processes instead of one and
# adds a network round trip per remote partition call: it is expected to be slower than one
# node here (doc/cluster.md §6 counts the round trips per transaction); what it shows is by how
# much, and that nothing breaks under load.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
secs=60 scale=10 jobs=${HF_QUEUE_JOBS:-200000} targets="holdfast cluster pg"
while [ $# -gt 0 ]; do
  case $1 in
    --quick) secs=10 scale=1 jobs=${HF_QUEUE_JOBS:-30000}; shift ;;
    --targets) targets=$2; shift 2 ;;
    --seconds) secs=$2; shift 2 ;;
    *) sed -n 2,15p "$0"; exit 2 ;;
  esac
done
cp "$root/bench/sql/hot_row.sql" "$work/hot.sql"
cp "$root/bench/sql/queue_claim.sql" "$work/queue.sql"
rows=(tpcb hot-8 hot-32 hot-128 queue)
declare -A tps p99

# run T ROW ARGS...: one timed pgbench point, its tps and p99 recorded under T-ROW.
run() {
  local t=$1 r=$2; shift 2
  rm -f "$work/$t-$r".*
  pgb "$t" -M prepared -T "$secs" -l --log-prefix="$work/$t-$r" "$@" >"$work/$t-$r.log" 2>&1
  read -r tps[$t-$r] _ < <(parse_pgbench <"$work/$t-$r.log")
  p99[$t-$r]=$(p99_ms "$work/$t-$r".[0-9]*)
  echo "   $r: tps ${tps[$t-$r]}, p99 ${p99[$t-$r]} ms"
}

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
    taken=$(sql "$t" "SELECT count(*) FROM jobs WHERE state = 'taken'")
    [ "$taken" = "$jobs" ] && echo "   WARNING: every job was taken before the end: raise HF_QUEUE_JOBS"
  fi
  target_stop "$t"
done

out=$results/cluster-$stamp
{
  printf '\n%s-node cluster against 1 node and PostgreSQL 15, %s s per point, fsync on, %s cores\n' \
    "${HF_CLUSTER_NODES:-3}" "$secs" "$(nproc)"
  printf '%-18s %10s %10s %10s %9s %9s %12s %12s %12s\n' workload "1 node" cluster PG \
    "cl/1node" "cl/PG" "p99 1 node" "p99 cluster" "p99 PG"
  for r in "${rows[@]}"; do
    case $r in tpcb) label="TPC-B (8 clients)" ;; queue) label="queue (8 workers)" ;; *) label="hot row ${r#hot-}" ;; esac
    h=${tps[holdfast-$r]:--} c=${tps[cluster-$r]:--} p=${tps[pg-$r]:--}
    printf '%-18s %10s %10s %10s %9s %9s %12s %12s %12s\n' "$label" "$h" "$c" "$p" "$(ratio "$c" "$h")" \
      "$(ratio "$c" "$p")" "${p99[holdfast-$r]:--}" "${p99[cluster-$r]:--}" "${p99[pg-$r]:--}"
  done
  echo "(tps; p99 in ms)"
} | tee "$out.txt"
num() { [ -n "${1:-}" ] && [ "$1" != - ] && echo "$1" || echo null; }
{
  printf '{"benchmark":"cluster","time":"%s","seconds":%s,"scale":%s,"nodes":%s,"host":"%s","cores":%s,"results":[' \
    "$stamp" "$secs" "$scale" "${HF_CLUSTER_NODES:-3}" "$(hostname)" "$(nproc)"
  sep=
  for t in holdfast cluster pg; do for r in "${rows[@]}"; do
    printf '%s{"target":"%s","workload":"%s","tps":%s,"p99_ms":%s}' "$sep" "$t" "$r" \
      "$(num "${tps[$t-$r]:-}")" "$(num "${p99[$t-$r]:-}")"
    sep=,
  done; done
  printf ']}\n'
} >"$out.json"
for r in "${rows[@]}"; do
  printf '%s %s %s %s\n' "$r" "${tps[holdfast-$r]:-0}" "${tps[cluster-$r]:-0}" "${tps[pg-$r]:-0}"
done | sed 's/ - / 0 /g; s/ -$/ 0/' >"$work/plot.dat"
plot_histogram "$out.png" \
  "${HF_CLUSTER_NODES:-3}-node cluster vs 1 node vs PostgreSQL 15 (${secs}s per point, fsync on, $(nproc) cores)" \
  "$work/plot.dat" "holdfast, 1 node" "holdfast, ${HF_CLUSTER_NODES:-3} nodes" "PostgreSQL 15"
echo "results: $out.txt $out.json $out.png"
