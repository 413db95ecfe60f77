#!/usr/bin/env bash
# tests/e2e/ddl_crash.sh [--target holdfast|pg] [--regen] — a transaction's DDL survives a crash
# right after its commit (issue 13). One transaction creates a table (rows, an index), alters
# a committed one and fills the new column, drops one, truncates one and refills it, and
# creates two more; meanwhile another session holds an uncommitted CREATE TABLE and an
# uncommitted DROP TABLE. The server dies just after that commit:
#   holdfast: started with HF_CRASH_POINT=after-commit (common/crash_point.h), it kills itself
#             with SIGKILL past the commit point, before the catalog settles the DDL, so the
#             COMMIT is never acknowledged and the catalog's own commits never happen;
#   pg:       pg_ctl stop -m immediate once the COMMIT returned.
# After the restart every change of the committed transaction is there, atomically with its
# rows, and none of the uncommitted one. The checks' output is compared with
# tests/e2e/ddl_crash.expected, which PostgreSQL 15 wrote (--target pg --regen).
# Exit 0 pass, 1 fail.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
target=holdfast regen=
while [ $# -gt 0 ]; do
  case $1 in
    --target) target=$2; shift 2 ;;
    --regen) regen=1; shift ;;
    *) sed -n 2,14p "$0"; exit 2 ;;
  esac
done
work=$(mktemp -d /tmp/hf-ddlcrash-XXXX)
chmod 755 "$work"
port=$(bash "$root/scripts/freeport.sh")
start() {  # start [crash]: the server; holdfast dies at its first commit with waiting work
  case $target in
    holdfast)
      if [ "${1:-}" = crash ]; then
        HF_CRASH_POINT=after-commit bash "$root/scripts/server.sh" start --port "$port" \
          --data "$work/data" --log "$work/holdfast.log" >/dev/null
      else
        bash "$root/scripts/server.sh" start --port "$port" --data "$work/data" \
          --log "$work/holdfast.log" >/dev/null
      fi ;;
    pg) bash "$root/scripts/pg.sh" start "$port" "$work/pg" >/dev/null ;;
    *) echo "unknown target $target"; exit 2 ;;
  esac || { echo "FAIL: $target did not start"; exit 1; }
}
stop() {  # stop [immediate]
  case $target in
    holdfast) bash "$root/scripts/server.sh" stop --port "$port" >/dev/null 2>&1 ;;
    pg) bash "$root/scripts/pg.sh" stop "$port" "$work/pg" "${1:-fast}" >/dev/null 2>&1 ;;
  esac
}
cleanup() { kill "${holder:-}" 2>/dev/null; stop; rm -rf "$work"; }
trap cleanup EXIT
psql_() { psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"; }

# Committed before the crash (a clean stop, then the crash run).
start
psql_ -c "CREATE TABLE altered (id int PRIMARY KEY);
          INSERT INTO altered VALUES (1), (2);
          CREATE TABLE dropped (id int);
          INSERT INTO dropped VALUES (1);
          CREATE TABLE truncated (id int);
          INSERT INTO truncated VALUES (1), (2), (3);
          CREATE TABLE kept_by_other (id int);" >/dev/null || { echo "FAIL: setup"; exit 1; }
stop
start crash

# Another session's DDL that has not committed when the server dies.
{
  echo "BEGIN; CREATE TABLE uncommitted (id int); DROP TABLE kept_by_other;"
  echo "SELECT 'holding';"
  sleep 60
} | psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -At >"$work/holder.out" 2>&1 &
holder=$!
for _ in $(seq 100); do grep -q holding "$work/holder.out" && break; sleep 0.1; done
grep -q holding "$work/holder.out" || { echo "FAIL: the other session did not start"; cat "$work/holder.out"; exit 1; }

psql_ -c "BEGIN;
          CREATE TABLE created (id int PRIMARY KEY, v text);
          INSERT INTO created VALUES (1, 'a'), (2, 'b');
          CREATE INDEX created_v ON created (v);
          ALTER TABLE altered ADD COLUMN w int;
          UPDATE altered SET w = id * 10;
          DROP TABLE dropped;
          TRUNCATE truncated;
          INSERT INTO truncated VALUES (9);
          CREATE TABLE only_ddl_a (i int);
          CREATE TABLE only_ddl_b (i int);
          COMMIT;" >"$work/commit.out" 2>&1
case $target in
  holdfast)
    # It killed itself at the commit point: the COMMIT got no answer.
    for _ in $(seq 50); do bash "$root/scripts/server.sh" status --port "$port" >/dev/null 2>&1 || break; sleep 0.1; done
    if bash "$root/scripts/server.sh" status --port "$port" >/dev/null 2>&1; then
      echo "FAIL: holdfast did not crash at the commit (HF_CRASH_POINT)"; exit 1
    fi ;;
  pg) stop immediate ;;
esac
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null; holder=
start

checks="SELECT * FROM created ORDER BY id;
SELECT indexname FROM pg_indexes WHERE tablename = 'created' ORDER BY 1;
SELECT id, w FROM altered ORDER BY id;
SELECT id FROM truncated ORDER BY id;
SELECT relname FROM pg_class WHERE relname IN ('created', 'altered', 'dropped', 'truncated',
  'only_ddl_a', 'only_ddl_b', 'uncommitted', 'kept_by_other') AND relkind = 'r' ORDER BY 1;
SELECT count(*) FROM kept_by_other;
INSERT INTO only_ddl_a VALUES (1);
SELECT count(*) FROM only_ddl_a;"
psql -X -h 127.0.0.1 -p "$port" -U postgres -d postgres -At -f - <<<"$checks" >"$work/out" 2>&1
if [ -n "$regen" ]; then
  cp "$work/out" "$here/ddl_crash.expected"
  echo "wrote $here/ddl_crash.expected"
  exit 0
fi
if diff -u "$here/ddl_crash.expected" "$work/out"; then
  echo "ddl_crash.sh on $target: passed"
  exit 0
fi
echo "ddl_crash.sh on $target: FAILED (the output above differs from PostgreSQL's)"
tail -5 "$work/holdfast.log" 2>/dev/null
exit 1
