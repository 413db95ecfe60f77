#!/usr/bin/env bash
# bench/queue_callgrind.sh — instructions per claim of the SKIP LOCKED queue
# (bench/sql/queue_claim.sql), counted under callgrind: the server runs under valgrind, 20,000
# jobs are loaded, 300 claims warm up, then N claims are counted with pgbench -M prepared and
# C clients (each N / C claims). Counts, not time: figures hold on a busy machine.
# Env: ROOT (the checkout, default /work/main), BIN (server binary), OUT (callgrind output;
# OUT.top.txt / OUT.incl.txt get the profile's top entries), N (claims, 2000), C (clients, 1).
set -uo pipefail
root=${ROOT:-/work/main}; bin=${BIN:-$root/build/holdfast}; out=${OUT:-/tmp/q/cg.out}
port=$(bash $root/scripts/freeport.sh); work=$(mktemp -d /tmp/hfq-XXXX); rm -f $out*
valgrind --tool=callgrind --callgrind-out-file=$out "$bin" --listen 127.0.0.1 --port $port --data $work/data >$work/server.log 2>&1 &
vpid=$!
trap 'kill -TERM $vpid 2>/dev/null; wait $vpid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 300); do pg_isready -q -h 127.0.0.1 -p $port -t 1 && break; sleep 1; done
P="psql -X -q -h 127.0.0.1 -p $port -U postgres postgres"
$P -c "CREATE TABLE jobs (id int PRIMARY KEY, state text NOT NULL); CREATE INDEX jobs_state_id ON jobs (state, id);"
$P -c "INSERT INTO jobs SELECT g, 'ready' FROM generate_series(1, 20000) g"
pgb() { pgbench -h 127.0.0.1 -p $port -U postgres "$@" postgres; }
pgb -n -M prepared -f $root/bench/sql/queue_claim.sql -c 1 -t 300 >/dev/null 2>&1
callgrind_control -z $vpid >/dev/null
clients=${C:-1}
pgb -n -M prepared -f $root/bench/sql/queue_claim.sql -c $clients -t $((${N:-2000} / clients)) 2>&1 | grep -E "tps|processed"
callgrind_control -d $vpid >/dev/null; sleep 1
f=$(ls -S $out* | head -1); tot=$(callgrind_annotate $f 2>/dev/null | grep -m1 "PROGRAM TOTALS" | awk '{gsub(",","",$1); print $1}')
echo "instructions per claim: $((tot / ${N:-2000}))"
callgrind_annotate $f 2>/dev/null | head -60 > ${OUT:-/tmp/q/cg.out}.top.txt
callgrind_annotate --inclusive=yes $f 2>/dev/null | head -90 > ${OUT:-/tmp/q/cg.out}.incl.txt
