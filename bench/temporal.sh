#!/usr/bin/env bash
# bench/temporal.sh [--quick] [--targets "holdfast pg"] [--clients "8 16 32 64"] — Temporal's
# persistence workload (build/bench/hf_bench, bench/driver/temporal.h: one hello-world workflow
# = 8 transactions, 66 statements, Temporal's locks and statements verbatim) on holdfast and on
# PostgreSQL 15 in the same run, both with fsync on. For each target and client count: a fresh
# schema with 512 shards (HF_TEMPORAL_SHARDS), 5 s warm-up, 20 s measured (--quick: 2 s and
# 8 s), then the driver's consistency check. Prints clients | workflows/s | ratio | p50/p99 |
# failures | check and writes bench/results/temporal-<time>.{txt,json,png} (the JSON holds
# every point's full driver report: per-transaction latencies, failures by SQLSTATE, retries)
# and appends a line to bench/results/README.md. Builds nothing: run scripts/build.sh first.
# HF_TEMPORAL_DEFINES="-D renew_every=50 ..." passes workload parameters to hf_bench.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
secs=20 warmup=5 targets="holdfast pg" client_counts="8 16 32 64" args="$*"
while [ $# -gt 0 ]; do
  case $1 in
    --quick) secs=8 warmup=2; shift ;;
    --targets) targets=$2; shift 2 ;;
    --clients) client_counts=$2; shift 2 ;;
    *) sed -n 2,12p "$0"; exit 2 ;;
  esac
done
driver=$root/build/bench/hf_bench
[ -x "$driver" ] || { echo "no $driver: build first (scripts/build.sh normal)" >&2; exit 1; }
shards=${HF_TEMPORAL_SHARDS:-512}
seed=$(date +%s)  # the same workflows, blobs and shard choices on both targets
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

declare -A wps p50 p99 fails check
for t in $targets; do
  echo "== $t: starting"
  if ! target_start "$t"; then echo "== $t: not functional, skipped"; target_stop "$t"; continue; fi
  for c in $client_counts; do
    # shellcheck disable=SC2086
    timeout $((secs + warmup + 900)) "$driver" --port "${bench_port[$t]}" --label "$t" \
      --clients "$c" --seconds "$secs" --warmup "$warmup" --seed "$seed" -D shards="$shards" \
      ${HF_TEMPORAL_DEFINES:-} --json "$work/$t-$c.json" >"$work/$t-$c.log" 2>&1
    rc=$?
    line=$(grep '^RESULT ' "$work/$t-$c.log")
    if [ -z "$line" ]; then
      echo "   $c clients: the driver failed (exit $rc):"; tail -n 5 "$work/$t-$c.log" | sed 's/^/     /'
      cp "$work/$t-$c.log" "$results/temporal-$stamp-$t-$c.log"
      continue
    fi
    field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$line"; }
    wps[$t-$c]=$(field units_per_s) p50[$t-$c]=$(field p50_ms) p99[$t-$c]=$(field p99_ms)
    fails[$t-$c]=$(field failures) check[$t-$c]=$(field check)
    echo "   $c clients: ${wps[$t-$c]} workflows/s, p50 ${p50[$t-$c]} ms, p99 ${p99[$t-$c]} ms," \
      "${fails[$t-$c]} failures, check ${check[$t-$c]}"
    # Keep the whole report of a point that failed anything, for whoever reads the results.
    [ "${fails[$t-$c]}" = 0 ] && [ "${check[$t-$c]}" = pass ] ||
      cp "$work/$t-$c.log" "$results/temporal-$stamp-$t-$c.log"
  done
  target_stop "$t"
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

out=$results/temporal-$stamp
{
  printf 'Temporal workload, %s shards, %s s per point after %s s warm-up, fsync on; load average %s at the start, %s at the end\n' \
    "$shards" "$secs" "$warmup" "$load_start" "$load_end"
  printf '%-8s %12s %12s %7s %20s %20s %10s %10s\n' clients "holdfast wf/s" "PG wf/s" ratio \
    "holdfast p50/p99 ms" "PG p50/p99 ms" failures check
  for c in $client_counts; do
    h=${wps[holdfast-$c]:--} p=${wps[pg-$c]:--}
    printf '%-8s %12s %12s %7s %20s %20s %10s %10s\n' "$c" "$h" "$p" "$(ratio "$h" "$p")" \
      "${p50[holdfast-$c]:--}/${p99[holdfast-$c]:--}" "${p50[pg-$c]:--}/${p99[pg-$c]:--}" \
      "${fails[holdfast-$c]:--}/${fails[pg-$c]:--}" "${check[holdfast-$c]:--}/${check[pg-$c]:--}"
  done
} | tee "$out.txt"
{
  printf '{"benchmark":"temporal","time":"%s","seconds":%s,"warmup_seconds":%s,"shards":%s,' \
    "$stamp" "$secs" "$warmup" "$shards"
  printf '"host":"%s","cores":%s,"loadavg_start":"%s","loadavg_end":"%s","points":[' \
    "$(hostname)" "$(nproc)" "$load_start" "$load_end"
  sep=
  for t in holdfast pg; do for c in $client_counts; do
    [ -s "$work/$t-$c.json" ] || continue
    printf '%s' "$sep"; cat "$work/$t-$c.json"; sep=,
  done; done
  printf ']}\n'
} >"$out.json"
for c in $client_counts; do
  printf '%s %s %s %s %s\n' "$c" "${wps[holdfast-$c]:-NaN}" "${wps[pg-$c]:-NaN}" \
    "${p99[holdfast-$c]:-NaN}" "${p99[pg-$c]:-NaN}"
done >"$work/plot.dat"
gnuplot <<GP 2>/dev/null
set terminal pngcairo size 1000,450 noenhanced
set output "$out.png"
set multiplot layout 1,2 title "Temporal workload (hello-world workflow, $shards shards, ${secs}s per point, fsync on)"
set xlabel "clients"
set logscale x 2
set xtics ($(echo $client_counts | sed 's/ /, /g'))
set xrange [$(echo $client_counts | awk '{print $1 / 1.3 ":" $NF * 1.3}')]
set grid
set key top left
set ylabel "workflows/s"
set yrange [0:*]
plot "$work/plot.dat" using 1:2 with linespoints lw 2 title "holdfast", \
     "" using 1:3 with linespoints lw 2 title "PostgreSQL 15"
set ylabel "p99 workflow latency (ms)"
plot "$work/plot.dat" using 1:4 with linespoints lw 2 title "holdfast", \
     "" using 1:5 with linespoints lw 2 title "PostgreSQL 15"
unset multiplot
GP
summary=
for c in $client_counts; do
  summary+="${summary:+, }$c: ${wps[holdfast-$c]:--} vs ${wps[pg-$c]:--}"
done
printf -- '- `temporal-%s`: `bash bench/temporal.sh%s` (%s shards, %s s per point; workflows/s holdfast vs PostgreSQL by clients: %s; load average before %s, after %s, the run'"'"'s own fsync waits included).\n' \
  "$stamp" "${args:+ $args}" "$shards" "$secs" "$summary" "$load_start" "$load_end" \
  >>"$results/README.md"
echo "results: $out.txt $out.json $out.png (and a line in bench/results/README.md)"
