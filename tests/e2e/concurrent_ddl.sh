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
check_eq "no table of the sessions is left" "0" \
  "$(q "select count(*) from pg_class where relname like 'ddl\_%'")"
check_eq "the server answers after" "1" "$(q 'select 1')"
e2e_finish
