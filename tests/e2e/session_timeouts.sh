#!/usr/bin/env bash
# tests/e2e/session_timeouts.sh [--target holdfast|pg] — session settings that end or quiet a
# session, as PostgreSQL 15 has them:
#   idle_in_transaction_session_timeout: a session left idle inside a transaction block (or a
#     failed one) longer than this is ended with FATAL 25P03 "terminating connection due to
#     idle-in-transaction timeout", its transaction rolled back and its locks released; idle
#     outside a transaction, or busy (waiting for a lock) inside one, it is not.
#   client_min_messages: NOTICE and WARNING reach the client only at or above the setting.
#   TimeZone in the startup packet (PGOPTIONS='-c TimeZone=...', PGTZ, as pgjdbc sends the
#     JVM's zone): the session's zone from the start, for text results and text parameters
#     (binary timestamptz stays the UTC instant); an unknown zone refuses the connection with
#     FATAL 22023.
# Exit 0 on pass, 1 on fail.
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
e2e_start

out=$(q "create table t (id int primary key, v int); insert into t values (1, 0), (2, 0);")
[ -n "$out" ] && { echo "FAIL: setup: $out"; exit 1; }

tool_open() {  # tool_open NAME VAR
  open_tool "$1"
  send "$1" pid
  wait_line "$1" '^pid ' || { bad "$1: no pid"; dump_session "$1"; return 1; }
  printf -v "$2" '%s' "${line#pid }"
}
outcome() { wait_line "$1" '^(OK|ERROR|FATAL|LOST)' "${2:-$wait_limit}"; }
run() {  # run NAME SQL EXPECTED: a synchronous statement in a pqtool session
  send "$1" "sync $2"
  if outcome "$1"; then check_eq "$1: $2" "$3" "$line"; else bad "$1: $2: no answer"; fi
}

echo "--- idle_in_transaction_session_timeout"
# Commands for a session are sent together (a loaded machine may take longer than the timeout
# between two round trips of this script), then their outcomes are checked in order.
expect() {  # expect NAME WHAT EXPECTED
  if outcome "$1"; then check_eq "$1: $2" "$3" "$line"; else bad "$1: $2: no answer"; fi
}
fatal_msg="FATAL 25P03 terminating connection due to idle-in-transaction timeout"

# I1: idle in a transaction holding a row lock.
tool_open I1 i1pid || exit 1
send I1 "sync set idle_in_transaction_session_timeout = 1000"
send I1 "sync begin"
send I1 "sync select id from t where id = 1 for update"
expect I1 "SET" "OK SET"
expect I1 "BEGIN" "OK BEGIN"
expect I1 "FOR UPDATE" "OK SELECT 1"
t0=$(now_ms)
if wait_for "select count(*) from pg_stat_activity where pid = $i1pid" 0 5; then
  dt=$(($(now_ms) - t0))
  if [ "$dt" -ge 500 ]; then ok "I1 ended after about ${dt} ms idle in a transaction"
  else bad "I1 ended too early (${dt} ms, timeout 1000 ms)"; fi
else
  bad "I1 still there 5 s after going idle in a transaction"
fi
check_eq "I1: no lock left" 0 "$(q "select count(*) from pg_locks where pid = $i1pid")"
check_eq "I1's row is free" "1" \
  "$(q "begin; select id from t where id = 1 for update nowait; rollback")"
run I1 "select 1" "$fatal_msg"
send I1 finish; wait_exit I1

# I2: idle in a failed transaction block.
tool_open I2 i2pid || exit 1
send I2 "sync set idle_in_transaction_session_timeout = 1000"
send I2 "sync begin"
send I2 "sync select 1/0"
expect I2 "SET" "OK SET"
expect I2 "BEGIN" "OK BEGIN"
expect I2 "1/0" "ERROR 22012 division by zero"
wait_for "select count(*) from pg_stat_activity where pid = $i2pid" 0 5 \
  && ok "I2 ended while idle in a failed transaction" || bad "I2 not ended (idle in a failed transaction)"
run I2 "select 1" "$fatal_msg"
send I2 finish; wait_exit I2

# I3: idle outside a transaction block: not ended ...
tool_open I3 i3pid || exit 1
run I3 "set idle_in_transaction_session_timeout = 1000" "OK SET"
sleep 1.5
run I3 "select 1" "OK SELECT 1"
# ... nor while busy in one: a lock wait longer than the timeout.
open_psql H
send H "begin;"
send H "select id from t where id = 2 for update;"
sync_psql H || bad "H could not lock row 2"
send I3 "sync begin"
send I3 "send select id from t where id = 2 for update"
expect I3 "BEGIN" "OK BEGIN"
wait_for "select wait_event_type from pg_stat_activity where pid = $i3pid" Lock 5 \
  || bad "I3 does not wait for H's row"
sleep 1.5
send H "commit;"
send I3 result
send I3 "sync commit"
expect I3 "a lock wait longer than the timeout is not idleness" "OK SELECT 1"
expect I3 "COMMIT" "OK COMMIT"
run I3 "select 1" "OK SELECT 1"
send I3 finish; wait_exit I3

echo "--- client_min_messages"
open_psql M
send M "set client_min_messages = warning;"
send M "drop table if exists nosuch1;"  # NOTICE: filtered
send M "rollback;"                      # WARNING: sent
send M "set client_min_messages = error;"
send M "rollback;"                      # WARNING: filtered
send M "drop table if exists nosuch2;"  # NOTICE: filtered
send M "set client_min_messages = notice;"
send M "drop table if exists nosuch3;"  # NOTICE: sent
send M "show client_min_messages;"
sync_psql M || bad "M did not answer"
got=$(sed -n 's/^psql:[^:]*:[0-9]*: //; /^\(NOTICE\|WARNING\|ERROR\):/p; /^notice$/p' "$work/M.out")
expected='WARNING:  25P01: there is no transaction in progress
NOTICE:  00000: table "nosuch3" does not exist, skipping
notice'
check_eq "client_min_messages filters NOTICE and WARNING" "$expected" "$got"

echo "--- TimeZone at connection"
tz_psql() {  # tz_psql ENV=VALUE...: SHOW TimeZone and a timestamptz, in a session so started
  env "$@" psql -X -At -h 127.0.0.1 -p "$port" -U postgres -d postgres \
    -c "show timezone" -c "select '2024-07-01 12:00+00'::timestamptz" 2>&1 |
    sed -E 's/^psql: error: .*(FATAL: )/\1/'
}
check_eq "PGOPTIONS -c TimeZone=America/New_York" $'America/New_York\n2024-07-01 08:00:00-04' \
  "$(tz_psql PGOPTIONS='-c TimeZone=America/New_York')"
check_eq "PGTZ=Europe/Berlin" $'Europe/Berlin\n2024-07-01 14:00:00+02' \
  "$(tz_psql PGTZ=Europe/Berlin)"
check_eq "PGOPTIONS -c timezone=asia/kolkata" $'Asia/Kolkata\n2024-07-01 17:30:00+05:30' \
  "$(tz_psql PGOPTIONS='-c timezone=asia/kolkata')"
check_eq "PGOPTIONS -c TimeZone=Foo/Bar is refused" \
  'FATAL:  invalid value for parameter "TimeZone": "Foo/Bar"' \
  "$(tz_psql PGOPTIONS='-c TimeZone=Foo/Bar')"
# Extended protocol: a text parameter is read in the session's zone; a binary result is the
# instant (microseconds since 2000-01-01 UTC) whatever the zone.
open_tool Z PGOPTIONS='-c TimeZone=America/New_York'
z_expect() {  # z_expect WHAT EXPECTED: the next answer of session Z
  if wait_line Z '^(VALUE|HEX|ERROR|FATAL|LOST)'; then check_eq "$1" "$2" "$line"; else bad "$1: no answer"; fi
}
send Z 'param 2024-07-01T12:00 select $1::timestamptz'
z_expect "text parameter and result in the zone" 'VALUE 2024-07-01 12:00:00-04'
send Z 'param 2024-07-01T12:00 select extract(epoch from $1::timestamptz)::bigint'
z_expect "the parameter's instant" 'VALUE 1719849600'
send Z "binary select '2024-07-01 12:00'::timestamptz"
z_expect "binary timestamptz is the instant" "HEX $(printf '%016x' 773164800000000)"
send Z finish; wait_exit Z
e2e_finish
