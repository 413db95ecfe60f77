#!/usr/bin/env bash
# tests/e2e/shared_thread.sh [--target holdfast|pg] — a long CPU-bound statement does not hold
# its executor thread: holdfast runs with one executor thread (--threads 1), so every session
# shares it; while one session scans a table for seconds, another session's statements still
# run (check_for_interrupts yields every 10 ms of a statement: sql/exec/exec_internal.h). Before
# the yield, the monitor's query waited for the scan to end and never saw it running. On
# PostgreSQL (a process per session) it passes trivially, which checks the test itself.
# Exit 0 on pass, 1 on fail.
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
if [ "$target" = holdfast ]; then e2e_start -- --threads 1; else e2e_start; fi

out=$(q "create table big (id int primary key, v int); insert into big select g, g from generate_series(1, 300000) g;")
[ -n "$out" ] && { echo "FAIL: setup: $out"; exit 1; }

long="select count(*) from big where md5(repeat(v::text, 20)) = 'no such digest'"
open_psql LONG
# Run the scan several times in a row so that the monitor has seconds to see it running.
for _ in 1 2 3 4 5 6 7 8; do send LONG "$long;"; done
if wait_for "select count(*) from pg_stat_activity where state = 'active' and pid <> pg_backend_pid() and query like '%no such digest%'" 1 60; then
  ok "another session ran while the scan was running on the same thread"
else
  bad "the monitor never saw the scan running (last answer: ${last_out:-none})"
fi
# The scan's session is cancelled like any other (57014), and the server answers after.
q "select pg_cancel_backend(pid) from pg_stat_activity where pid <> pg_backend_pid() and query like '%no such digest%'" >/dev/null
check_eq "the server answers after" "1" "$(q 'select 1')"
e2e_finish
