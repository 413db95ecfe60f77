#!/usr/bin/env bash
# tests/crash/crash_test.sh — no acknowledged commit is lost and no transaction is half applied
# when the server dies mid-load.
#   crash_test.sh [--target holdfast|pg] [--rounds N] [--workload tpcb|bank]
# Loads the workload's tables, then N times (default 3): runs `pgbench -c 4 -j 2 -T 8` in the
# background, kills the server hard 2-7 s into the run (holdfast: SIGKILL; PostgreSQL:
# pg_ctl stop -m immediate), restarts it and checks atomicity and durability:
#   tpcb (pgbench's TPC-B, -s 1): sum(abalance) = sum(bbalance) = sum(tbalance) =
#        sum(history.delta), and count(history) >= the transactions pgbench saw commit;
#   bank (transfers between 1,000 accounts, READ COMMITTED, both rows locked FOR UPDATE in id
#        order, each transfer logged): the total is unchanged, every account's balance equals
#        its opening balance plus the transfers logged for it, and count(transfers) >= the
#        transfers pgbench saw commit.
# Acknowledged commits are counted from pgbench's per-transaction log (-l): pgbench writes a
# line only after the COMMIT's answer arrived, and pgbench itself is not killed (its clients
# abort when the server goes away, and it flushes its logs), so the count is a lower bound of
# what the server acknowledged; a commit whose answer was lost may be logged too (>=).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
target=holdfast rounds=3 workload=tpcb
while [ $# -gt 0 ]; do
  case $1 in
    --target) target=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --workload) workload=$2; shift 2 ;;
    *) sed -n 2,18p "$0"; exit 2 ;;
  esac
done
case $workload in tpcb | bank) ;; *) echo "unknown workload: $workload"; exit 2 ;; esac
work=$(mktemp -d /tmp/hf-crash-XXXX)
chmod 755 "$work"
port=$(bash "$root/scripts/freeport.sh")

start_server() {
  case $target in
    holdfast) bash "$root/scripts/server.sh" start --port "$port" --data "$work/data" --log "$work/holdfast.log" >/dev/null ;;
    pg) bash "$root/scripts/pg.sh" start "$port" "$work/pg" >/dev/null ;;
  esac
}
crash_server() {
  case $target in
    holdfast) bash "$root/scripts/server.sh" kill --port "$port" >/dev/null ;;
    pg) bash "$root/scripts/pg.sh" stop "$port" "$work/pg" immediate >/dev/null ;;
  esac
}
stop_server() {
  case $target in
    holdfast) bash "$root/scripts/server.sh" stop --port "$port" >/dev/null 2>&1 ;;
    pg) bash "$root/scripts/pg.sh" stop "$port" "$work/pg" >/dev/null 2>&1 ;;
  esac
}
cleanup() { stop_server; [ -n "${HF_KEEP:-}" ] && echo "kept: $work" || rm -rf "$work"; }
trap cleanup EXIT
q() { psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -Atc "$1"; }
die() { echo "crash test FAILED: $*"; exit 1; }

start_server || die "server did not start"
script=()
if [ "$workload" = tpcb ]; then
  pgbench -i -q -s 1 -h 127.0.0.1 -p "$port" -U postgres postgres >"$work/init.log" 2>&1 \
    || { cat "$work/init.log"; die "pgbench -i failed"; }
else
  q "CREATE TABLE accounts (id int PRIMARY KEY, balance bigint NOT NULL);
     INSERT INTO accounts SELECT g, 1000 FROM generate_series(1, 1000) g;
     CREATE TABLE transfers (src int NOT NULL, dst int NOT NULL, amount int NOT NULL);" \
    >"$work/init.log" 2>&1 || { cat "$work/init.log"; die "loading the accounts failed"; }
  cat >"$work/transfer.sql" <<'SQL'
\set a random(1, 1000)
\set b random(1, 1000)
\set amount random(1, 100)
BEGIN;
SELECT id FROM accounts WHERE id IN (:a, :b) ORDER BY id FOR UPDATE;
UPDATE accounts SET balance = balance - :amount WHERE id = :a;
UPDATE accounts SET balance = balance + :amount WHERE id = :b;
INSERT INTO transfers VALUES (:a, :b, :amount);
COMMIT;
SQL
  script=(-f "$work/transfer.sql")
fi

# After a restart: "ok|line" for the round's report, atomicity checked, and the number of
# logged transactions in $logged.
check_tpcb() {
  local sums a b t d
  sums=$(q "SELECT (SELECT sum(abalance) FROM pgbench_accounts), (SELECT sum(bbalance) FROM pgbench_branches),
                   (SELECT sum(tbalance) FROM pgbench_tellers), (SELECT coalesce(sum(delta), 0) FROM pgbench_history),
                   (SELECT count(*) FROM pgbench_history)") || die "query after restart $r failed"
  IFS='|' read -r a b t d logged <<<"$sums"
  report="history $logged; sums a=$a b=$b t=$t delta=$d"
  [ "$a" = "$b" ] && [ "$b" = "$t" ] && [ "$t" = "$d" ] || die "balances disagree after crash $r: $report"
}
check_bank() {
  local res total wrong
  res=$(q "SELECT (SELECT sum(balance) FROM accounts), (SELECT count(*) FROM transfers),
                  (SELECT count(*) FROM accounts a LEFT JOIN
                     (SELECT id, sum(d) AS d FROM (SELECT src AS id, -amount AS d FROM transfers
                                                   UNION ALL SELECT dst, amount FROM transfers) x
                      GROUP BY id) m ON m.id = a.id
                   WHERE a.balance <> 1000 + coalesce(m.d, 0))") || die "query after restart $r failed"
  IFS='|' read -r total logged wrong <<<"$res"
  report="transfers $logged; total $total; accounts not matching their transfers: $wrong"
  [ "$total" = 1000000 ] && [ "$wrong" = 0 ] || die "balances disagree after crash $r: $report"
}

committed=0
for r in $(seq "$rounds"); do
  pgbench -n "${script[@]}" -c 4 -j 2 -T 8 -l --log-prefix="$work/r$r" -h 127.0.0.1 -p "$port" -U postgres postgres \
    >"$work/run$r.log" 2>&1 &
  bench=$!
  after=$((2 + (r - 1) % 6))  # 2-7 s: always while pgbench (-T 8) runs
  sleep "$after"
  crash_server || die "could not kill the server"
  wait "$bench"  # pgbench's clients abort: non-zero exit expected
  # A log line is "client txn_no latency_us script_no epoch_s epoch_us"; failed or skipped
  # transactions have a word instead of a latency and do not count.
  n=$(cat "$work"/r"$r".* 2>/dev/null | awk '$3 ~ /^[0-9]+$/' | wc -l)
  processed=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$work/run$r.log")
  committed=$((committed + n))
  start_server || die "server did not restart after crash $r"
  "check_$workload"
  echo "round $r: killed after $after s; acknowledged this round $n (pgbench 'processed': ${processed:-?}), total $committed; $report"
  [ "$logged" -ge "$committed" ] || die "$logged transactions logged but $committed commits were acknowledged"
  [ "$n" -gt 0 ] || die "no transaction committed in round $r (is the server working?)"
done
echo "crash test ($workload) on $target: ok ($rounds crashes, $committed acknowledged commits, none lost)"
