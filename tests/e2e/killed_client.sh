#!/usr/bin/env bash
# tests/e2e/killed_client.sh [--target holdfast|pg] — a client that goes away leaves no lock
# behind (issue 4: "a client killed while waiting or while holding locks leaves no lock
# behind"; issue 2: "a closed connection aborts its transaction and releases its locks").
#
# Run twice: once with the clients killed (kill -9: no Terminate, the kernel closes the
# socket) and once with them ending normally (Terminate). Each round:
#   1. A, in a transaction, holds a row (FOR UPDATE), a table (LOCK TABLE t2 IN SHARE MODE),
#      a session-level and a transaction-level advisory lock; B waits for A's row and F for
#      an EXCLUSIVE lock on t2. A goes away: B gets the row and F the table promptly, and
#      pg_locks / pg_stat_activity show nothing of A; A's advisory locks are free.
#   2. C waits behind B for the row and goes away while waiting: its wait disappears from
#      pg_locks, and B's UPDATE and COMMIT then go through unaffected.
#   3. D holds a session-level advisory lock outside any transaction and E waits for it; D
#      goes away: E gets it, and once E is gone too the lock is free.
# PostgreSQL notices a client gone during a lock wait only with client_connection_check_interval
# set, so for --target pg the waiting clients run with it at 100 ms (PGOPTIONS); holdfast
# notices without being asked. Exit 0 on pass, 1 on fail (each failed check is printed).
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
e2e_start

check_opts=()
[ "$target" = pg ] && check_opts=(PGOPTIONS="-c client_connection_check_interval=100")

out=$(q "create table t (id int primary key, v int); insert into t values (1, 0), (2, 0), (3, 0);
         create table t2 (id int);")
[ -n "$out" ] && { echo "FAIL: setup: $out"; exit 1; }

# count_locks PID: how many pg_locks rows the backend has.
count_locks() { q "select count(*) from pg_locks where pid = $1"; }
in_lock_wait() { wait_for "select wait_event_type from pg_stat_activity where pid = $1" Lock; }

round() {
  local how=$1  # kill | terminate
  echo "--- clients end by $how"
  end_client() {
    if [ "$how" = kill ]; then kill9 "$1"; else close_input "$1"; wait_exit "$1"; fi
  }
  q "update t set v = 0 where id = 1" >/dev/null

  # 1. A holds a row, a table and two advisory locks; B and F wait for them.
  open_psql A
  local apid bpid fpid cpid dpid epid t0 dt
  backend_pid A apid || return 1
  send A "begin;"
  send A "select id from t where id = 1 for update;"
  send A "lock table t2 in share mode;"
  send A "select pg_advisory_lock(101);"
  send A "select pg_advisory_xact_lock(102);"
  sync_psql A || { bad "$how: A could not take its locks"; dump_session A; return 1; }
  check_eq "$how: A holds two advisory locks" 2 \
    "$(q "select count(*) from pg_locks where pid = $apid and locktype = 'advisory' and granted")"
  check_eq "$how: A holds SHARE on t2" 1 \
    "$(q "select count(*) from pg_locks l join pg_class c on c.oid = l.relation
           where l.pid = $apid and c.relname = 't2' and l.mode = 'ShareLock' and l.granted")"

  open_psql B
  backend_pid B bpid || return 1
  send B "begin;"
  send B "select id, v from t where id = 1 for update;"
  in_lock_wait "$bpid" && ok "$how: B waits for A's row" || { bad "$how: B does not wait for A's row ($last_out)"; dump_session B; }

  open_psql F
  backend_pid F fpid || return 1
  send F "begin;"
  send F "lock table t2 in exclusive mode;"
  send F "select 'F-GOT';"
  in_lock_wait "$fpid" && ok "$how: F waits for t2" || bad "$how: F does not wait for t2 ($last_out)"

  t0=$(now_ms)
  end_client A
  if wait_line B '^1\|0$' 5; then
    dt=$(($(now_ms) - t0))
    if [ "$dt" -lt 3000 ]; then ok "$how: B got the row ${dt} ms after A ended"
    else bad "$how: B got the row only ${dt} ms after A ended"; fi
  else
    bad "$how: B did not get the row within 5 s of A ending"; dump_session B
  fi
  wait_line F '^F-GOT$' 5 && ok "$how: F got t2 after A ended" || { bad "$how: F did not get t2"; dump_session F; }
  wait_for "select count(*) from pg_locks where pid = $apid" 0 5 \
    && ok "$how: pg_locks shows nothing of A" || bad "$how: pg_locks still shows A's locks: $(q "select locktype, mode, granted from pg_locks where pid = $apid")"
  wait_for "select count(*) from pg_stat_activity where pid = $apid" 0 5 \
    && ok "$how: A gone from pg_stat_activity" || bad "$how: A still in pg_stat_activity"
  check_eq "$how: no advisory lock left" 0 "$(q "select count(*) from pg_locks where locktype = 'advisory'")"
  check_eq "$how: A's session advisory lock is free" t "$(q "select pg_try_advisory_xact_lock(101)")"
  check_eq "$how: A's transaction advisory lock is free" t "$(q "select pg_try_advisory_xact_lock(102)")"
  send F "commit;"
  sync_psql F || bad "$how: F could not commit"

  # 2. C waits behind B and goes away while waiting.
  if [ "$how" = kill ]; then
    open_psql C "${check_opts[@]}"
    backend_pid C cpid || return 1
    send C "begin;"
    send C "select id from t where id = 1 for update;"
  else
    open_tool C "${check_opts[@]}"
    send C pid
    wait_line C '^pid ' && cpid=${line#pid }
    send C "sync begin"
    send C "send select id from t where id = 1 for update"
  fi
  in_lock_wait "$cpid" && ok "$how: C waits behind B" || bad "$how: C does not wait behind B ($last_out)"
  t0=$(now_ms)
  if [ "$how" = kill ]; then kill9 C; else send C finish; wait_exit C; fi
  if wait_for "select count(*) from pg_locks where pid = $cpid" 0 5; then
    ok "$how: C's wait left pg_locks $(($(now_ms) - t0)) ms after C ended"
  else
    bad "$how: C's wait still in pg_locks 5 s after C ended: $(q "select locktype, mode, granted from pg_locks where pid = $cpid")"
  fi
  wait_for "select count(*) from pg_stat_activity where pid = $cpid" 0 5 \
    && ok "$how: C gone from pg_stat_activity" || bad "$how: C still in pg_stat_activity"
  send B "update t set v = v + 1 where id = 1;"
  send B "commit;"
  sync_psql B || bad "$how: B did not finish its UPDATE and COMMIT"
  check_eq "$how: B saw no error" "" "$(errors_of B)"
  check_eq "$how: B's update is committed" 1 "$(q "select v from t where id = 1")"
  check_eq "$how: B holds nothing after COMMIT" 0 "$(count_locks "$bpid")"
  close_input B; wait_exit B

  # 3. D holds a session-level advisory lock outside a transaction; E waits for it.
  open_psql D
  backend_pid D dpid || return 1
  send D "select pg_advisory_lock(103);"
  sync_psql D || bad "$how: D could not take advisory lock 103"
  check_eq "$how: D holds advisory 103 outside a transaction" 1 \
    "$(q "select count(*) from pg_locks where pid = $dpid and locktype = 'advisory' and objid = 103 and granted")"
  open_psql E
  backend_pid E epid || return 1
  send E "select pg_advisory_lock(103);"
  send E "select 'E-GOT';"
  in_lock_wait "$epid" && ok "$how: E waits for advisory 103" || bad "$how: E does not wait for advisory 103 ($last_out)"
  t0=$(now_ms)
  end_client D
  wait_line E '^E-GOT$' 5 && ok "$how: E got advisory 103 $(($(now_ms) - t0)) ms after D ended" \
    || { bad "$how: E did not get advisory 103 after D ended"; dump_session E; }
  wait_for "select count(*) from pg_locks where pid = $dpid" 0 5 \
    && ok "$how: pg_locks shows nothing of D" || bad "$how: pg_locks still shows D's locks"
  end_client E
  wait_for "select count(*) from pg_locks where locktype = 'advisory'" 0 5 \
    && ok "$how: advisory 103 free once E is gone" || bad "$how: advisory locks left: $last_out"
  check_eq "$how: advisory 103 can be taken" t "$(q "select pg_try_advisory_xact_lock(103)")"
}

round kill
round terminate
e2e_finish
