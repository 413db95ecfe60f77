#!/usr/bin/env bash
# tests/e2e/wait_endings.sh [--target holdfast|pg] — every way a lock wait ends early ends it
# at once, with PostgreSQL 15's error (issue 4: "cancellation (CancelRequest and
# pg_cancel_backend) end a wait at once", lock_timeout, statement_timeout; issue 2: a working
# CancelRequest), and pg_stat_activity shows the wait as PostgreSQL does.
#
# H holds a row (FOR UPDATE), table t2 (SHARE) and advisory lock 7. For each kind of wait:
#   row1      SELECT ... FOR UPDATE, the first waiter   (wait_event 'transactionid')
#   row2      the same behind another waiter            (wait_event 'tuple')
#   table     BEGIN; LOCK TABLE t2 IN EXCLUSIVE MODE    (wait_event 'relation')
#   advisory  pg_advisory_lock(7)                       (wait_event 'advisory')
# a waiter (tests/e2e/pqtool.c, libpq) sees its wait ended by, in turn:
#   CancelRequest (PQcancel, psql's Ctrl-C)  57014 canceling statement due to user request
#   pg_cancel_backend(pid)                   57014 canceling statement due to user request
#   statement_timeout = 400ms                57014 canceling statement due to statement timeout
#   lock_timeout = 400ms                     55P03 canceling statement due to lock timeout
#   pg_terminate_backend(pid)                57P01 terminating connection due to administrator
#                                            command (FATAL; the connection closes)
# Each must come within 2 s (the timeouts: not before they expire), leave no wait in pg_locks,
# and the session must work afterwards. Last, after all that, a new waiter of each kind gets
# its lock as soon as H lets go (the queues were not damaged). Exit 0 on pass, 1 on fail.
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
e2e_start

out=$(q "create table t (id int primary key, v int); insert into t values (1, 0), (2, 0);
         create table t2 (id int);")
[ -n "$out" ] && { echo "FAIL: setup: $out"; exit 1; }

open_psql H
send H "begin;"
send H "select id from t where id = 1 for update;"
send H "lock table t2 in share mode;"
send H "select pg_advisory_lock(7);"
sync_psql H || { bad "H could not take its locks"; dump_session H; e2e_finish; exit 1; }

declare -A stmt=(
  [row1]="select id from t where id = 1 for update"
  [row2]="select id from t where id = 1 for update"
  [table]="begin; lock table t2 in exclusive mode"
  [advisory]="select pg_advisory_lock(7)"
)
declare -A event=([row1]=transactionid [row2]=tuple [table]=relation [advisory]=advisory)
user_msg="ERROR 57014 canceling statement due to user request"

# tool_open NAME VAR: a pqtool session; VAR gets its backend pid.
tool_open() {
  open_tool "$1"
  send "$1" pid
  wait_line "$1" '^pid ' || { bad "$1: no pid"; dump_session "$1"; return 1; }
  printf -v "$2" '%s' "${line#pid }"
}

# outcome NAME: the next outcome line of a pqtool session, in $line; 1 on timeout.
outcome() { wait_line "$1" '^(OK|ERROR|FATAL|LOST)' "${2:-$wait_limit}"; }
expect() {  # expect NAME WHAT EXPECTED [SECONDS]: the session's next outcome
  if outcome "$1" "${4:-$wait_limit}"; then check_eq "$2" "$3" "$line"; else bad "$2: no answer"; fi
}

# start_wait KIND NAME PID: sends KIND's statement and waits until pg_stat_activity shows
# the session waiting for a lock with KIND's wait event.
start_wait() {
  send "$2" "send ${stmt[$1]}"
  if wait_for "select wait_event_type || '/' || wait_event from pg_stat_activity where pid = $3" \
    "Lock/${event[$1]}" 5; then
    return 0
  fi
  bad "$1: $2 not shown waiting as Lock/${event[$1]} (got [$last_out])"
  return 1
}

# ended KIND HOW EXPECTED T0 [MIN_MS]: the waiter's outcome is EXPECTED, within 2 s of T0
# (and not before MIN_MS).
ended() {
  local kind=$1 how=$2 expected=$3 t0=$4 min=${5:-0} dt
  if ! outcome W 5; then bad "$kind/$how: the wait did not end within 5 s"; return 1; fi
  dt=$(($(now_ms) - t0))
  check_eq "$kind/$how: outcome" "$expected" "$line"
  if [ "$dt" -ge 2000 ] || [ "$dt" -lt "$min" ]; then
    bad "$kind/$how: ended after $dt ms (expected ${min}..2000 ms)"
  else
    ok "$kind/$how: ended after $dt ms"
  fi
}

no_wait_left() {  # no_wait_left KIND HOW PID; then ends the (table) kind's transaction
  check_eq "$1/$2: no wait left in pg_locks" 0 \
    "$(q "select count(*) from pg_locks where pid = $3 and not granted")"
  send W "sync rollback"
  expect W "$1/$2: ROLLBACK" "OK ROLLBACK"
}

run_kind() {
  local kind=$1 wpid t0
  echo "--- $kind"
  tool_open W wpid || return 1

  # CancelRequest
  start_wait "$kind" W "$wpid" || return 1
  t0=$(now_ms)
  send W cancel
  send W result
  ended "$kind" CancelRequest "$user_msg" "$t0"
  no_wait_left "$kind" CancelRequest "$wpid"

  # pg_cancel_backend
  start_wait "$kind" W "$wpid" || return 1
  t0=$(now_ms)
  check_eq "$kind/pg_cancel_backend: returns true" t "$(q "select pg_cancel_backend($wpid)")"
  send W result
  ended "$kind" pg_cancel_backend "$user_msg" "$t0"
  no_wait_left "$kind" pg_cancel_backend "$wpid"

  # statement_timeout
  send W "sync set statement_timeout = 400"
  expect W "$kind/statement_timeout: SET" "OK SET"
  t0=$(now_ms)
  send W "send ${stmt[$kind]}"
  send W result
  ended "$kind" statement_timeout "ERROR 57014 canceling statement due to statement timeout" \
    "$t0" 350
  no_wait_left "$kind" statement_timeout "$wpid"
  send W "sync set statement_timeout = 0"
  expect W "$kind: statement_timeout off" "OK SET"

  # lock_timeout
  send W "sync set lock_timeout = 400"
  expect W "$kind/lock_timeout: SET" "OK SET"
  t0=$(now_ms)
  send W "send ${stmt[$kind]}"
  send W result
  ended "$kind" lock_timeout "ERROR 55P03 canceling statement due to lock timeout" "$t0" 350
  no_wait_left "$kind" lock_timeout "$wpid"
  send W "sync set lock_timeout = 0"
  expect W "$kind: lock_timeout off" "OK SET"

  # The session still works after all that.
  send W "sync select 1"
  expect W "$kind: the waiter's session still works" "OK SELECT 1"

  # pg_terminate_backend
  start_wait "$kind" W "$wpid" || return 1
  t0=$(now_ms)
  check_eq "$kind/pg_terminate_backend: returns true" t "$(q "select pg_terminate_backend($wpid)")"
  send W result
  ended "$kind" pg_terminate_backend \
    "FATAL 57P01 terminating connection due to administrator command" "$t0"
  send W "sync select 1"
  outcome W && [[ $line == LOST* ]] && ok "$kind/pg_terminate_backend: the connection is closed" \
    || bad "$kind/pg_terminate_backend: the connection still answers ($line)"
  wait_for "select count(*) from pg_stat_activity where pid = $wpid" 0 5 \
    && ok "$kind/pg_terminate_backend: gone from pg_stat_activity" \
    || bad "$kind/pg_terminate_backend: still in pg_stat_activity"
  check_eq "$kind/pg_terminate_backend: nothing left in pg_locks" 0 \
    "$(q "select count(*) from pg_locks where pid = $wpid")"
  send W finish
  wait_exit W
}

run_kind row1
# row2: X waits first for H's row (on H's transaction); the waiter under test is second.
tool_open X xpid
start_wait row1 X "$xpid" && ok "X is the first waiter for H's row"
run_kind row2
run_kind table
run_kind advisory

# The queues still work: new waiters get each lock as soon as H lets go.
echo "--- after the endings"
open_psql Z
send Z "begin;"
send Z "select 'Z-ROW', id from t where id = 2 for update;"
sync_psql Z
send Z "select 'Z-TABLE'; lock table t2 in exclusive mode;"
send Z "select 'Z-ADV', pg_advisory_lock(7);"
send Z "commit;"
wait_line Z '^Z-TABLE$' || bad "Z did not start"
send H "select pg_advisory_unlock(7);"
send H "commit;"
t0=$(now_ms)
send X result
expect X "X got H's row" "OK SELECT 1" 5
wait_line Z '^Z-ADV\|$' 5 && ok "Z got t2 and advisory 7 $(($(now_ms) - t0)) ms after H let go" \
  || { bad "Z did not get t2 and advisory 7 after H let go"; dump_session Z; }
sync_psql Z || bad "Z did not commit"
check_eq "no session waits any more" 0 "$(q "select count(*) from pg_locks where not granted")"
check_eq "no errors in H and Z" "" "$(errors_of H; errors_of Z)"
e2e_finish
