#!/usr/bin/env bash
# tests/e2e/cluster_replicated.sh — a replicated static cluster (doc/cluster.md §8 C step 3):
# 3 nodes started with `scripts/cluster.sh start 3 --replicas 3`, every partition a Raft group
# with a replica on each node, its leader first on the node the static map names (p mod 3).
# Checks:
#  - the leaders are placed: node 3 serves the partitions the map gives it;
#  - bank transfers (READ COMMITTED + FOR UPDATE, each also inserting a ledger row) through
#    nodes 1 and 2; kill -9 of node 3 while it leads partitions: the survivors elect new
#    leaders (the time from the kill until node 1 knows a new leader of each of node 3's
#    partitions is printed, and until one serves them), transfers continue (the longest pause
#    between two acknowledged transfers after the kill is printed, and how many were
#    acknowledged before and after the kill), failures are counted by SQLSTATE and are only
#    40001/40P01 (or 08006/25P02 following them), the total never changes, and every
#    acknowledged transfer's ledger row is there;
#  - node 3 restarted on its data (`cluster.sh restart 3`): it serves SQL again and reads the
#    total, and transfers through nodes 1 and 3 keep it; then node 2 is killed, so every
#    commit needs node 3's replica (2 of 3), which appends only once its log matches the
#    leader's: transfers through nodes 1 and 3 keep the total (node 3 caught up).
# Ports: $HF_CLUSTER_BASE_PORT (default 23100) and up (SQL +1..3, cluster +11..13, Raft
# +100..+195).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export HOLDFAST_BIN=${HOLDFAST_BIN:-$root/${HF_BUILD_PREFIX:-build}/holdfast}
export HF_CLUSTER_BASE_PORT=${HF_CLUSTER_BASE_PORT:-23100}
source "$here/nodes_lib.sh"
cluster_scratch replicated
partitions=6

bash "$root/scripts/cluster.sh" start 3 --replicas 3 -- --partitions "$partitions" | sed 's/^/cluster: /' ||
  { echo "FAIL: the cluster did not start"; exit 1; }
declare -A sql
while read -r i s c pid; do sql[$i]=$s; done <"$HF_CLUSTER_DIR/cluster.txt"
status=0

# The static map's leaders: node 3 serves partitions 2 and 5 (p mod 3 = 2) once placed.
serves() { grep -q "cluster node $1: partition $2 serves here" "$HF_CLUSTER_DIR/node-$1.log"; }
for _ in $(seq 300); do serves 3 2 && serves 3 5 && break; sleep 0.1; done
serves 3 2 && serves 3 5 || { fail "node 3 does not serve partitions 2 and 5 within 30 s"; exit 1; }
placed=$(for p in $(seq 0 $((partitions - 1))); do
  grep -o "partition $p led by node [0-9]*" "$HF_CLUSTER_DIR/node-1.log" | tail -1 | awk '{printf "%s:node %s ", $2, $6}'; done)
echo "replicated: leaders placed: $placed ($(elapsed))"

psql_at "${sql[1]}" "create table acct (id int primary key, bal int); insert into acct select g, 1000 from generate_series(1, 20) g; create table ledger (c int, s int, primary key (c, s))" >/dev/null ||
  fail "could not create the tables"

# xfer_script CLIENT ROUNDS: transfers as psql input; each acknowledged one echoes
# "ACK CLIENT SEQ MS" (ms: the wall clock when COMMIT returned without error).
xfer_script() {
  local c=$1 i from to
  echo '\set VERBOSITY verbose'
  for i in $(seq "$2"); do
    from=$(( (i * 7 + c) % 20 + 1 )) to=$(( (i * 13 + c * 3) % 20 + 1 ))
    [ "$from" = "$to" ] && continue
    echo "begin; select bal from acct where id in ($from, $to) order by id for update;"
    echo "update acct set bal = bal - 5 where id = $from; update acct set bal = bal + 5 where id = $to;"
    echo "insert into ledger values ($c, $i);"
    echo '\if :ERROR'
    echo 'rollback;'
    echo '\else'
    echo 'commit;'
    echo "\\if :ERROR \\else \\echo ACK $c $i \`date +%s%3N\` \\endif"
    echo '\endif'
  done
}
pids=()
for c in 1 2; do
  xfer_script "$c" 1500 |
    timeout 170 psql -X -q -h 127.0.0.1 -p "${sql[$c]}" -U postgres postgres >"$work/xfer_$c.out" 2>&1 &
  pids+=($!)
done
sleep 5
t_kill=$(now_ms)
bash "$root/scripts/cluster.sh" kill 3 >/dev/null
# Node 1 learns new leaders of 2 and 5 (its log), and nodes 1 or 2 serve them.
led_after() {  # PARTITION: ms after the kill when node 1 logged a leader other than node 3
  python3 - "$HF_CLUSTER_DIR/node-1.log" "$t_kill" "$1" <<'PY'
import re, sys, datetime
log, t_kill, p = sys.argv[1], int(sys.argv[2]), sys.argv[3]
pat = re.compile(r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3})\].*partition " + p + r" led by node (\d+)")
best = None
for line in open(log, errors="replace"):
    m = pat.search(line)
    if not m or m.group(2) in ("0", "3"): continue
    t = datetime.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=datetime.timezone.utc)
    ms = int(t.timestamp() * 1000) - t_kill
    if ms >= 0: best = ms; break
print(best if best is not None else "")
PY
}
wait "${pids[@]}"
leaders=
for p in 2 5; do
  ms=$(led_after "$p")
  [ -n "$ms" ] || fail "node 1 did not learn a new leader of partition $p after node 3's kill"
  by=$(grep -l "partition $p serves here" "$HF_CLUSTER_DIR"/node-[12].log | sed 's/.*node-\([0-9]\).log/\1/' | tr '\n' ' ')
  leaders+="partition $p: a new leader known to node 1 ${ms} ms after the kill, served by node(s) ${by% };"
done
echo "replicated: $leaders"

# The figures: acknowledged transfers before and after the kill, the longest pause after it.
acks=$(cat "$work"/xfer_[12].out | grep '^ACK ')
before=$(awk -v k="$t_kill" '$4 < k' <<<"$acks" | grep -c .)
after=$(awk -v k="$t_kill" '$4 >= k' <<<"$acks" | grep -c .)
pause=$( (echo "ACK 0 0 $t_kill"; echo "$acks") | awk -v k="$t_kill" '$4 >= k {print $4}' | sort -n |
  awk 'NR > 1 && $1 - p > m {m = $1 - p} {p = $1} END {print m + 0}')
codes=$(cat "$work"/xfer_[12].out | grep -o '^ERROR: *[0-9A-Z]\{5\}:' | awk '{print substr($2, 1, 5)}' | sort | uniq -c |
  awk '{printf "%s%s x%s", (NR > 1 ? ", " : ""), $2, $1}')
echo "replicated: transfers acknowledged: $before before the kill, $after after it; the longest pause after the kill ${pause} ms; failures by SQLSTATE: ${codes:-none}"
[ "$after" -gt 0 ] || fail "no transfer was acknowledged after node 3's kill"
bad=$(cat "$work"/xfer_[12].out | grep '^ERROR' | grep -v -e 40001 -e 40P01 -e 25P02 -e 08006 -e 08007 | head -3)
[ -z "$bad" ] || fail "unexpected errors in the transfers: $bad"
for i in 1 2; do
  total=$(psql_at "${sql[$i]}" "select sum(bal) from acct")
  [ "$total" = 20000 ] || fail "the total read on node $i after node 3's kill: $total"
done
# Every acknowledged transfer's ledger row is there.
psql_at "${sql[1]}" "select c || ' ' || s from ledger" | sort >"$work/ledger"
awk '{print $2 " " $3}' <<<"$acks" | sort >"$work/acked"
lost=$(comm -23 "$work/acked" "$work/ledger" | grep -c .)
extra=$(comm -13 "$work/acked" "$work/ledger" | grep -c .)
[ "$lost" = 0 ] || fail "$lost acknowledged transfers are not in the ledger: $(comm -23 "$work/acked" "$work/ledger" | head -3 | tr '\n' ';')"
echo "replicated: total 20000 on nodes 1 and 2; $(($(grep -c . "$work/acked") - lost)) of $(grep -c . "$work/acked") acknowledged transfers are in the ledger ($extra ledger rows not acknowledged) ($(elapsed))"

# Node 3 restarted: it serves SQL again, reads the total and transfers.
t_restart=$(now_ms)
bash "$root/scripts/cluster.sh" restart 3 >"$work/restart.out" 2>&1 ||
  { fail "node 3 did not restart: $(tail -5 "$work/restart.out")"; exit 1; }
total=$(psql_at "${sql[3]}" "select sum(bal) from acct")
[ "$total" = 20000 ] || fail "node 3 after its restart reads the total $total"
echo "replicated: node 3 restarted and read the total 20000 $(($(now_ms) - t_restart)) ms after the restart command ($(elapsed))"
transfers_on_acct "replicated: after node 3's restart, through nodes 1 and 3" 30 "${sql[1]}" "${sql[3]}"

# Node 2 killed: every commit now needs node 3's replica (a majority is 2 of 3), which accepts
# appends only once its log matches the leader's (it caught up); transfers through nodes 1 and
# 3 keep the total.
t_kill2=$(now_ms)
bash "$root/scripts/cluster.sh" kill 2 >/dev/null
until [ "$(psql_at "${sql[1]}" "select sum(bal) from acct")" = 20000 ]; do
  [ $(($(now_ms) - t_kill2)) -lt 30000 ] || { fail "node 1 could not read the total within 30 s of node 2's kill"; break; }
  sleep 0.1
done
echo "replicated: node 2 killed: node 1 read every partition again $(($(now_ms) - t_kill2)) ms later"
transfers_on_acct "replicated: with node 2 killed, through nodes 1 and 3" 30 "${sql[1]}" "${sql[3]}"
s3=$(awk '/restarting node 3 at/ {f = 1} f && /serves here/' "$HF_CLUSTER_DIR/node-3.log" | grep -c .)
echo "replicated: with node 2 killed, every commit needed node 3's replica (2 of 3); node 3 took over $s3 partitions since its restart; the total is kept ($(elapsed))"

[ $status = 0 ] && echo "cluster_replicated: PASS ($(elapsed))" || echo "cluster_replicated: FAIL ($(elapsed))"
exit $status
