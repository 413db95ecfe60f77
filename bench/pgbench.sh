#!/usr/bin/env bash
# bench/pgbench.sh [--quick] [--targets "holdfast pg"] — TPC-B and select-only pgbench on
# holdfast and on PostgreSQL 15, both on this machine with fsync on.
# For each target: pgbench -i -s 10, then `pgbench -M prepared -c 8 -j 2 -T 60` (TPC-B) and
# the same with -S. --quick: -s 1 -T 10. Prints workload | holdfast tps | PG tps | ratio and
# writes bench/results/pgbench-<time>.json and .png (gnuplot). A target that does not start
# is reported as "-" (holdfast is in progress).
# --init-only [--repeat N] [--fresh]: only `pgbench -i -s 10`, N times (default 15) on each
# target, the targets alternating run by run (both share the machine's noise); --fresh starts
# a new server (empty data folder) for every run instead of one server per target. Prints and
# writes bench/results/pgbench-init-<time>.{txt,json}: every run's steps and the server's CPU
# seconds (holdfast: the process; PostgreSQL: the postmaster and its backends), then min /
# median / max of each column per target and the ratio of the medians.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
scale=10 secs=60 targets="holdfast pg" init_only= repeat=15 fresh=
while [ $# -gt 0 ]; do
  case $1 in
    --quick) scale=1 secs=10; shift ;;
    --targets) targets=$2; shift 2 ;;
    --init-only) init_only=1; shift ;;
    --repeat) repeat=$2; shift 2 ;;
    --fresh) fresh=1; shift ;;
    *) sed -n 2,13p "$0"; exit 2 ;;
  esac
done
if [ -n "$init_only" ]; then
  source "$(dirname "$0")/pgbench_init.sh"
  init_repeat
  exit $?
fi
clients=${HF_BENCH_CLIENTS:-8}
declare -A tps lat init
for t in $targets; do
  echo "== $t: starting"
  if ! target_start "$t"; then
    echo "== $t: not functional, skipped"; target_stop "$t"; continue
  fi
  echo "== $t: pgbench -i -s $scale"
  pgb "$t" -i -q -s "$scale" >"$work/$t-init.log" 2>&1 || { tail -n 5 "$work/$t-init.log"; target_stop "$t"; continue; }
  # "done in 8.66 s (drop tables ..., client-side generate ..., primary keys ...)."
  init[$t]=$(awk '/^done in /{print $3}' "$work/$t-init.log")
  echo "   $(grep '^done in ' "$work/$t-init.log")"
  for w in tpcb select; do
    flag=; [ $w = select ] && flag=-S
    echo "== $t: $w, -M prepared -c $clients -j 2 -T $secs"
    pgb "$t" $flag -M prepared -c "$clients" -j 2 -T "$secs" >"$work/$t-$w.log" 2>&1
    read -r tps[$t-$w] lat[$t-$w] < <(parse_pgbench <"$work/$t-$w.log")
    echo "   tps ${tps[$t-$w]}, latency avg ${lat[$t-$w]} ms"
  done
  target_stop "$t"
done

out=$results/pgbench-$stamp
printf '\n%-10s %14s %14s %8s\n' workload "holdfast tps" "PG tps" ratio | tee "$out.txt"
for w in tpcb select; do
  h=${tps[holdfast-$w]:--} p=${tps[pg-$w]:--}
  printf '%-10s %14s %14s %8s\n' "$w" "$h" "$p" "$(ratio "$h" "$p")" | tee -a "$out.txt"
done
h=${init[holdfast]:--} p=${init[pg]:--}
printf '%-10s %14s %14s %8s   (pgbench -i -s %s, seconds; ratio PG/holdfast)\n' init "$h" "$p" \
  "$(ratio "$p" "$h")" "$scale" | tee -a "$out.txt"
{
  printf '{"benchmark":"pgbench","time":"%s","scale":%s,"seconds":%s,"clients":%s,"host":"%s","cores":%s,"results":[' \
    "$stamp" "$scale" "$secs" "$clients" "$(hostname)" "$(nproc)"
  sep=
  for t in holdfast pg; do for w in tpcb select; do
    printf '%s{"target":"%s","workload":"%s","tps":%s,"latency_avg_ms":%s}' "$sep" "$t" "$w" \
      "$(v=${tps[$t-$w]:-}; [ -n "$v" ] && [ "$v" != - ] && echo "$v" || echo null)" \
      "$(v=${lat[$t-$w]:-}; [ -n "$v" ] && [ "$v" != - ] && echo "$v" || echo null)"
    sep=,
  done; done
  for t in holdfast pg; do
    printf ',{"target":"%s","workload":"init","seconds":%s}' "$t" \
      "$(v=${init[$t]:-}; [ -n "$v" ] && echo "$v" || echo null)"
  done
  printf ']}\n'
} >"$out.json"
for w in tpcb select; do
  printf '%s %s %s\n' "$w" "${tps[holdfast-$w]:-0}" "${tps[pg-$w]:-0}" | sed 's/ - / 0 /; s/ -$/ 0/'
done >"$work/plot.dat"
plot_histogram "$out.png" "pgbench (scale $scale, $clients clients, ${secs}s, fsync on)" "$work/plot.dat" \
  holdfast "PostgreSQL 15"
[ -f "$out.png" ] || gnuplot -e "set terminal png size 800,500; set output '$out.png'; set style data histograms; set style fill solid; set yrange [0:*]; plot '$work/plot.dat' using 2:xtic(1) title 'holdfast', '' using 3 title 'PostgreSQL 15'"
echo "results: $out.txt $out.json $out.png"
