#!/usr/bin/env bash
# bench/plot_queue.sh OUT.png SECONDS HOLDFAST_JOBS_PER_S PG_JOBS_PER_S — the SKIP LOCKED
# queue's jobs/s on both targets as two bars (bench/hotrow.sh --only queue, which has no
# hot-row points to plot; also to redraw a queue-only result from its JSON).
set -uo pipefail
out=$1 secs=$2 h=$3 p=$4
dat=$(mktemp /tmp/hf-plot-queue-XXXX)
trap 'rm -f "$dat"' EXIT
printf '"holdfast" %s\n"PostgreSQL 15" %s\n' "$h" "$p" >"$dat"
gnuplot <<GP 2>/dev/null
set terminal pngcairo size 800,500 noenhanced
set output "$out"
set title "queue: 8 workers, FOR UPDATE SKIP LOCKED (${secs}s, fsync on)"
set ylabel "jobs/s"
set yrange [0:*]
set style fill solid 0.6
set boxwidth 0.5
set grid ytics
unset key
plot "$dat" using 0:2:xtic(1) with boxes lw 2
GP
