#!/usr/bin/env bash
# tests/e2e/temp_tables.sh — a session's temporary tables end with it: when its client quits,
# when its client is killed (kill -9, no Terminate), and when the server itself is killed and
# restarted (holdfast only: recovery must not bring them back). Each check looks for the
# table's name in pg_class from another session and then creates a permanent table of that
# name (the issue's symptom was "relation ... already exists" in the next test).
#   temp_tables.sh [--target holdfast|pg]
# Exit 0 pass, 1 fail.
set -uo pipefail
source "$(cd "$(dirname "$0")" && pwd)/lib.sh"
e2e_init "$@"
e2e_start

psql_c() { psql -X -At -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "$1" 2>&1; }
count_named() { psql_c "SELECT count(*) FROM pg_class WHERE relname = '$1'"; }
# gone NAME: the table disappears from pg_class within the wait limit, and the name is free.
gone() {
  if wait_for "SELECT count(*) FROM pg_class WHERE relname = '$1'" 0; then
    ok "$2: $1 is gone"
  else
    bad "$2: $1 still in pg_class ($last_out)"
  fi
  check_eq "$2: CREATE TABLE $1 afterwards" "" "$(psql_c "CREATE TABLE $1 (v int); DROP TABLE $1")"
}

# 1. The client quits.
psql_c "CREATE TEMP TABLE hf_tmp_quit (v int); INSERT INTO hf_tmp_quit VALUES (1)" >/dev/null
gone hf_tmp_quit "client quit"

# 2. The client is killed while its session is idle.
open_psql A
send A "CREATE TEMP TABLE hf_tmp_killed (v int);"
send A "INSERT INTO hf_tmp_killed VALUES (1);"
if wait_for "SELECT count(*) FROM pg_class WHERE relname = 'hf_tmp_killed'" 1; then
  ok "killed client: its temporary table exists while it runs"
else
  bad "killed client: hf_tmp_killed never appeared ($last_out)"
fi
kill9 A
gone hf_tmp_killed "killed client"

# 3. The server is killed while a session holds a temporary table, then restarted.
if [ "$target" = holdfast ]; then
  open_psql B
  send B "CREATE TEMP TABLE hf_tmp_crash (v int);"
  send B "INSERT INTO hf_tmp_crash VALUES (1);"
  if wait_for "SELECT count(*) FROM pg_class WHERE relname = 'hf_tmp_crash'" 1; then
    ok "server crash: the temporary table exists before it"
  else
    bad "server crash: hf_tmp_crash never appeared ($last_out)"
  fi
  send MON '\q'
  bash "$e2e_root/scripts/server.sh" kill --port "$port" >/dev/null
  kill -9 "${sess_pid[B]}" "${sess_pid[MON]}" 2>/dev/null
  unset 'sess_pid[B]' 'sess_pid[MON]'
  bash "$e2e_root/scripts/server.sh" start --port "$port" --data "$work/data" \
    --log "$work/holdfast.log" >/dev/null || { echo "FAIL: holdfast did not restart"; exit 1; }
  open_psql MON
  check_eq "server crash: hf_tmp_crash after the restart" 0 "$(count_named hf_tmp_crash)"
  check_eq "server crash: CREATE TABLE hf_tmp_crash afterwards" "" \
    "$(psql_c "CREATE TABLE hf_tmp_crash (v int); DROP TABLE hf_tmp_crash")"
fi
e2e_finish
