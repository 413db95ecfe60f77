#!/usr/bin/env bash
# bench/queue_churn.sh [--minutes N] [--clients C] [--targets "holdfast pg"] — a job queue under
# insert/delete churn: producers append jobs at one end, workers claim and delete at the other
# (DELETE ... WHERE id = (SELECT ... ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)), so every
# claim's scan starts where earlier claims left deleted versions behind. Issue 8 asks that the
# claim latency at the end stay within 1.5x of the first minute's: this prints the claim
# latency (mean and p99) per minute for each target, their last/first ratio, and writes
# bench/results/queue_churn-<time>.txt/.json/.png (latency over time).
# Defaults: 30 minutes, 4 clients (each transaction is one claim or one insert, half each),
# a backlog of HF_CHURN_BACKLOG jobs (default 20000) loaded first so the queue never runs dry.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
minutes=30 clients=4 targets="holdfast pg" backlog=${HF_CHURN_BACKLOG:-20000}
while [ $# -gt 0 ]; do
  case $1 in
    --minutes) minutes=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --targets) targets=$2; shift 2 ;;
    *) sed -n 2,10p "$0"; exit 2 ;;
  esac
done
cat >"$work/claim.sql" <<'SQL'
DELETE FROM jobs WHERE id = (SELECT id FROM jobs ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id, payload;
SQL
cat >"$work/produce.sql" <<'SQL'
INSERT INTO jobs (payload) VALUES ('{"kind":"email","attempt":0,"body":"a job payload of about a hundred bytes, as queues carry"}');
SQL
secs=$((minutes * 60))
declare -A first_mean last_mean first_p99 last_p99 claims
for t in $targets; do
  echo "== $t: starting"
  if ! target_start "$t"; then echo "== $t: not functional, skipped"; target_stop "$t"; continue; fi
  sql "$t" "CREATE SEQUENCE jobs_id_seq;
            CREATE TABLE jobs (id bigint PRIMARY KEY DEFAULT nextval('jobs_id_seq'), payload text NOT NULL);" ||
    { target_stop "$t"; continue; }
  sql "$t" "INSERT INTO jobs (payload) SELECT 'backlog ' || g FROM generate_series(1, $backlog) g" >/dev/null ||
    { target_stop "$t"; continue; }
  echo "   $backlog jobs loaded; churning for $minutes min with $clients clients"
  rm -f "$work/$t-churn".*
  pgb "$t" -n -M prepared -f "$work/claim.sql@1" -f "$work/produce.sql@1" -c "$clients" -j 2 -T "$secs" \
    -P 60 -l --log-prefix="$work/$t-churn" >"$work/$t-churn.log" 2>&1
  # pgbench -l with several scripts: client tx_no latency_us script_no epoch_s epoch_us.
  # Script 0 is the claim. One line per minute: minute claims mean_ms p99_ms.
  cat "$work/$t-churn".[0-9]* 2>/dev/null | awk '$4 == 0 {print $5, $3}' | sort -n |
    awk 'NR == 1 {t0 = $1} {print int(($1 - t0) / 60) + 1, $2}' | sort -k1,1n -k2,2n |
    awk 'function emit() { p = int(k * 0.99); if (p < 1) p = 1; printf "%d %d %.3f %.3f\n", m, k, sum / k / 1000, a[p] / 1000 }
         $1 != m { if (k) emit(); m = $1; k = 0; sum = 0 }
         { a[++k] = $2; sum += $2 }
         END { if (k) emit() }' >"$work/$t-minutes.dat"
  if [ ! -s "$work/$t-minutes.dat" ]; then
    echo "   no claims logged:"; tail -5 "$work/$t-churn.log"; target_stop "$t"; continue
  fi
  # The last minute is partial when the run ends mid-minute: compare the first full minute
  # with the last full one.
  full=$(awk -v m="$minutes" '$1 <= m' "$work/$t-minutes.dat")
  read -r _ _ first_mean[$t] first_p99[$t] < <(echo "$full" | head -1)
  read -r _ _ last_mean[$t] last_p99[$t] < <(echo "$full" | tail -1)
  claims[$t]=$(awk '{s += $2} END {print s}' "$work/$t-minutes.dat")
  cp "$work/$t-minutes.dat" "$work/$t-minutes.keep"
  echo "   minute  claims  mean ms  p99 ms"
  awk '{printf "   %6d %7d %8.3f %7.3f\n", $1, $2, $3, $4}' "$work/$t-minutes.dat"
  left=$(sql "$t" "SELECT count(*) FROM jobs")
  echo "   jobs left in the queue: $left"
  target_stop "$t"
done

out=$results/queue_churn-$stamp
{
  printf '\nqueue churn, %s min, %s clients (claim latency, ms)\n' "$minutes" "$clients"
  printf '%-10s %10s %12s %12s %12s %12s %14s\n' target claims "first mean" "last mean" "first p99" \
    "last p99" "last/first p99"
  for t in $targets; do
    [ -n "${claims[$t]:-}" ] || continue
    printf '%-10s %10s %12s %12s %12s %12s %14s\n' "$t" "${claims[$t]}" "${first_mean[$t]}" \
      "${last_mean[$t]}" "${first_p99[$t]}" "${last_p99[$t]}" "$(ratio "${last_p99[$t]}" "${first_p99[$t]}")"
  done
} | tee "$out.txt"
{
  printf '{"benchmark":"queue_churn","time":"%s","minutes":%s,"clients":%s,"host":"%s","cores":%s,"targets":{' \
    "$stamp" "$minutes" "$clients" "$(hostname)" "$(nproc)"
  sep=
  for t in $targets; do
    [ -f "$work/$t-minutes.keep" ] || continue
    printf '%s"%s":[' "$sep" "$t"
    awk '{printf "%s{\"minute\":%d,\"claims\":%d,\"mean_ms\":%s,\"p99_ms\":%s}", (NR > 1 ? "," : ""), $1, $2, $3, $4}' \
      "$work/$t-minutes.keep"
    printf ']'
    sep=,
  done
  printf '}}\n'
} >"$out.json"
plots=() sep=
for t in $targets; do
  [ -f "$work/$t-minutes.keep" ] || continue
  plots+=("$sep\"$work/$t-minutes.keep\" using 1:4 with linespoints lw 2 title \"$t p99\", \"$work/$t-minutes.keep\" using 1:3 with lines dt 2 title \"$t mean\"")
  sep=", "
done
if [ ${#plots[@]} -gt 0 ]; then
  gnuplot <<GP 2>/dev/null
set terminal pngcairo size 800,500 noenhanced
set output "$out.png"
set title "queue churn: claim latency per minute ($clients clients, fsync on)"
set xlabel "minute"
set ylabel "claim latency (ms)"
set yrange [0:*]
set grid
plot ${plots[*]}
GP
fi
echo "results: $out.txt $out.json $out.png"
