#!/usr/bin/env bash
# bench/lockservice.sh [--quick] — the lock service (issue 11) against PostgreSQL 15's advisory
# locks and seed 004's polling design, in the same run, fsync on (build/bench/hf_lock_bench):
#   one resource, 1 / 16 / 256 clients each taking it (WRITE) and giving it back in a loop:
#     acquisitions/s and hand-off latency (a holder starts its release -> the next holder has
#     the lock), median and p99;
#   10,000 resources, 64 clients, a random one each time: acquisitions/s.
# holdfast: holdfast.lock / holdfast.unlock (durable, waiters woken by the release); polling:
# holdfast.try_lock and a 1 s sleep after a miss (seed 004); PostgreSQL: pg_advisory_lock /
# pg_advisory_unlock (in memory, gone with the session). Prints a table, writes
# bench/results/lockservice-<time>.{txt,json,png}. --quick: 5 s per point instead of 20.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
secs=20
while [ $# -gt 0 ]; do
  case $1 in
    --quick) secs=5; shift ;;
    *) sed -n 2,11p "$0"; exit 2 ;;
  esac
done
bin=$root/${HF_BUILD_PREFIX:-build}/bench/hf_lock_bench
[ -x "$bin" ] || { echo "hf_lock_bench not built ($bin): scripts/build.sh"; exit 1; }
ulimit -n 4096 2>/dev/null || true
declare -A rate p50 p99
points=("1 1" "16 1" "256 1" "64 10000")
run() {  # run TARGET KIND CLIENTS RESOURCES
  local line
  line=$("$bin" "host=127.0.0.1 port=${bench_port[$1]} user=postgres dbname=postgres" "$2" "$3" "$secs" "$4" 2>"$work/err")
  read -r _ _ _ rate[$2-$3-$4] p50[$2-$3-$4] p99[$2-$3-$4] <<<"$line"
  echo "   $2, $3 clients, $4 resources: ${rate[$2-$3-$4]:-?} acquisitions/s, hand-off p50 ${p50[$2-$3-$4]:-?} ms p99 ${p99[$2-$3-$4]:-?} ms"
}
for t in holdfast pg; do
  echo "== $t: starting"
  if ! target_start "$t"; then echo "== $t: not functional, skipped"; target_stop "$t"; continue; fi
  for p in "${points[@]}"; do
    set -- $p
    if [ "$t" = holdfast ]; then
      run holdfast service "$1" "$2"
      [ "$1" = 16 ] && run holdfast polling "$1" "$2"
    else
      run pg advisory "$1" "$2"
    fi
  done
  target_stop "$t"
done
out=$results/lockservice-$stamp
fmt='%-10s %-8s %-10s %14s %12s %12s\n'
{
  printf "lock service, %s s per point, fsync on; load average %s\n" "$secs" "$(cut -d' ' -f1-3 /proc/loadavg)"
  printf "$fmt" kind clients resources "acquisitions/s" "p50 ms" "p99 ms"
  for p in "${points[@]}"; do
    set -- $p
    for k in service polling advisory; do
      [ -n "${rate[$k-$1-$2]:-}" ] || continue
      label=$k; [ $k = service ] && label="holdfast"; [ $k = advisory ] && label="PG advisory"
      [ $k = polling ] && label="polling 1s"
      h50=${p50[$k-$1-$2]}; h99=${p99[$k-$1-$2]}
      [ "$h50" = "-1.000" ] && h50=- && h99=-
      printf "$fmt" "$label" "$1" "$2" "${rate[$k-$1-$2]}" "$h50" "$h99"
    done
  done
} | tee "$out.txt"
{
  printf '{"benchmark":"lockservice","time":"%s","seconds":%s,"results":[' "$stamp" "$secs"
  sep=
  for p in "${points[@]}"; do
    set -- $p
    for k in service polling advisory; do
      [ -n "${rate[$k-$1-$2]:-}" ] || continue
      printf '%s{"kind":"%s","clients":%s,"resources":%s,"per_second":%s,"handoff_p50_ms":%s,"handoff_p99_ms":%s}' \
        "$sep" "$k" "$1" "$2" "${rate[$k-$1-$2]}" "${p50[$k-$1-$2]}" "${p99[$k-$1-$2]}"
      sep=,
    done
  done
  printf ']}\n'
} >"$out.json"
for c in 1 16 256; do
  printf '%s %s %s\n' "$c" "${rate[service-$c-1]:-NaN}" "${rate[advisory-$c-1]:-NaN}"
done >"$work/plot.dat"
gnuplot <<GP 2>/dev/null
set terminal pngcairo size 800,450 noenhanced
set output "$out.png"
set title "one resource: acquisitions/s by waiting clients (${secs}s per point, fsync on)"
set xlabel "clients"
set ylabel "acquisitions/s"
set logscale x 2
set yrange [0:*]
set grid
plot "$work/plot.dat" using 1:2 with linespoints lw 2 title "holdfast lock service", \
     "" using 1:3 with linespoints lw 2 title "PostgreSQL advisory locks"
GP
echo "results: $out.txt $out.json $out.png"
