#!/usr/bin/env bash
# bench/claim_loop.sh [--secs S] [--clients C] [--jobs N] [--workloads "driver oban delete"]
#   [--targets "holdfast pg"] [--runs R] — job-queue claim loops as the queue libraries and the
# drivers' loops (tests/e2e/driver_queues.sh) write them, on holdfast and PostgreSQL 15 (fsync
# on) in the same run, with pgbench -M prepared; each transaction claims and completes one job:
#   driver  BEGIN; SELECT id FROM jobs WHERE state = 'queued' ORDER BY id LIMIT 1 FOR UPDATE
#           SKIP LOCKED; UPDATE jobs SET state = 'done', ... WHERE id = $1; COMMIT
#           (driver_queues.sh's table: primary key only, so every claim steps over the done rows)
#   oban    BEGIN; UPDATE jobs SET state = 'executing' WHERE id IN (SELECT id FROM jobs WHERE
#           state = 'available' AND queue = 'default' ORDER BY priority, id LIMIT 1 FOR UPDATE
#           SKIP LOCKED) RETURNING id; UPDATE jobs SET state = 'completed' WHERE id = $1; COMMIT
#           (a partial index ON (queue, priority, id) WHERE state = 'available', as Oban/River)
#   delete  DELETE FROM jobs WHERE id = (SELECT id FROM jobs ORDER BY id LIMIT 1 FOR UPDATE
#           SKIP LOCKED) RETURNING id   (autocommit; the queue drained from its front)
# Defaults: 20 s per run, 8 clients, 200,000 jobs (driver: 40,000), every workload, 1 run.
# Prints jobs/s per workload and target (each run, then the ratio of the means), writes
# bench/results/claim_loop-<time>.txt/.json. HF_PERF=1: records `perf record -g` of holdfast
# during its runs and keeps the top of `perf report` in bench/results/claim_loop-<time>-perf-W.txt.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
secs=20 clients=8 jobs= workloads="driver oban delete" targets="holdfast pg" runs=1
while [ $# -gt 0 ]; do
  case $1 in
    --secs) secs=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --workloads) workloads=$2; shift 2 ;;
    --targets) targets=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    *) sed -n 2,19p "$0"; exit 2 ;;
  esac
done

cat >"$work/driver.sql" <<'SQL'
BEGIN;
SELECT id FROM jobs WHERE state = 'queued' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED \gset
UPDATE jobs SET state = 'done', worker = :client_id, claims = claims + 1 WHERE id = :id;
COMMIT;
SQL
cat >"$work/oban.sql" <<'SQL'
BEGIN;
UPDATE jobs SET state = 'executing', attempt = attempt + 1 WHERE id IN (SELECT id FROM jobs WHERE state = 'available' AND queue = 'default' ORDER BY priority, id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id \gset
UPDATE jobs SET state = 'completed' WHERE id = :id;
COMMIT;
SQL
cat >"$work/delete.sql" <<'SQL'
DELETE FROM jobs WHERE id = (SELECT id FROM jobs ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id;
SQL

# setup TARGET WORKLOAD N: a fresh jobs table with N jobs (50,000 per INSERT).
setup() {
  local t=$1 w=$2 n=$3 a b ddl row
  case $w in
    driver)
      ddl="CREATE TABLE jobs (id int PRIMARY KEY, payload text NOT NULL,
             state text NOT NULL DEFAULT 'queued', worker int, claims int NOT NULL DEFAULT 0)"
      row="g, 'job ' || g" ;;
    oban)
      ddl="CREATE TABLE jobs (id bigint PRIMARY KEY, queue text NOT NULL, state text NOT NULL,
             priority int NOT NULL, attempt int NOT NULL DEFAULT 0, payload text NOT NULL);
           CREATE INDEX jobs_fetch ON jobs (queue, priority, id) WHERE state = 'available'"
      row="g, 'default', 'available', g % 4, 0, '{\"job\": ' || g || '}'" ;;
    delete)
      ddl="CREATE TABLE jobs (id bigint PRIMARY KEY, payload text NOT NULL)"
      row="g, 'job ' || g" ;;
  esac
  sql "$t" "DROP TABLE IF EXISTS jobs" >/dev/null 2>&1
  sql "$t" "$ddl" >/dev/null || return 1
  for ((a = 1; a <= n; a += 50000)); do
    b=$((a + 49999 < n ? a + 49999 : n))
    sql "$t" "INSERT INTO jobs SELECT $row FROM generate_series($a, $b) g" >/dev/null || return 1
  done
  sql "$t" "ANALYZE jobs" >/dev/null 2>&1
  return 0
}
left() {  # jobs not yet claimed
  case $2 in
    driver) sql "$1" "SELECT count(*) FROM jobs WHERE state = 'queued'" ;;
    oban) sql "$1" "SELECT count(*) FROM jobs WHERE state = 'available'" ;;
    delete) sql "$1" "SELECT count(*) FROM jobs" ;;
  esac
}

declare -A tps
for t in $targets; do
  echo "== $t: starting"
  if ! target_start "$t"; then echo "== $t: not functional, skipped"; target_stop "$t"; continue; fi
  for w in $workloads; do
    n=${jobs:-200000}
    [ "$w" = driver ] && n=${jobs:-40000}
    for ((r = 1; r <= runs; r++)); do
      setup "$t" "$w" "$n" || { echo "   $w: setup failed"; continue; }
      perf_pid=
      if [ "$t" = holdfast ] && [ -n "${HF_PERF:-}" ]; then
        perf record -g -o "$work/perf-$w.data" -p "$(cat "${TMPDIR:-/tmp}/holdfast-${bench_port[$t]}.pid")" \
          >/dev/null 2>&1 &
        perf_pid=$!
      fi
      pgb "$t" -n -M prepared -f "$work/$w.sql" -c "$clients" -j 2 -T "$secs" >"$work/$t-$w-$r.log" 2>&1
      if [ -n "$perf_pid" ]; then
        kill -INT "$perf_pid"; wait "$perf_pid"
        perf report -i "$work/perf-$w.data" --no-children --percent-limit 0.7 --stdio -g none \
          2>/dev/null | grep -v '^#' | grep -v '^$' | head -40 >"$results/claim_loop-$stamp-perf-$w.txt"
      fi
      read -r v _ < <(parse_pgbench <"$work/$t-$w-$r.log")
      tps[$t-$w]+="$v "
      echo "   $w run $r: $v jobs/s ($(left "$t" "$w") of $n jobs left)"
      grep -m3 -i 'error\|abort' "$work/$t-$w-$r.log" | sed 's/^/     /'
    done
  done
  target_stop "$t"
done

each() { [ -n "$1" ] && printf '%.0f ' $1 || echo -; }
mean() { awk '{s = 0; n = 0; for (i = 1; i <= NF; i++) if ($i != "-") {s += $i; n++}
               if (n) printf "%.0f", s / n; else print "-"}' <<<"$1"; }
out=$results/claim_loop-$stamp
{
  printf '\nclaim loops: %s clients, %s s per run, %s run(s) per point\n' "$clients" "$secs" "$runs"
  printf '%-8s %-28s %-28s %8s\n' workload "holdfast jobs/s (each run)" "PG jobs/s (each run)" ratio
  for w in $workloads; do
    h=${tps[holdfast-$w]:-} p=${tps[pg-$w]:-}
    printf '%-8s %-28s %-28s %8s\n' "$w" "$(each "$h")" "$(each "$p")" "$(ratio "$(mean "$h")" "$(mean "$p")")"
  done
} | tee "$out.txt"
{
  printf '{"benchmark":"claim_loop","time":"%s","seconds":%s,"clients":%s,"host":"%s","results":[' \
    "$stamp" "$secs" "$clients" "$(hostname)"
  sep=
  for t in holdfast pg; do for w in $workloads; do
    printf '%s{"target":"%s","workload":"%s","jobs_per_s":[%s]}' "$sep" "$t" "$w" \
      "$(echo ${tps[$t-$w]:-} | sed 's/ /,/g; s/-/null/g')"
    sep=,
  done; done
  printf ']}\n'
} >"$out.json"
echo "results: $out.txt $out.json"
