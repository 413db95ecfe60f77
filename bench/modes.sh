#!/usr/bin/env bash
# bench/modes.sh [--quick] [--clients "8 32"] — which concurrency mode wins where (issue 10):
# pgbench with --max-tries 10 (a transaction that fails with 40001 / 40P01 is retried) on
#   tpcb:    pgbench's TPC-B-like script, scale 10 (-M prepared)
#   hot row: BEGIN; SELECT v FROM hot WHERE id = 1 FOR UPDATE; UPDATE hot ...; COMMIT;
#   accounts: the same on a random row of pgbench_accounts (1,000,000 rows): little contention
#   temporal: Temporal's workload (bench/driver, 16 clients, 512 shards; workflows/s, failed
#             workflows, conflicts retried by the driver's retry library)
# on holdfast pessimistic (PostgreSQL's behaviour), holdfast optimistic (PGOPTIONS
# "-c holdfast.concurrency=optimistic") and PostgreSQL 15 (pessimistic), all with fsync on,
# in the same run. Prints tps, p99 latency (from pgbench -l, retries included), failed
# transactions and retries per target and mode as a table; writes bench/results/modes-<time>
# .txt/.json and a .png of tps. --quick: 10 s per point instead of 30.
# (For temporal the retried column counts conflicts.)
set -uo pipefail
source "$(dirname "$0")/lib.sh"
secs=30 client_counts="8 32"
while [ $# -gt 0 ]; do
  case $1 in
    --quick) secs=10; shift ;;
    --clients) client_counts=$2; shift 2 ;;
    *) sed -n 2,10p "$0"; exit 2 ;;
  esac
done
cp "$root/bench/sql/hot_row.sql" "$work/hot.sql"  # one hot row FOR UPDATE, shared with modes.sh / hotrow.sh
cat >"$work/accounts.sql" <<'SQL'
\set aid random(1, 100000 * :scale)
BEGIN;
SELECT abalance FROM pgbench_accounts WHERE aid = :aid FOR UPDATE;
UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid = :aid;
COMMIT;
SQL
driver=$root/${HF_BUILD_PREFIX:-build}/bench/hf_bench
[ -x "$driver" ] || { echo "no $driver: build first (scripts/build.sh normal)" >&2; exit 1; }
seed=$(date +%s)
# failed and retried transactions from pgbench's summary
parse_failures() {
  awk '/^number of failed transactions:/{f=$5} /^number of transactions retried:/{r=$5}
       END{printf "%s %s\n", (f==""?"0":f), (r==""?"0":r)}'
}
declare -A tps p99 failed retried
runs=()
for t in holdfast pg; do
  echo "== $t: starting"
  if ! target_start "$t"; then echo "== $t: not functional, skipped"; target_stop "$t"; continue; fi
  pgb "$t" -i -s 10 -q >"$work/$t-init.log" 2>&1 || { echo "   pgbench -i failed"; target_stop "$t"; continue; }
  sql "$t" "CREATE TABLE hot (id int PRIMARY KEY, v bigint NOT NULL); INSERT INTO hot VALUES (1, 0);"
  modes=pessimistic; [ "$t" = holdfast ] && modes="pessimistic optimistic"
  for m in $modes; do
    for w in tpcb hot accounts; do
      for c in $client_counts; do
        key=$t-$m-$w-$c
        [[ " ${runs[*]} " == *" $m-$w-$c "* ]] || runs+=("$m-$w-$c")
        script=(-b tpcb-like); [ $w = tpcb ] || script=(-f "$work/$w.sql")
        rm -f "$work/$key".[0-9]*
        opts="-c holdfast.concurrency=$m"; [ "$t" = pg ] && opts=
        PGOPTIONS=$opts pgb "$t" -n -M prepared "${script[@]}" -c "$c" -j 2 -T "$secs" \
          --max-tries 10 -l --log-prefix="$work/$key" >"$work/$key.log" 2>&1
        read -r tps[$key] _ < <(parse_pgbench <"$work/$key.log")
        read -r failed[$key] retried[$key] < <(parse_failures <"$work/$key.log")
        p99[$key]=$(p99_ms "$work/$key".[0-9]*)
        echo "   $m $w $c clients: tps ${tps[$key]}, p99 ${p99[$key]} ms, failed ${failed[$key]}, retried ${retried[$key]}"
      done
    done
  done
  # Temporal's workload (bench/driver, as bench/temporal.sh runs it) at 16 clients, each mode;
  # the driver retries 40001 / 40P01 with the retry library (client/retry.h).
  for m in $modes; do
    key=$t-$m-temporal-16
    opts="-c holdfast.concurrency=$m"; [ "$t" = pg ] && opts=
    PGOPTIONS=$opts timeout $((secs + 900)) "$driver" --port "${bench_port[$t]}" --label "$t-$m" \
      --clients 16 --seconds "$secs" --warmup 2 --seed "$seed" -D shards=512 >"$work/$key.log" 2>&1
    line=$(grep '^RESULT ' "$work/$key.log")
    field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$line"; }
    tps[$key]=$(field units_per_s) p99[$key]=$(field p99_ms) failed[$key]=$(field failed)
    retried[$key]=$(field conflicts)
    echo "   $m temporal 16 clients: ${tps[$key]:-?} workflows/s, p99 ${p99[$key]:-?} ms, failed ${failed[$key]:-?}, conflicts ${retried[$key]:-?}"
  done
  target_stop "$t"
done

out=$results/modes-$stamp
printf '\n%-8s %-8s %-12s %10s %10s %8s %10s\n' workload clients target tps "p99 (ms)" failed retried | tee "$out.txt"
rows=()
for w in tpcb hot accounts; do for c in $client_counts; do rows+=("$w $c"); done; done
rows+=("temporal 16")
for row in "${rows[@]}"; do
  read -r w c <<<"$row"
  for tm in holdfast-pessimistic holdfast-optimistic pg-pessimistic; do
    key=$tm-$w-$c
    label=${tm/holdfast-/holdfast }; [ "$tm" = pg-pessimistic ] && label="PG 15"
    printf '%-8s %-8s %-12s %10s %10s %8s %10s\n' "$w" "$c" "$label" "${tps[$key]:--}" \
      "${p99[$key]:--}" "${failed[$key]:--}" "${retried[$key]:--}" | tee -a "$out.txt"
  done
done
num() { [ -n "${1:-}" ] && [ "$1" != - ] && echo "$1" || echo null; }
{
  printf '{"benchmark":"modes","time":"%s","seconds":%s,"host":"%s","cores":%s,"results":[' \
    "$stamp" "$secs" "$(hostname)" "$(nproc)"
  sep=
  for tm in holdfast-pessimistic holdfast-optimistic pg-pessimistic; do
    for row in "${rows[@]}"; do
      read -r w c <<<"$row"
      key=$tm-$w-$c
      printf '%s{"target":"%s","mode":"%s","workload":"%s","clients":%s,"tps":%s,"p99_ms":%s,"failed":%s,"retried":%s}' \
        "$sep" "${tm%%-*}" "${tm#*-}" "$w" "$c" "$(num "${tps[$key]:-}")" "$(num "${p99[$key]:-}")" \
        "$(num "${failed[$key]:-}")" "$(num "${retried[$key]:-}")"
      sep=,
    done
  done
  printf ']}\n'
} >"$out.json"
i=0
for w in tpcb hot accounts; do for c in $client_counts; do
  printf '%s "%s %s" %s %s %s\n' "$i" "$w" "$c" "${tps[holdfast-pessimistic-$w-$c]:-NaN}" \
    "${tps[holdfast-optimistic-$w-$c]:-NaN}" "${tps[pg-pessimistic-$w-$c]:-NaN}"
  i=$((i + 1))
done; done | sed 's/ - / NaN /g; s/ -$/ NaN/' >"$work/plot.dat"
gnuplot <<GP 2>/dev/null
set terminal pngcairo size 900,500 noenhanced
set output "$out.png"
set title "concurrency modes: tps with pgbench --max-tries 10 (${secs}s per point, fsync on)"
set style data histogram
set style histogram cluster gap 1
set style fill solid 0.8
set ylabel "tps"
set yrange [0:*]
set grid ytics
plot "$work/plot.dat" using 3:xtic(2) title "holdfast pessimistic", \
     "" using 4 title "holdfast optimistic", "" using 5 title "PostgreSQL 15"
GP
echo "results: $out.txt $out.json $out.png"
