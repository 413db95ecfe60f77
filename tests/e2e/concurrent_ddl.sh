#!/usr/bin/env bash
# tests/e2e/concurrent_ddl.sh [--target holdfast|pg] — DDL from several sessions that share one
# executor thread never stalls the server. holdfast runs with --threads 1, so every session is
# a fiber of one thread; a catalog change holds the catalog's DDL mutex across its commit, and
# the commit parks the fiber until its fsync is done. A second session's DDL then waits for
# that mutex: it must park too (runtime::FiberMutex), not block the thread, or the holder never
# runs again and every session hangs (pg-regress hung so in CREATE TABLE). Four sessions create,
# alter and drop tables, sequences and schemas at once, each within a time limit.
# Exit 0 on pass, 1 on fail.
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
if [ "$target" = holdfast ]; then e2e_start -- --threads 1; else e2e_start; fi

rounds=25
pids=()
for s in 1 2 3 4; do
  (
    for i in $(seq 1 $rounds); do
      echo "create table ddl_${s}_$i (id serial primary key, v text);"
      echo "alter table ddl_${s}_$i add column w int;"
      echo "create schema ddl_s_${s}_$i; create sequence ddl_s_${s}_$i.q_${s}_$i;"
      echo "insert into ddl_${s}_$i (v, w) values ('x', 1);"
      echo "drop schema ddl_s_${s}_$i cascade; drop table ddl_${s}_$i;"
    done
  ) | timeout 90 psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres \
        >"$work/ddl_$s.out" 2>&1 &
  pids+=($!)
done
for s in 1 2 3 4; do
  if wait "${pids[$((s - 1))]}"; then
    ok "session $s ran $rounds rounds of DDL"
  else
    bad "session $s did not finish its DDL (rc $?; 124 is the 90 s limit): $(tail -n 2 "$work/ddl_$s.out")"
  fi
done

# Two transactions' CREATE INDEX of one table, the first then writing the table: PostgreSQL
# builds both at once and the INSERT waits for the second's commit; holdfast runs them one
# after the other, the second waiting as a lock wait (sql/exec/lock_table_stmt.cc), so the
# INSERT goes first. Either way both finish: before, holdfast's second waited where deadlock
# detection could not see it while the INSERT waited for its SHARE lock, for ever.
q "create table ci_pair (a int, b int); insert into ci_pair values (1, 1)" >/dev/null
echo "begin; create index ci_pair_a on ci_pair (a); select pg_sleep(1);
      insert into ci_pair values (2, 2); commit;" |
  timeout 20 psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres \
    >"$work/ci_1.out" 2>&1 &
ci_first=$!
sleep 0.3
echo "begin; create index ci_pair_b on ci_pair (b); commit;" |
  timeout 20 psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres \
    >"$work/ci_2.out" 2>&1
ci_second=$?
wait $ci_first
ci_first=$?
check_eq "two transactions' CREATE INDEX of one table, then the first one's INSERT: both end" \
  "0 0" "$ci_first $ci_second"
check_eq "both indexes and rows are there" "2 2" \
  "$(q "select (select count(*) from pg_indexes where tablename = 'ci_pair'), count(*) from ci_pair" | tr '|' ' ')"
q "drop table ci_pair" >/dev/null
check_eq "no table of the sessions is left" "0" \
  "$(q "select count(*) from pg_class where relname like 'ddl\_%'")"
check_eq "the server answers after" "1" "$(q 'select 1')"
e2e_finish
