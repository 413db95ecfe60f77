#!/usr/bin/env bash
# bench/hotrow.sh [--quick] [--targets "holdfast pg"] — lock contention on holdfast and on
# PostgreSQL 15 (fsync on), with pgbench custom scripts:
#   hot row:  BEGIN; SELECT v FROM hot WHERE id = 1 FOR UPDATE; UPDATE hot ...; COMMIT;
#             with 8, 32 and 128 clients: tps and p99 latency (from pgbench -l logs)
#   queue:    8 workers taking jobs with FOR UPDATE SKIP LOCKED in one statement: jobs/s
# Prints a comparison table, writes bench/results/hotrow-<time>.json/.txt and a .png of tps
# against clients. --quick: 10 s per run instead of 60. HF_QUEUE_JOBS: jobs in the queue
# (default 600000, --quick 250000; it must outlast the run: 8 workers took 71,000 in 10 s). --only hot|queue: run one part.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
secs=60 targets="holdfast pg" jobs=${HF_QUEUE_JOBS:-600000} only=
while [ $# -gt 0 ]; do
  case $1 in
    --quick) secs=10 jobs=${HF_QUEUE_JOBS:-250000}; shift ;;
    --targets) targets=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    *) sed -n 2,11p "$0"; exit 2 ;;
  esac
done
client_counts=${HF_HOTROW_CLIENTS:-8 32 128}
[ "$only" = queue ] && client_counts=
cp "$root/bench/sql/hot_row.sql" "$work/hot.sql"  # one hot row FOR UPDATE, shared with modes.sh / hotrow.sh
cp "$root/bench/sql/queue_claim.sql" "$work/queue.sql"  # shared with cluster.sh
declare -A tps p99
for t in $targets; do
  echo "== $t: starting"
  if ! target_start "$t"; then echo "== $t: not functional, skipped"; target_stop "$t"; continue; fi
  if [ -n "$client_counts" ]; then
    sql "$t" "CREATE TABLE hot (id int PRIMARY KEY, v bigint NOT NULL); INSERT INTO hot VALUES (1, 0);" ||
      { target_stop "$t"; continue; }
  fi
  for c in $client_counts; do
    rm -f "$work/$t-hot-$c".*
    pgb "$t" -n -M prepared -f "$work/hot.sql" -c "$c" -j 2 -T "$secs" -l --log-prefix="$work/$t-hot-$c" \
      >"$work/$t-hot-$c.log" 2>&1
    read -r tps[$t-hot-$c] _ < <(parse_pgbench <"$work/$t-hot-$c.log")
    p99[$t-hot-$c]=$(p99_ms "$work/$t-hot-$c".[0-9]*)
    echo "   hot row, $c clients: tps ${tps[$t-hot-$c]}, p99 ${p99[$t-hot-$c]} ms"
  done
  [ "$only" = hot ] && { target_stop "$t"; continue; }
  load_jobs "$t" "$jobs" || { target_stop "$t"; continue; }
  rm -f "$work/$t-queue".*
  pgb "$t" -n -M prepared -f "$work/queue.sql" -c 8 -j 2 -T "$secs" -l --log-prefix="$work/$t-queue" \
    >"$work/$t-queue.log" 2>&1
  read -r tps[$t-queue] _ < <(parse_pgbench <"$work/$t-queue.log")
  p99[$t-queue]=$(p99_ms "$work/$t-queue".[0-9]*)
  taken=$(sql "$t" "SELECT count(*) FROM jobs WHERE state = 'taken'")
  echo "   queue, 8 workers: ${tps[$t-queue]} jobs/s, p99 ${p99[$t-queue]} ms ($taken jobs taken)"
  [ "$taken" = "$jobs" ] && echo "   WARNING: every job was taken before the end: raise HF_QUEUE_JOBS"
  target_stop "$t"
done

out=$results/hotrow-$stamp
printf '\n%-22s %12s %12s %8s %14s %14s\n' workload "holdfast tps" "PG tps" ratio "holdfast p99" "PG p99 (ms)" | tee "$out.txt"
rows=()
for c in $client_counts; do rows+=("hot-$c"); done
[ "$only" = hot ] || rows+=(queue)
for r in "${rows[@]}"; do
  label=$r; [ "$r" = queue ] && label="queue (8 workers)" || label="hot row, ${r#hot-} clients"
  h=${tps[holdfast-$r]:--} p=${tps[pg-$r]:--}
  printf '%-22s %12s %12s %8s %14s %14s\n' "$label" "$h" "$p" "$(ratio "$h" "$p")" \
    "${p99[holdfast-$r]:--}" "${p99[pg-$r]:--}" | tee -a "$out.txt"
done
num() { [ -n "${1:-}" ] && [ "$1" != - ] && echo "$1" || echo null; }
{
  printf '{"benchmark":"hotrow","time":"%s","seconds":%s,"host":"%s","cores":%s,"results":[' \
    "$stamp" "$secs" "$(hostname)" "$(nproc)"
  sep=
  for t in holdfast pg; do for r in "${rows[@]}"; do
    if [ "$r" = queue ]; then w=queue c=8; else w=hotrow c=${r#hot-}; fi
    printf '%s{"target":"%s","workload":"%s","clients":%s,"tps":%s,"p99_ms":%s}' "$sep" "$t" "$w" "$c" \
      "$(num "${tps[$t-$r]:-}")" "$(num "${p99[$t-$r]:-}")"
    sep=,
  done; done
  printf ']}\n'
} >"$out.json"
for c in $client_counts; do
  h=${tps[holdfast-hot-$c]:-} p=${tps[pg-hot-$c]:-}
  printf '%s %s %s\n' "$c" "${h:-NaN}" "${p:-NaN}"
done | sed 's/ - / NaN /g; s/ -$/ NaN/' >"$work/plot.dat"
if [ -s "$work/plot.dat" ]; then
gnuplot <<GP 2>/dev/null
set terminal pngcairo size 800,500 noenhanced
set output "$out.png"
set title "hot row: BEGIN; SELECT ... FOR UPDATE; UPDATE; COMMIT (${secs}s per point, fsync on)"
set xlabel "clients"
set ylabel "tps"
set logscale x 2
set yrange [0:*]
set grid
set key top right
plot "$work/plot.dat" using 1:2 with linespoints lw 2 title "holdfast", \
     "" using 1:3 with linespoints lw 2 title "PostgreSQL 15"
GP
else  # --only queue: no hot-row points; the queue's jobs/s as two bars
  bash "$(dirname "$0")/plot_queue.sh" "$out.png" "$secs" "${tps[holdfast-queue]:-NaN}" "${tps[pg-queue]:-NaN}"
fi
echo "results: $out.txt $out.json $out.png"
