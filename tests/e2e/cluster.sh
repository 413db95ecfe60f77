#!/usr/bin/env bash
# tests/e2e/cluster.sh — a 3-node cluster with the partitions spread over the nodes (issue 12,
# doc/cluster.md §8 milestone B), started by scripts/cluster.sh: every node owns a third of the
# partitions, takes SQL and coordinates over all of them (its own directly, the others' over
# the network); node 1 hosts the transaction registry. A proxy (spread_proxy.py) spreads one
# client's connections over the 3 nodes, so every isolation spec runs with its sessions on
# different nodes, and two thirds of the partitions a session touches are on another node.
# Checks:
#  - the PostgreSQL isolation specs (when ../shared/conformance is there) and our scenario
#    specs give PostgreSQL's output (the node-local features of sql_nodes.sh left out);
#  - DDL made on one node is seen by the next statement on the others; serial ids from three
#    nodes at once are distinct; transfers through the 3 nodes keep the total;
#  - a deadlock between sessions of two nodes over locks of other nodes' partitions fails
#    one of them within deadlock_timeout + 1 s (C5; the times are printed);
#  - kill -9 of node 3 while one of its sessions holds row locks (and an uncommitted write) on
#    rows of every node, and session advisory locks: node 1 and node 2 end its transaction as
#    node 1's registry decides and release the locks;
#    a session on node 1 then gets every such row on nodes 1 and 2 (the time is printed) and
#    sees the write gone; a statement that needs node 3's partitions fails at once (08006).
# Prints the time of each part.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export HOLDFAST_BIN=${HOLDFAST_BIN:-$root/${HF_BUILD_PREFIX:-build}/holdfast}
work=$(mktemp -d /tmp/hf-cluster-XXXX)
chmod 755 "$work"
export HF_CLUSTER_DIR=$work/cluster
proxy=$(bash "$root/scripts/freeport.sh")
ppid_=
t0=$(date +%s)
cleanup() {
  bash "$root/scripts/cluster.sh" stop >/dev/null 2>&1
  [ -n "$ppid_" ] && kill "$ppid_" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
elapsed() { echo "$(( $(date +%s) - t0 )) s"; }

bash "$root/scripts/cluster.sh" start 3 | sed 's/^/cluster: /' ||
  { echo "FAIL: the cluster did not start"; tail -20 "$HF_CLUSTER_DIR"/node-*.log; exit 1; }
declare -A sql
while read -r i s c pid; do sql[$i]=$s; done <"$HF_CLUSTER_DIR/cluster.txt"
for i in 1 2 3; do
  grep -q "cluster node $i of 3: partition map 0:node 1, 1:node 2, 2:node 3, 3:node 1" \
    "$HF_CLUSTER_DIR/node-$i.log" || { echo "FAIL: node $i has no partition map"; exit 1; }
done
python3 "$here/spread_proxy.py" "$proxy" "1=127.0.0.1:${sql[1]}" "2=127.0.0.1:${sql[2]}" \
  "3=127.0.0.1:${sql[3]}" >"$work/proxy.log" 2>&1 &
ppid_=$!
for _ in $(seq 100); do grep -q listening "$work/proxy.log" && break; sleep 0.1; done
grep -q listening "$work/proxy.log" || { echo "FAIL: the proxy did not start"; exit 1; }

status=0
source "$here/nodes_lib.sh"

export HF_SPEC_TIMEOUT=${HF_SPEC_TIMEOUT:-240}
# Deadlocks whose cycle runs through partitions of several nodes are found by the waiter's
# check over every node's waits (C5, doc/cluster.md §4): deadlock-hard, deadlock-soft,
# deadlock-soft-2 and deadlock-three-way run here too, their sessions and partitions spread.
suite=${HF_CONFORMANCE_DIR:-$root/../shared/conformance}
HF_SPECS=
for c in B C; do
  for s in $(cat "$suite/pg-isolation/class-$c.txt" 2>/dev/null); do HF_SPECS+=" $s"; done
done
out=$(HF_SPECS=$HF_SPECS bash "$root/tests/conformance/run.sh" --port "$proxy" 2>&1); rc=$?
echo "$out" | grep -E "^(conformance|SKIPPED)" | sed 's/^/three nodes: /'
[ $rc = 0 ] || [ $rc = 77 ] || { echo "$out" | tail -60; status=1; }
echo "three nodes: conformance done at $(elapsed)"
# Node-local still (doc/cluster.md §8), as in sql_nodes.sh. ddl-drop-alter-blocks: an
# uncommitted DROP TABLE is hidden from the other nodes at once, and a node whose statement
# waited for an ALTER's lock may read the catalog before the ALTER's undo ran on its node
# (catalog.h, "What differs from PostgreSQL").
node_local=" listen-notify-sessions lock-service-cycles lock-service-ddl lock-service-waits ddl-drop-alter-blocks "
specs=()
for f in "$root"/tests/scenarios/specs/*.spec "$root"/tests/scenarios/specs/*.sql; do
  n=$(basename "$f"); n=${n%.*}
  [[ $node_local == *" $n "* ]] || specs+=("$n")
done
echo "three nodes: scenarios not spread over nodes (node-local features):$node_local"
out=$(bash "$root/tests/scenarios/run.sh" --port "$proxy" "${specs[@]}" 2>&1); rc=$?
echo "$out" | grep -E "^scenarios" | sed 's/^/three nodes: /'
[ $rc = 0 ] || { echo "$out" | tail -60; status=1; }
echo "three nodes: scenarios done at $(elapsed)"

# DDL on one node is seen by the others' next statement; pids name their nodes.
psql_at "${sql[1]}" "create table nodes_t (id serial primary key, node int, v int)" >/dev/null
got=$(psql_at "${sql[2]}" "insert into nodes_t (node, v) values (2, 0) returning id")
[ "$got" = 1 ] || fail "node 2 does not see the table node 1 created: $got"
psql_at "${sql[3]}" "alter table nodes_t add column w int default 7" >/dev/null
got=$(psql_at "${sql[1]}" "select w from nodes_t")
[ "$got" = 7 ] || fail "node 1 does not see node 3's ALTER TABLE: $got"
for i in 1 2 3; do
  p=$(psql_at "${sql[$i]}" "select pg_backend_pid()")
  [ $((p >> 22)) = "$i" ] || fail "node $i's pid $p does not name its node"
done
pids=()
for i in 1 2 3; do
  (for _ in $(seq 10); do echo "insert into nodes_t (node, v) select $i, g from generate_series(1, 10) g;"; done |
    timeout 120 psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "${sql[$i]}" -U postgres postgres >"$work/ins$i.out" 2>&1) &
  pids+=($!)
done
wait "${pids[@]}"
got=$(psql_at "${sql[2]}" "select count(*), count(distinct id) from nodes_t")
[ "$got" = "301|301" ] || fail "serial ids across nodes: count|distinct = $got (want 301|301)"

# Transfers through the 3 nodes keep the total: READ COMMITTED + FOR UPDATE, then SERIALIZABLE.
transfers_keep_total "three nodes: through 3 nodes" 40 "${sql[1]}" "${sql[2]}" "${sql[3]}"
# C5 (doc/cluster.md §4): a deadlock between a session of node 1 and one of node 2 over two
# advisory keys (each key's lock lives in the partition its hash picks, so the cycle's edges
# sit on the nodes owning them): node 2's session (deadlock_timeout 1 s, the other's 10 s) is
# the victim. Printed: from its blocking call to its error (its deadlock_timeout included).
times=
for pair in "101 102" "103 104" "105 106" "107 108" "109 110"; do
  read -r k1 k2 <<<"$pair"
  printf "set deadlock_timeout = '10s'; begin; select pg_advisory_xact_lock(%s); select pg_sleep(0.5); select pg_advisory_xact_lock(%s); commit;\n" \
    "$k1" "$k2" | timeout 60 psql -X -q -At -h 127.0.0.1 -p "${sql[1]}" -U postgres postgres >"$work/c5_a.out" 2>&1 &
  apid=$!
  sleep 0.2
  printf "begin; select pg_advisory_xact_lock(%s); select pg_sleep(0.6); select extract(epoch from clock_timestamp()); select pg_advisory_xact_lock(%s); rollback; select extract(epoch from clock_timestamp());\n" \
    "$k2" "$k1" | timeout 60 psql -X -q -At -h 127.0.0.1 -p "${sql[2]}" -U postgres postgres >"$work/c5_b.out" 2>&1
  wait "$apid"
  grep -q "ERROR:  deadlock detected" "$work/c5_b.out" || fail "keys $k1/$k2: no deadlock reported: $(cat "$work/c5_b.out")"
  grep -q ERROR "$work/c5_a.out" && fail "keys $k1/$k2: the other session failed too: $(cat "$work/c5_a.out")"
  ms=$(awk '/^[0-9.]+$/ { t[n++] = $1 } END { if (n == 2) printf "%d", (t[1] - t[0]) * 1000 }' "$work/c5_b.out")
  [ -n "$ms" ] && [ "$ms" -lt 2000 ] || fail "keys $k1/$k2: the victim failed after ${ms:-?} ms (bound: deadlock_timeout 1 s + 1 s)"
  times+=" ${ms:-?}"
done
echo "three nodes: deadlocks between sessions of nodes 1 and 2 failed the victim after (ms, deadlock_timeout 1000 included):$times"
echo "three nodes: checks done at $(elapsed)"

# Node 3 dies holding the row lock and an uncommitted write of every row (rows on every node):
# nodes 1 and 2 end its transaction as node 1's registry decides (partition_server.h S5, S6),
# so node 1 locks each row of theirs at once and reads its committed balance; a row of node 3's
# partitions fails at once with 08006.
before=$(psql_at "${sql[1]}" "select id || '=' || bal from acct order by id")
mkfifo "$work/n3.fifo"
psql -X -q -h 127.0.0.1 -p "${sql[3]}" -U postgres postgres <"$work/n3.fifo" >"$work/n3.out" 2>&1 &
exec 7>"$work/n3.fifo"
echo "select pg_advisory_lock(k) from generate_series(1, 6) k; begin; update acct set bal = bal + 1000; select 'locked';" >&7
for _ in $(seq 100); do grep -q locked "$work/n3.out" && break; sleep 0.1; done
grep -q locked "$work/n3.out" || fail "node 3's session did not lock the rows: $(cat "$work/n3.out")"
start=$(date +%s%N)
bash "$root/scripts/cluster.sh" kill 3 >/dev/null
exec 7>&-
got_rows=0 lost_rows=0 first=
for id in $(seq 20); do
  s=$(date +%s%N)
  got=$(psql_at "${sql[1]}" "set lock_timeout = '20s'; update acct set bal = bal where id = $id returning bal")
  ms=$(( ($(date +%s%N) - s) / 1000000 ))
  if [[ $got =~ ^[0-9]+$ ]]; then
    got_rows=$((got_rows + 1))
    [ -n "$first" ] || first=$(( ($(date +%s%N) - start) / 1000000 ))
    echo "$before" | grep -qx "$id=$got" || fail "row $id: balance $got after node 3 died (before: $(echo "$before" | grep "^$id="))"
  elif echo "$got" | grep -q "connection to partition server"; then
    lost_rows=$((lost_rows + 1))
    [ "$ms" -lt 5000 ] || fail "row $id on node 3's partitions failed only after $ms ms"
  else
    fail "row $id after node 3 died: $got ($ms ms)"
  fi
done
[ "$got_rows" -gt 0 ] && [ "$lost_rows" -gt 0 ] || fail "rows locked on nodes 1-2: $got_rows, on node 3: $lost_rows (want both)"
all=$(( ($(date +%s%N) - start) / 1000000 ))
echo "three nodes: after kill -9 of node 3 holding every row's lock: node 1 locked its first row of" \
  "nodes 1-2 ${first:-never} ms after the kill, all $got_rows of them (committed balances, write" \
  "gone) by $all ms (one psql per row); the $lost_rows rows of node 3 failed at once with 08006"
# The bound itself: from the kill to each surviving node's log line saying it ended the work.
for i in 1 2; do
  line=$(grep -h "coordinator connection was lost" "$HF_CLUSTER_DIR/node-$i.log" | tail -1)
  [ -n "$line" ] || { fail "node $i did not end node 3's transaction"; continue; }
  at=$(date -d "$(echo "$line" | sed 's/^\[\([^]]*\)\].*/\1/')" +%s%N)
  echo "three nodes: node $i released node 3's locks $(( (at - start) / 1000000 )) ms after the kill:" \
    "$(echo "$line" | sed 's/^.*partition server: //')"
done
# Its session advisory locks: free on nodes 1-2 (S5, S6), 08006 on node 3's partitions.
free=0 gone=0
for k in $(seq 6); do
  got=$(psql_at "${sql[1]}" "select pg_try_advisory_lock($k)")
  if [ "$got" = t ]; then free=$((free + 1))
  elif echo "$got" | grep -q "connection to partition server"; then gone=$((gone + 1))
  else fail "advisory lock $k held by dead node 3: $got"; fi
done
[ "$free" -gt 0 ] || fail "none of node 3's advisory locks on nodes 1-2 was released"
echo "three nodes: node 3's session advisory locks: $free free on nodes 1-2, $gone on node 3's partitions (08006)"
got=$(psql_at "${sql[2]}" "select count(*) from acct"); rc=$?
echo "$got" | grep -q "connection to partition server" ||
  fail "a scan needing node 3's partitions on node 2: $got (want 08006)"
echo "three nodes: done in $(elapsed)"
exit $status
