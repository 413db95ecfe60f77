#!/usr/bin/env bash
# bench/commit_counts.sh [--secs S] [--script FILE] CLIENTS... — counted figures per transaction
# of a pgbench script on holdfast (fsync on), for comparing builds on a noisy machine:
# tps, p99, commits per WAL sync (group commit), WAL fsync time, context switches and server CPU
# per transaction (/proc of the server's threads), and the commit waits of the server's stats
# log (--stats-log-ms). Table `hot (id int PRIMARY KEY, v bigint)` with rows 1..10000.
# Default script: bench/sql/hot_row.sql (one hot row FOR UPDATE); bench/sql/spread_rows.sql
# takes a random row instead (no lock contention: group commit alone).
# The binary: $HOLDFAST_BIN or build/holdfast; the port: scripts/freeport.sh ($HF_PORT_RANGE).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
secs=10 script=$root/bench/sql/hot_row.sql
while [ $# -gt 0 ]; do
  case $1 in
    --secs) secs=$2; shift 2 ;;
    --script) script=$2; shift 2 ;;
    -*) sed -n 2,10p "$0"; exit 2 ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || { sed -n 2,10p "$0"; exit 2; }
port=$(bash "$root/scripts/freeport.sh")
d=$(mktemp -d /tmp/hf-commit-counts-XXXX)
chmod 755 "$d"
trap 'bash "$root/scripts/server.sh" stop --port "$port" >/dev/null 2>&1; rm -rf "$d"' EXIT
bash "$root/scripts/server.sh" start --port "$port" --data "$d/data" --log "$d/hf.log" \
  -- --stats-log-ms 200 >/dev/null || { echo "server did not start"; exit 1; }
pid=$(cat "${TMPDIR:-/tmp}/holdfast-$port.pid")
psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -Atc \
  "CREATE TABLE hot (id int PRIMARY KEY, v bigint NOT NULL);
   INSERT INTO hot SELECT g, 0 FROM generate_series(1, 10000) g;" || exit 1
ctx() { cat /proc/"$pid"/task/*/status | awk '/ctxt_switches/ { s += $2 } END { print s }'; }
ticks() { cat /proc/"$pid"/task/*/stat | awk '{ s += $14 + $15 } END { print s }'; }
stats() { sleep 0.3; grep 'stats:' "$d/hf.log" | tail -1; }  # after the next stats line
field() { echo "$1" | grep -o " $2=[0-9]*" | cut -d= -f2; }
hz=$(getconf CLK_TCK)
for c in "$@"; do
  s0=$(stats) x0=$(ctx) u0=$(ticks)
  pgbench -h 127.0.0.1 -p "$port" -U postgres -n -M prepared -f "$script" -c "$c" -j 2 -T "$secs" \
    -l --log-prefix="$d/log$c" postgres >"$d/pgb$c.out" 2>&1
  s1=$(stats) x1=$(ctx) u1=$(ticks)
  delta() { echo $(($(field "$s1" "$1") - $(field "$s0" "$1"))); }
  tps=$(grep -o 'tps = [0-9.]*' "$d/pgb$c.out" | awk '{ print $3 }')
  n=$(grep -o 'actually processed: [0-9]*' "$d/pgb$c.out" | awk '{ print $NF }')
  p99=$(cat "$d/log$c".[0-9]* | awk '{ print $3 }' | sort -n | awk '{ a[NR] = $1 } END { print a[int(NR * 0.99)] / 1000 }')
  awk -v c="$c" -v tps="$tps" -v p99="$p99" -v n="${n:-0}" -v sw="$(delta synced_writes)" \
    -v ws="$(delta wal_syncs)" -v fs="$(delta fsync_us)" -v x=$((x1 - x0)) -v u=$((u1 - u0)) \
    -v hz="$hz" -v un="$(delta unlock_us)" -v unn="$(delta unlock_n)" 'BEGIN {
    printf "clients %d: tps %.0f, p99 %.1f ms, %d txns, %.2f commits per WAL sync (%d syncs, %.3f ms each), %.2f context switches and %.3f ms server CPU per txn, unlock %.3f ms after durable\n",
      c, tps, p99, n, ws ? sw / ws : 0, ws, ws ? fs / ws / 1000 : 0, n ? x / n : 0,
      n ? u * 1000 / hz / n : 0, unn ? un / unn / 1000 : 0 }'
done
