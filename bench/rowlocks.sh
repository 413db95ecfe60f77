#!/usr/bin/env bash
# bench/rowlocks.sh [--rows "100000 300000 1000000"] [--targets "holdfast pg"] — one transaction
# locking many rows, on holdfast and on PostgreSQL 15 (fsync on), in the same run:
#   BEGIN; SELECT count(*) FROM (SELECT id FROM big FOR UPDATE) s; COMMIT;
# over a table of N rows (loaded with COPY ... FROM STDIN, 100,000 rows per COPY), for each N.
# For each point: the SELECT's time (psql \timing), and the server's memory (the sum of Pss
# over the server's processes, /proc/PID/smaps_rollup: holdfast is one process, PostgreSQL the
# postmaster and its children) before the transaction, its peak while the SELECT runs
# (sampled every 50 ms), while the locks are held (after the SELECT, before COMMIT) and after
# COMMIT. "held/lock" = (held - before) / N: the bytes a held row lock costs the server,
# everything the statement left allocated included (an upper bound).
# Prints a table, writes bench/results/rowlocks-<time>.txt/.json and a .png (time and memory
# against rows). HF_SERVER_ARGS: extra holdfast arguments.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
points="100000 300000 1000000" targets="holdfast pg"
while [ $# -gt 0 ]; do
  case $1 in
    --rows) points=$2; shift 2 ;;
    --targets) targets=$2; shift 2 ;;
    *) sed -n 2,14p "$0"; exit 2 ;;
  esac
done

# The server's processes: holdfast's pid; PostgreSQL's postmaster and its children.
server_pids() {
  case $1 in
    holdfast) cat "${TMPDIR:-/tmp}/holdfast-${bench_port[$1]}.pid" ;;
    pg)
      local pm
      pm=$(head -n1 "$work/pg/postmaster.pid")
      echo "$pm"
      pgrep -P "$pm"
      ;;
  esac
}
# Sum of Pss over the server's processes, in kB.
mem_kb() {
  local total=0 pid kb
  for pid in $(server_pids "$1"); do
    kb=$(awk '/^Pss:/{print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null)
    total=$((total + ${kb:-0}))
  done
  echo "$total"
}
# mem.sh TARGET LABEL: appends "LABEL kB" to $work/mem-TARGET (called from psql's \!).
cat >"$work/mem.sh" <<EOF
#!/usr/bin/env bash
declare -A bench_port
work=$work
bench_port[\$1]=\$3
$(declare -f server_pids mem_kb)
echo "\$2 \$(mem_kb "\$1")" >>"$work/mem-\$1"
EOF
chmod +x "$work/mem.sh"

declare -A secs before peak held after
for t in $targets; do
  echo "== $t: starting"
  if ! target_start "$t"; then echo "== $t: not functional, skipped"; target_stop "$t"; continue; fi
  sql "$t" "CREATE TABLE big (id int PRIMARY KEY, v int NOT NULL)" >/dev/null || { target_stop "$t"; continue; }
  loaded=0
  for n in $points; do
    t0=$(date +%s.%N)
    while [ "$loaded" -lt "$n" ]; do
      b=$((loaded + 100000 < n ? loaded + 100000 : n))
      seq $((loaded + 1)) "$b" | awk '{print $1 "\t" $1 % 1000}' |
        psql -X -q -h 127.0.0.1 -p "${bench_port[$t]}" -U postgres -d postgres \
          -c "COPY big FROM STDIN" >/dev/null || { echo "   load failed"; break 2; }
      loaded=$b
    done
    echo "   $n rows loaded in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s"
    rm -f "$work/mem-$t" "$work/samples-$t"
    (while :; do mem_kb "$t" >>"$work/samples-$t"; sleep 0.05; done) &
    sampler=$!
    psql -X -q -h 127.0.0.1 -p "${bench_port[$t]}" -U postgres -d postgres -At >"$work/$t-$n.log" 2>&1 <<SQL
\\timing on
\\! $work/mem.sh $t before ${bench_port[$t]}
BEGIN;
SELECT count(*) FROM (SELECT id FROM big FOR UPDATE) s;
\\! $work/mem.sh $t held ${bench_port[$t]}
COMMIT;
\\! $work/mem.sh $t after ${bench_port[$t]}
SQL
    kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null
    count=$(grep -E '^[0-9]+$' "$work/$t-$n.log" | head -n1)
    if [ "$count" != "$n" ]; then
      echo "   $n rows: failed (count ${count:-none}):"; sed 's/^/     /' "$work/$t-$n.log" | head -n 5
      continue
    fi
    ms=$(awk '/^Time: /{i++; if (i==2) print $2}' "$work/$t-$n.log")
    secs[$t-$n]=$(awk -v m="$ms" 'BEGIN{printf "%.2f", m/1000}')
    before[$t-$n]=$(awk '$1=="before"{print $2}' "$work/mem-$t")
    held[$t-$n]=$(awk '$1=="held"{print $2}' "$work/mem-$t")
    after[$t-$n]=$(awk '$1=="after"{print $2}' "$work/mem-$t")
    peak[$t-$n]=$(sort -n "$work/samples-$t" | tail -n1)
    [ "${held[$t-$n]}" -gt "${peak[$t-$n]:-0}" ] && peak[$t-$n]=${held[$t-$n]}
    echo "   $n rows: ${secs[$t-$n]} s; memory before ${before[$t-$n]} kB, peak ${peak[$t-$n]} kB," \
      "held ${held[$t-$n]} kB, after commit ${after[$t-$n]} kB"
  done
  target_stop "$t"
done

mb() { [ -n "${1:-}" ] && awk -v k="$1" 'BEGIN{printf "%.0f", k/1024}' || echo -; }
per_lock() { [ -n "${2:-}" ] && awk -v b="$1" -v h="$2" -v n="$3" 'BEGIN{printf "%.0f", (h-b)*1024/n}' || echo -; }
out=$results/rowlocks-$stamp
{
  echo "One transaction locking N rows: BEGIN; SELECT count(*) FROM (SELECT id FROM big FOR UPDATE) s; COMMIT"
  echo "memory: sum of Pss of the server's processes (MB); +peak/+held: growth over 'before'; held/lock: bytes"
  printf '\n%-8s %-9s %8s %7s %9s %8s %8s %10s %10s\n' target rows "time(s)" ratio "before" "+peak" "+held" "held/lock" "after"
} | tee "$out.txt"
for n in $points; do for t in holdfast pg; do
  [ -n "${secs[$t-$n]:-}" ] || { printf '%-8s %-9s %8s\n' "$t" "$n" - | tee -a "$out.txt"; continue; }
  printf '%-8s %-9s %8s %7s %9s %8s %8s %10s %10s\n' "$t" "$n" "${secs[$t-$n]}" \
    "$([ "$t" = holdfast ] && ratio "${secs[holdfast-$n]}" "${secs[pg-$n]:-}" || echo 1)" \
    "$(mb "${before[$t-$n]}")" "$(mb $((peak[$t-$n] - before[$t-$n])))" \
    "$(mb $((held[$t-$n] - before[$t-$n])))" \
    "$(per_lock "${before[$t-$n]}" "${held[$t-$n]}" "$n")" "$(mb "${after[$t-$n]}")" | tee -a "$out.txt"
done; done
num() { [ -n "${1:-}" ] && [ "$1" != - ] && echo "$1" || echo null; }
{
  printf '{"benchmark":"rowlocks","time":"%s","host":"%s","cores":%s,"memory":"sum of Pss, kB","results":[' \
    "$stamp" "$(hostname)" "$(nproc)"
  sep=
  for t in holdfast pg; do for n in $points; do
    printf '%s{"target":"%s","rows":%s,"seconds":%s,"mem_before_kb":%s,"mem_peak_kb":%s,"mem_held_kb":%s,"mem_after_kb":%s}' \
      "$sep" "$t" "$n" "$(num "${secs[$t-$n]:-}")" "$(num "${before[$t-$n]:-}")" "$(num "${peak[$t-$n]:-}")" \
      "$(num "${held[$t-$n]:-}")" "$(num "${after[$t-$n]:-}")"
    sep=,
  done; done
  printf ']}\n'
} >"$out.json"
for n in $points; do
  row="$n"
  for t in holdfast pg; do
    if [ -n "${secs[$t-$n]:-}" ]; then
      row+=" ${secs[$t-$n]} $(mb $((peak[$t-$n] - before[$t-$n]))) $(mb $((held[$t-$n] - before[$t-$n])))"
    else
      row+=" NaN NaN NaN"
    fi
  done
  echo "$row"
done >"$work/plot.dat"
if [ "$(echo $points | wc -w)" -gt 1 ]; then
  gnuplot <<GP 2>/dev/null
set terminal pngcairo size 1100,450 noenhanced
set output "$out.png"
set multiplot layout 1,2 title "one transaction: SELECT count(*) FROM (SELECT id FROM big FOR UPDATE) s (fsync on)"
set xlabel "rows locked"
set grid
set key top left
set yrange [0:*]
set ylabel "seconds"
plot "$work/plot.dat" using 1:2 with linespoints lw 2 title "holdfast", \
     "" using 1:5 with linespoints lw 2 title "PostgreSQL 15"
set ylabel "server memory growth (MB)"
plot "$work/plot.dat" using 1:3 with linespoints lw 2 title "holdfast peak", \
     "" using 1:4 with linespoints lw 2 dt 2 title "holdfast held", \
     "" using 1:6 with linespoints lw 2 title "PostgreSQL peak", \
     "" using 1:7 with linespoints lw 2 dt 2 title "PostgreSQL held"
unset multiplot
GP
fi
echo "results: $out.txt $out.json$([ -f "$out.png" ] && echo " $out.png")"
