#!/usr/bin/env bash
# tests/e2e/bulk_load.sh — bulk loading (issue 8): COPY into a table its transaction created or
# truncated in the current subtransaction, and ALTER TABLE's rewrite, store rows without locks
# or intents (coord/transaction.h, bulk loading). Checks:
#   1. bulk_load/bulk_load.sql gives PostgreSQL 15's output (bulk_load/bulk_load.out): COPY
#      FREEZE's errors, savepoints and RELEASE, duplicate keys in and out of order, rollbacks;
#   2. (holdfast) a committed load survives kill -9 of the server, an aborted one leaves the
#      table as it was, and none of the rows of a load the crash interrupted ever appear.
#   bulk_load.sh [--target holdfast|pg]
# Exit 0 pass, 1 fail.
set -uo pipefail
source "$(cd "$(dirname "$0")" && pwd)/lib.sh"
e2e_init "$@"
e2e_start

psql_c() { psql -X -At -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "$1" 2>&1; }

# 1. PostgreSQL's output, statement by statement.
psql -X -h 127.0.0.1 -p "$port" -U postgres -d postgres -f "$e2e_here/bulk_load/bulk_load.sql" \
  >"$work/bulk_load.out" 2>&1
(cd "$e2e_here/bulk_load" && sed 's|psql:[^:]*bulk_load.sql:|psql:bulk_load.sql:|' \
  "$work/bulk_load.out" >"$work/bulk_load.norm")
if diff -u "$e2e_here/bulk_load/bulk_load.out" "$work/bulk_load.norm" >"$work/bulk_load.diff"; then
  ok "bulk_load.sql: PostgreSQL's output"
else
  bad "bulk_load.sql differs from PostgreSQL's output:"
  head -n 40 "$work/bulk_load.diff"
fi

# 2. Durability across kill -9 (holdfast: PostgreSQL's crash recovery is not under test).
if [ "$target" = holdfast ]; then
  rows=20000
  gen() { seq "$1" "$2" | awk '{print $1 "\t" $1 * 3 "\tfiller-" $1}'; }
  psql_c "CREATE TABLE bl_kept (a int PRIMARY KEY, b int, c text)" >/dev/null
  { echo "BEGIN; TRUNCATE bl_kept; COPY bl_kept FROM STDIN;"; gen 1 $rows; echo '\.'; echo "COMMIT;"
  } | psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres >/dev/null 2>&1
  { echo "BEGIN; TRUNCATE bl_kept; COPY bl_kept FROM STDIN;"; gen 1 5; echo '\.'; echo "ROLLBACK;"
  } | psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres >/dev/null 2>&1
  expect="$rows|$((rows * (rows + 1) / 2 * 3))"
  check_eq "committed load, before the crash" "$expect" "$(psql_c "SELECT count(*), sum(b) FROM bl_kept")"
  # A load under way when the server dies: its rows must not appear anywhere afterwards.
  psql_c "CREATE TABLE bl_cut (a int, b int, c text); INSERT INTO bl_cut VALUES (0, 0, 'before')" >/dev/null
  { echo "BEGIN; TRUNCATE bl_cut; COPY bl_cut FROM STDIN;"; gen 1 200000; echo '\.'; sleep 30
  } | psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres >/dev/null 2>&1 &
  loader=$!
  for _ in $(seq 1 100); do  # until the load finished (the session then idles in its transaction)
    [ "$(psql_c "SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction'")" = 1 ] && break
    sleep 0.1
  done
  bash "$e2e_root/scripts/server.sh" kill --port "$port" >/dev/null
  kill "$loader" 2>/dev/null; wait "$loader" 2>/dev/null
  kill -9 "${sess_pid[MON]}" 2>/dev/null; unset 'sess_pid[MON]'
  bash "$e2e_root/scripts/server.sh" start --port "$port" --data "$work/data" \
    --log "$work/holdfast.log" >/dev/null || { echo "FAIL: holdfast did not restart"; exit 1; }
  check_eq "committed load, after kill -9" "$expect" "$(psql_c "SELECT count(*), sum(b) FROM bl_kept")"
  check_eq "point read of a loaded row, after kill -9" "777|2331|filler-777" \
    "$(psql_c "SELECT * FROM bl_kept WHERE a = 777")"
  # None of its rows: the crash came before its COMMIT. (The table itself may be empty: an
  # uncommitted TRUNCATE survives a crash, catalog/catalog.h.)
  check_eq "interrupted load: none of its rows after kill -9" 0 \
    "$(psql_c "SELECT count(*) FROM bl_cut WHERE c <> 'before'")"
  check_eq "UPDATE of a loaded row" "UPDATE 1" "$(psql -X -At -h 127.0.0.1 -p "$port" -U postgres \
    -d postgres -c "UPDATE bl_kept SET b = -1 WHERE a = 5" 2>&1)"
  check_eq "loaded rows after the UPDATE" "$rows|$((rows * (rows + 1) / 2 * 3 - 16))" \
    "$(psql_c "SELECT count(*), sum(b) FROM bl_kept")"
fi
e2e_finish
