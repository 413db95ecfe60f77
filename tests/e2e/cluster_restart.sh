#!/usr/bin/env bash
# tests/e2e/cluster_restart.sh — a node of the static cluster killed and restarted (issue 12
# "the killed node rejoins and catches up"; doc/cluster.md §8 B, restarting a node). A 3-node
# cluster (scripts/cluster.sh); node 3 owns a third of the partitions.
# Checks:
#  - kill -9 of node 3 during bank transfers through nodes 1, 2 and 3, then
#    `cluster.sh restart 3`: node 3 settles the intents its previous life left as node 1's
#    registry decides (its log says how many), nodes 1 and 2 reach it again; the time from the
#    restart command until node 1 locks every row (node 3's among them) is printed;
#  - the total is kept, read from every node; every row is readable and lockable (FOR UPDATE)
#    from every node; transfers through the 3 nodes (READ COMMITTED + FOR UPDATE, then
#    SERIALIZABLE) work again and keep the total;
#  - a transaction of node 1 holding the lock of every row (node 3's among them) across node
#    3's kill and restart does not commit: its next statement fails (40001, the restarted node
#    refuses a transaction begun before its life; or 08006 before node 1 reached it again), and
#    its update never appears; a session of node 2 then locks every row;
#  - a session of node 1 holding session advisory locks, some on node 3's partitions, is ended
#    when node 3 dies (57P01: those locks are gone); after the restart node 2 takes every key;
#  - node 1 refuses to restart (the registry's host: not built).
# Prints the time of each part.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export HOLDFAST_BIN=${HOLDFAST_BIN:-$root/${HF_BUILD_PREFIX:-build}/holdfast}
source "$here/nodes_lib.sh"
cluster_scratch restart

bash "$root/scripts/cluster.sh" start 3 | sed 's/^/cluster: /' ||
  { echo "FAIL: the cluster did not start"; exit 1; }
declare -A sql
while read -r i s c pid; do sql[$i]=$s; done <"$HF_CLUSTER_DIR/cluster.txt"

status=0
psql_at "${sql[1]}" "create table acct (id int primary key, bal int); insert into acct select g, 1000 from generate_series(1, 20) g" >/dev/null

# every_row_locked PORT: "20" when one transaction on PORT locks every row FOR UPDATE.
every_row_locked() {
  psql_at "$1" "select count(*) from (select id from acct order by id for update) s" 2>&1 | tail -1
}

# Part 1: kill -9 of node 3 during transfers, restart, the total kept.
pids=()
for n in 1 2 3; do
  transfer_script rc "$n" 400 |
    timeout 180 psql -X -q -h 127.0.0.1 -p "${sql[$n]}" -U postgres postgres \
      >"$work/xfer_$n.out" 2>&1 &
  pids+=($!)
done
sleep 3
bash "$root/scripts/cluster.sh" kill 3 >/dev/null
sleep 1
t_restart=$(now_ms)
bash "$root/scripts/cluster.sh" restart 3 >"$work/restart.out" 2>&1 &
rpid=$!
lockable=
until [ "$(every_row_locked "${sql[1]}")" = 20 ]; do
  [ $(($(now_ms) - t_restart)) -lt 60000 ] || break
  sleep 0.05
done
[ $(($(now_ms) - t_restart)) -lt 60000 ] && lockable=$(($(now_ms) - t_restart))
wait "$rpid" || { fail "node 3 did not restart: $(cat "$work/restart.out")"; tail -20 "$HF_CLUSTER_DIR/node-3.log"; exit 1; }
ready=$(grep -o 'restarted (boot 2).*' "$HF_CLUSTER_DIR/node-3.log" | head -1)
[ -n "$ready" ] || fail "node 3's log does not say how it settled its previous life's transactions"
[ -n "$lockable" ] || fail "node 1 could not lock every row within 60 s of node 3's restart"
wait "${pids[@]}"
bad=$(cat "$work"/xfer_[12].out | grep ERROR | grep -v -e "could not serialize" -e "deadlock detected" \
  -e "current transaction is aborted" -e "connection to partition server" -e "could not connect" | head -3)
[ -z "$bad" ] || fail "unexpected errors in the transfers of nodes 1 and 2: $bad"
for i in 1 2 3; do
  total=$(psql_at "${sql[$i]}" "select sum(bal) from acct")
  [ "$total" = 20000 ] || fail "the total read on node $i after node 3's restart: $total"
done
reach=$(for i in 1 2; do grep -o "reached node 3 again .* ms after it was lost" "$HF_CLUSTER_DIR/node-$i.log" | tail -1; done)
[ "$(grep -c . <<<"$reach")" = 2 ] || fail "nodes 1 and 2 did not both reach node 3 again: $reach"
echo "restart: kill -9 of node 3 during transfers, restart 1 s later: node 3 $ready;" \
  "node 1 locked every row (node 3's among them) $lockable ms after the restart command;" \
  "$(echo "$reach" | tr '\n' ';') the total is 20000 on every node ($(elapsed))"

# Every row readable and lockable from every node, one statement per row.
for i in 1 2 3; do
  ok=0
  for id in $(seq 20); do
    got=$(psql_at "${sql[$i]}" "begin; select bal from acct where id = $id for update; commit;")
    [[ $got =~ ^[0-9]+$ ]] && ok=$((ok + 1)) || fail "node $i: row $id after node 3's restart: $got"
  done
  echo "restart: node $i read and locked $ok of 20 rows one by one"
done

# Transfers through the 3 nodes work again (statements needing node 3's partitions from 1, 2).
transfers_on_acct "restart: after the restart, through 3 nodes" 40 "${sql[1]}" "${sql[2]}" "${sql[3]}"

# Part 2: a lock holder across node 3's restart never commits (C4).
psql -X -q -h 127.0.0.1 -p "${sql[1]}" -U postgres postgres >"$work/holder.out" 2>&1 <<'SQL' &
begin;
select count(*) from (select id from acct order by id for update) s;
select pg_sleep(7);
update acct set bal = bal + 1;
commit;
SQL
hpid=$!
for _ in $(seq 100); do grep -q '^ *20$' "$work/holder.out" 2>/dev/null && break; sleep 0.1; done
grep -q '^ *20$' "$work/holder.out" || fail "node 1's holder did not lock the rows: $(cat "$work/holder.out")"
bash "$root/scripts/cluster.sh" kill 3 >/dev/null
sleep 0.5
bash "$root/scripts/cluster.sh" restart 3 >/dev/null 2>&1 || fail "node 3 did not restart a second time"
wait "$hpid"
if grep -q "restart of cluster node 3" "$work/holder.out"; then how="40001 (refused by node 3's new life)"
elif grep -q "connection to partition server" "$work/holder.out"; then how="08006 (before node 1 reached node 3 again)"
else how=; fail "node 1's holder across node 3's restart: $(cat "$work/holder.out")"; fi
total=$(psql_at "${sql[1]}" "select sum(bal) from acct")
[ "$total" = 20000 ] || fail "the holder's update after node 3's restart committed: total $total"
got=$(every_row_locked "${sql[2]}")
[ "$got" = 20 ] || fail "node 2 could not lock every row after the holder failed: $got"
echo "restart: node 1's holder of every row across node 3's restart failed with $how; its update is not there; node 2 then locked every row ($(elapsed))"

# Part 3: a session of node 1 holding session advisory locks on node 3's partitions (30 keys:
# some are there) is ended when node 3 dies (its locks there are gone); after node 3's restart
# a session of node 2 takes every key.
psql -X -q -h 127.0.0.1 -p "${sql[1]}" -U postgres postgres >"$work/advisory.out" 2>&1 <<'SQL' &
select count(*) from (select pg_advisory_lock(k) from generate_series(1, 30) k) s;
select pg_sleep(20);
select 'still here';
SQL
apid=$!
for _ in $(seq 100); do grep -q '^ *30$' "$work/advisory.out" 2>/dev/null && break; sleep 0.1; done
grep -q '^ *30$' "$work/advisory.out" || fail "node 1's session did not take the advisory locks: $(cat "$work/advisory.out")"
t_kill=$(now_ms)
bash "$root/scripts/cluster.sh" kill 3 >/dev/null
wait "$apid"
ended_ms=$(($(now_ms) - t_kill))
grep -q "terminating connection" "$work/advisory.out" && ! grep -q "still here" "$work/advisory.out" ||
  fail "node 1's session holding advisory locks on node 3 was not ended: $(cat "$work/advisory.out")"
bash "$root/scripts/cluster.sh" restart 3 >/dev/null 2>&1 || fail "node 3 did not restart a third time"
got=$(psql_at "${sql[2]}" "select count(*) filter (where pg_try_advisory_lock(k)) from generate_series(1, 30) k")
[ "$got" = 30 ] || fail "node 2 took $got of the 30 advisory keys after node 3's restart (want 30)"
echo "restart: node 1's session holding advisory locks on node 3's partitions ended ${ended_ms} ms after node 3's kill (57P01); after the restart node 2 took all 30 keys ($(elapsed))"

# Node 1, the registry's host, refuses to restart.
bash "$root/scripts/cluster.sh" kill 1 >/dev/null
out=$("$HOLDFAST_BIN" --node-id 1 --port "$(bash "$root/scripts/freeport.sh")" --data "$HF_CLUSTER_DIR/node-1" \
  --peers "$(awk '{printf "%s%s=127.0.0.1:%s", (NR > 1 ? "," : ""), $1, $3}' "$HF_CLUSTER_DIR/cluster.txt")" 2>&1)
rc=$?
[ $rc != 0 ] && grep -q "restarting node 1" <<<"$out" || fail "node 1's restart was not refused: rc $rc: $(tail -2 <<<"$out")"
echo "restart: node 1 refuses to restart (its registry is not built to restart)"

[ $status = 0 ] && echo "cluster_restart: PASS ($(elapsed))" || echo "cluster_restart: FAIL ($(elapsed))"
exit $status
