#!/usr/bin/env bash
# tests/e2e/cluster_replicated.sh — a replicated static cluster (doc/cluster.md §8 C step 3):
# 3 nodes started with `scripts/cluster.sh start 3 --replicas 3`, every partition a Raft group
# with a replica on each node, its leader first on the node the static map names (p mod 3).
# Checks:
#  - the leaders are placed: node 3 serves the partitions the map gives it;
#  - SIGSTOP of node 2 (the map's leader of partitions 1 and 4) for at least 3 s, three election
#    timeouts, while transfers run through nodes 1 and 3: the survivors elect new leaders and
#    keep serving (transfers acknowledged while it is stopped; a write through node 1 to rows
#    of every partition succeeds before it is continued); SIGCONT: the first read and write
#    through node 2, sent while it was stopped, see node 1's write (no stale read from its
#    expired lease) and are seen by node 1; the total never changes;
#  - bank transfers (READ COMMITTED + FOR UPDATE, each also inserting a ledger row) through
#    nodes 1 and 2; kill -9 of node 3 while it leads partitions: the survivors elect new
#    leaders (the time from the kill until node 1 knows a new leader of each of node 3's
#    partitions is printed, and until one serves them), transfers continue (the longest pause
#    between two acknowledged transfers after the kill is printed, and how many were
#    acknowledged before and after the kill), failures are counted by SQLSTATE and are only
#    40001/40P01 (or 08006/25P02 following them), the total never changes, and every
#    acknowledged transfer's ledger row is there;
#  - a lock holder on the node that dies, and a lock at the leader that dies: at node 3's kill,
#    a session on node 3 holds FOR UPDATE on every row of lock_a (rows in every partition) and
#    a session on node 1 holds FOR UPDATE on every row of lock_b; the time until a session on
#    node 1 gets lock_a's rows is printed (bound: item 5's 10 s), and a session on node 2 tries
#    each lock_b row with NOWAIT: a row it gets (its lock lived at node 3's dead leader) must
#    make the node-1 holder's COMMIT fail with 40001 (never a second holder while the first
#    commits); the rows of the live leaders stay held (55P03);
#  - pgbench TPC-B (-M prepared, 2 clients through each of nodes 1 and 2, 40001/40P01 retried)
#    during the same kill: sum(abalance) = sum(bbalance) = sum(tbalance) = sum(delta), and
#    pgbench_history holds at least as many rows as pgbench acknowledged transactions;
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

psql_at "${sql[1]}" "create table acct (id int primary key, bal int); insert into acct select g, 1000 from generate_series(1, 20) g; create table ledger (c int, s int, primary key (c, s)); create table lock_a (k int primary key); insert into lock_a select generate_series(1, 30); create table lock_b (k int primary key); insert into lock_b select generate_series(1, 30); create table fence_check (k int primary key, v int); insert into fence_check select g, 0 from generate_series(1, 30) g" >/dev/null ||
  fail "could not create the tables"
# pgbench's TPC-B tables for the run during node 3's kill (scale 1, generated server-side).
timeout 120 pgbench -h 127.0.0.1 -p "${sql[1]}" -U postgres -i -s 1 -I dtGp -q postgres >"$work/pgbench_init.out" 2>&1 ||
  fail "pgbench -i: $(tail -3 "$work/pgbench_init.out" | tr '\n' ' ')"

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
# xfer_clients ROUNDS SECONDS C:PORT...: one transfer client C through each PORT in the
# background (for at most SECONDS), its output in $work/xfer_C.out; their pids in xpids.
xfer_clients() {
  local rounds=$1 secs=$2 cp
  shift 2
  xpids=()
  for cp in "$@"; do
    xfer_script "${cp%%:*}" "$rounds" |
      timeout "$secs" psql -X -q -h 127.0.0.1 -p "${cp#*:}" -U postgres postgres >"$work/xfer_${cp%%:*}.out" 2>&1 &
    xpids+=($!)
  done
}
# xfer_figures LABEL T_FAULT T_BACK C...: the transfers of clients C acknowledged before the
# fault at T_FAULT (ms), between it and T_BACK (when the faulty node came back; empty: it did
# not) and after, the longest pause between two acknowledged ones after the fault, the
# failures by SQLSTATE; fails unless some were acknowledged after the fault and every failure
# is 40001/40P01 or follows one (25P02, 08006/08007: a lost connection to the dead leader).
xfer_figures() {
  local label=$1 t_fault=$2 t_back=$3 files=() c acks before during after pause codes bad
  shift 3
  for c in "$@"; do files+=("$work/xfer_$c.out"); done
  acks=$(cat "${files[@]}" | grep '^ACK ')
  before=$(awk -v k="$t_fault" '$4 < k' <<<"$acks" | grep -c .)
  after=$(awk -v k="$t_fault" '$4 >= k' <<<"$acks" | grep -c .)
  pause=$( (echo "ACK 0 0 $t_fault"; echo "$acks") | awk -v k="$t_fault" '$4 >= k {print $4}' | sort -n |
    awk 'NR > 1 && $1 - p > m {m = $1 - p} {p = $1} END {print m + 0}')
  codes=$(cat "${files[@]}" | grep -o '^ERROR: *[0-9A-Z]\{5\}:' | awk '{print substr($2, 1, 5)}' | sort | uniq -c |
    awk '{printf "%s%s x%s", (NR > 1 ? ", " : ""), $2, $1}')
  if [ -n "$t_back" ]; then
    during=$(awk -v a="$t_fault" -v b="$t_back" '$4 >= a && $4 < b' <<<"$acks" | grep -c .)
    echo "replicated: $label: transfers acknowledged: $before before, $during while stopped, $((after - during)) after; the longest pause after the stop ${pause} ms; failures by SQLSTATE: ${codes:-none}"
    [ "$during" -gt 0 ] || fail "$label: no transfer was acknowledged while the node was stopped"
  else
    echo "replicated: $label: transfers acknowledged: $before before the kill, $after after it; the longest pause after the kill ${pause} ms; failures by SQLSTATE: ${codes:-none}"
  fi
  [ "$after" -gt 0 ] || fail "$label: no transfer was acknowledged after the fault"
  bad=$(cat "${files[@]}" | grep '^ERROR' | grep -v -e 40001 -e 40P01 -e 25P02 -e 08006 -e 08007 | head -3)
  [ -z "$bad" ] || fail "$label: unexpected errors in the transfers: $bad"
}
# ledger_check LABEL: every transfer acknowledged so far (all clients) has its ledger row.
ledger_check() {
  local lost extra
  psql_at "${sql[1]}" "select c || ' ' || s from ledger" | sort >"$work/ledger"
  cat "$work"/xfer_*.out | grep '^ACK ' | awk '{print $2 " " $3}' | sort >"$work/acked"
  lost=$(comm -23 "$work/acked" "$work/ledger" | grep -c .)
  extra=$(comm -13 "$work/acked" "$work/ledger" | grep -c .)
  [ "$lost" = 0 ] || fail "$1: $lost acknowledged transfers are not in the ledger: $(comm -23 "$work/acked" "$work/ledger" | head -3 | tr '\n' ';')"
  echo "replicated: $1: $(($(grep -c . "$work/acked") - lost)) of $(grep -c . "$work/acked") acknowledged transfers are in the ledger ($extra ledger rows not acknowledged) ($(elapsed))"
}
# psql_retry PORT SQL: psql_at, made again (for at most 10 s) while it fails with a change of
# partition leader or a lost peer: a coordinator whose TxnIds were handed out before a
# partition's takeover is refused there once (the fence, doc/cluster.md §4 (e) G2), as a
# statement that reached a dead leader is.
psql_retry() {
  local out t=$(now_ms)
  until out=$(psql_at "$1" "$2"); do
    case $out in *"could not serialize"*|*"connection to partition server"*) ;; *) break ;; esac
    [ $(($(now_ms) - t)) -lt 10000 ] || break
    sleep 0.1
  done
  echo "$out"
}
total_on() {  # NODE...: the total read on each node must be 20,000
  local i total
  for i in "$@"; do
    total=$(psql_retry "${sql[$i]}" "select sum(bal) from acct")
    [ "$total" = 20000 ] || fail "the total read on node $i: $total"
  done
}
# session_open NAME NODE: a psql session on NODE fed line by line (session_say NAME LINE...),
# its output in $work/NAME.out; session_wait NAME PATTERN SECONDS waits for a line of it.
declare -A session_fd
session_open() {
  mkfifo "$work/$1.in"
  timeout 120 psql -X -q -At -h 127.0.0.1 -p "${sql[$2]}" -U postgres postgres <"$work/$1.in" >"$work/$1.out" 2>&1 &
  exec {session_fd[$1]}>"$work/$1.in"
  session_say "$1" '\set VERBOSITY verbose'
}
session_say() {
  local name=$1 line
  shift
  for line in "$@"; do printf '%s\n' "$line" >&"${session_fd[$name]}"; done
}
session_wait() {
  local i
  for i in $(seq $(($3 * 10))); do grep -q "$2" "$work/$1.out" && return 0; sleep 0.1; done
  return 1
}
session_close() { exec {session_fd[$1]}>&-; }

# SIGSTOP of node 2, the leader of partitions 1 and 4, for three election timeouts while
# transfers run through nodes 1 and 3.
for _ in $(seq 100); do serves 2 1 && serves 2 4 && break; sleep 0.1; done
xfer_clients 1500 14 "3:${sql[1]}" "4:${sql[3]}"
sleep 3
t_stop=$(now_ms)
bash "$root/scripts/cluster.sh" pause 2 >/dev/null
# A write through node 1 to rows of every partition, retried until the survivors serve them.
until out=$(psql_at "${sql[1]}" "update fence_check set v = 1") && [ "$out" = "" ]; do
  [ $(($(now_ms) - t_stop)) -lt 15000 ] || { fail "node 1 could not write fence_check within 15 s of node 2's stop: $out"; break; }
  sleep 0.1
done
t_written=$(now_ms)
left=$((3000 - (t_written - t_stop)))  # stopped for at least three election timeouts
[ "$left" -le 0 ] || sleep "$((left / 1000)).$(printf %03d $((left % 1000)))"
# Node 2's first read and write, sent while it is stopped: they run as soon as it continues.
( printf '%s\n' '\set VERBOSITY verbose' 'select sum(v) from fence_check;' 'update fence_check set v = v + 10;' |
  timeout 60 psql -X -q -At -h 127.0.0.1 -p "${sql[2]}" -U postgres postgres >"$work/resumed.out" 2>&1 ) &
resumed_pid=$!
sleep 0.5
t_cont=$(now_ms)
bash "$root/scripts/cluster.sh" resume 2 >/dev/null
wait "$resumed_pid"
first=$(head -1 "$work/resumed.out")
case $first in
  30) stale="its first read saw node 1's write (sum 30)" ;;
  *"could not serialize"*|*40001*|*08006*|*08007*) stale="its first read was refused (${first:0:100})" ;;
  *) fail "node 2's first read after SIGCONT: '$first' (node 1 had written sum 30 before it)"; stale="stale: $first" ;;
esac
# Node 2 serves again (routing to the new leaders): a read sees node 1's write, a write of it
# is seen by node 1.
until [ "$(psql_retry "${sql[2]}" "select sum(v) from fence_check")" = 30 ]; do
  [ $(($(now_ms) - t_cont)) -lt 15000 ] || { fail "node 2 did not read sum 30 within 15 s of SIGCONT"; break; }
  sleep 0.1
done
t_read=$(now_ms)
if [ "$(cat "$work/resumed.out")" != 30 ]; then  # its read or its write did not go through
  until [ -z "$(psql_retry "${sql[2]}" "update fence_check set v = v + 10")" ]; do
    [ $(($(now_ms) - t_cont)) -lt 15000 ] || { fail "node 2 could not write within 15 s of SIGCONT"; break; }
    sleep 0.1
  done
fi
v=$(psql_retry "${sql[1]}" "select sum(v) from fence_check")
[ "$v" = 330 ] || fail "node 1 reads sum $v after node 2's write (330 expected)"
wait "${xpids[@]}"
lead2=$(awk -v t="$(date -u -d @$((t_cont / 1000)) '+%F %T')" 'substr($0, 2, 19) >= t && /serves here/' "$HF_CLUSTER_DIR/node-2.log" | grep -c .)
echo "replicated: node 2 stopped for $((t_cont - t_stop)) ms: node 1 wrote every partition $((t_written - t_stop)) ms after the stop; after SIGCONT $stale, node 2 read the current sum $((t_read - t_cont)) ms after it, its write was seen by node 1; node 2 took over $lead2 partitions since"
xfer_figures "SIGSTOP of node 2, through nodes 1 and 3" "$t_stop" "$t_cont" 3 4
total_on 1 2 3
placed=$(for p in $(seq 0 $((partitions - 1))); do
  grep -o "partition $p led by node [0-9]*" "$HF_CLUSTER_DIR/node-1.log" | tail -1 | awk '{printf "%s:node %s ", $2, $6}'; done)
echo "replicated: leaders now: $placed ($(elapsed))"

# kill -9 of node 3 while transfers run through nodes 1 and 2, and while a session on node 3
# holds lock_a's rows and one on node 1 holds lock_b's.
xfer_clients 1500 170 "1:${sql[1]}" "2:${sql[2]}"
pids=("${xpids[@]}")
# pgbench TPC-B through nodes 1 and 2 at once (-n: neither truncates pgbench_history, which
# each run would do at its start), 40001/40P01 retried by pgbench.
bpids=()
for n in 1 2; do
  timeout 60 pgbench -n -h 127.0.0.1 -p "${sql[$n]}" -U postgres -M prepared -c 2 -T 20 --max-tries 20 \
    postgres >"$work/pgbench_$n.out" 2>&1 &
  bpids+=($!)
done
session_open hold_a 3
session_say hold_a 'begin;' 'select count(*) from (select k from lock_a for update) l;' '\echo HELD'
session_open hold_b 1
session_say hold_b 'begin;' 'select count(*) from (select k from lock_b for update) l;' '\echo HELD'
session_wait hold_a HELD 20 && session_wait hold_b HELD 20 ||
  fail "the lock holders did not get their rows: $(cat "$work/hold_a.out" "$work/hold_b.out" | head -4 | tr '\n' ' ')"
sleep 4
t_kill=$(now_ms)
bash "$root/scripts/cluster.sh" kill 3 >/dev/null
# lock_a: its holder's node is dead; a session on node 1 gets every row (waits, 20 s at most).
until out=$(psql_at "${sql[1]}" "set lock_timeout = 20000; begin; select count(*) from (select k from lock_a for update) l; commit"); [ "$out" = 30 ]; do
  case $out in *"could not serialize"*|*"connection to partition server"*) ;; *) fail "node 1's lock of lock_a's rows: $out"; break ;; esac
  [ $(($(now_ms) - t_kill)) -lt 30000 ] || { fail "node 1 did not get lock_a's rows within 30 s of node 3's kill"; break; }
  sleep 0.05
done
t_lock_a=$(now_ms)
[ $((t_lock_a - t_kill)) -le 10000 ] || fail "lock_a's rows were freed $((t_lock_a - t_kill)) ms after their holder's node died (bound 10 s)"
# lock_b: its holder (node 1) lives; the rows whose lock lived at node 3's dead leader are
# free at the new leader, but then the holder's COMMIT must fail (40001). A session on node 2
# tries every row with NOWAIT once node 2 reads every partition.
until [ "$(psql_retry "${sql[2]}" "select count(*) from lock_b")" = 30 ]; do
  [ $(($(now_ms) - t_kill)) -lt 30000 ] || { fail "node 2 could not read lock_b within 30 s of node 3's kill"; break; }
  sleep 0.05
done
session_open take_b 2
session_say take_b 'begin;'
for k in $(seq 30); do
  session_say take_b 'savepoint s;' "select k from lock_b where k = $k for update nowait;" \
    '\if :ERROR' 'rollback to savepoint s;' '\else' "\\echo GOT $k \`date +%s%3N\`" '\endif'
done
session_say take_b '\echo TRIED'
session_wait take_b TRIED 30 || fail "node 2's NOWAIT tries of lock_b did not end"
got=$(grep -c '^GOT' "$work/take_b.out")
held=$(grep -c '55P03' "$work/take_b.out")
other=$(grep '^ERROR' "$work/take_b.out" | grep -v 55P03 | head -2 | tr '\n' ' ')
t_got=$(grep '^GOT' "$work/take_b.out" | head -1 | awk '{print $3}')
session_say hold_b 'commit;' '\echo COMMITTED :ERROR'
session_wait hold_b COMMITTED 30 || fail "lock_b's holder's COMMIT did not return"
commit_out=$(sed -n '/HELD/,$p' "$work/hold_b.out" | grep -v HELD | tr '\n' ' ')
if [ "$got" -gt 0 ]; then
  if grep -q 'ERROR: *40001' "$work/hold_b.out"; then verdict="the holder's COMMIT then failed 40001"
  else
    fail "node 2 got $got of lock_b's rows while their holder on node 1 lived, and the holder's COMMIT did not fail 40001: $commit_out"
    verdict="the holder's COMMIT did not fail"
  fi
else
  grep -q 'COMMITTED false' "$work/hold_b.out" || fail "lock_b's holder's COMMIT failed although nobody took its rows: $commit_out"
  verdict="the holder committed"
fi
session_say take_b 'rollback;'
session_close take_b; session_close hold_b; session_close hold_a
echo "replicated: node 3's kill: its session's locks (lock_a, 30 rows) were taken by node 1 $((t_lock_a - t_kill)) ms after the kill (bound 10,000 ms); of lock_b's 30 rows held by a session on node 1, node 2 got $got with NOWAIT ${t_got:+ (the first $((t_got - t_kill)) ms after the kill)} and $held were still held (55P03)${other:+; other errors: $other}; $verdict"
[ $((got + held)) = 30 ] || fail "node 2's NOWAIT tries of lock_b: $got got, $held held, other errors: $other"

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
wait "${pids[@]}" "${bpids[@]}"
# TPC-B's own consistency: every committed transaction changed one account, teller and branch
# by its delta and added a history row with it; every acknowledged one is in the history.
acked=$(cat "$work"/pgbench_[12].out | awk '/actually processed/ {s += $NF} END {print s + 0}')
retried=$(cat "$work"/pgbench_[12].out | awk '/total number of retries/ {s += $NF} END {print s + 0}')
aborted=$(cat "$work"/pgbench_[12].out | grep -o 'aborted in command.*' | sed 's/.*ERROR: *//' | sort | uniq -c |
  awk '{c = $1; $1 = ""; printf "%s%s x%s", (NR > 1 ? "; " : ""), substr($0, 2, 50), c}')
read -r sa sb st sd nh <<<"$(psql_retry "${sql[1]}" "select (select sum(abalance) from pgbench_accounts) || ' ' || (select sum(bbalance) from pgbench_branches) || ' ' || (select sum(tbalance) from pgbench_tellers) || ' ' || (select coalesce(sum(delta), 0) from pgbench_history) || ' ' || (select count(*) from pgbench_history)")"
[ -n "$nh" ] && [ "$sa" = "$sb" ] && [ "$sb" = "$st" ] && [ "$st" = "$sd" ] ||
  fail "pgbench's sums differ: accounts $sa, branches $sb, tellers $st, history $sd"
[ -n "$nh" ] && [ "$nh" -ge "$acked" ] || fail "$acked TPC-B transactions were acknowledged and pgbench_history has $nh rows"
[ "$acked" -gt 0 ] || fail "pgbench acknowledged no transaction"
echo "replicated: pgbench TPC-B through nodes 1 and 2 during node 3's kill: $acked transactions acknowledged, $nh history rows; sum(abalance) = sum(bbalance) = sum(tbalance) = sum(delta) = $sa; $retried retries (40001/40P01); clients aborted: ${aborted:-none}"
leaders=
for p in 2 5; do
  ms=$(led_after "$p")
  [ -n "$ms" ] || fail "node 1 did not learn a new leader of partition $p after node 3's kill"
  by=$(grep -l "partition $p serves here" "$HF_CLUSTER_DIR"/node-[12].log | sed 's/.*node-\([0-9]\).log/\1/' | tr '\n' ' ')
  leaders+="partition $p: a new leader known to node 1 ${ms} ms after the kill, served by node(s) ${by% };"
done
echo "replicated: $leaders"

xfer_figures "kill -9 of node 3, through nodes 1 and 2" "$t_kill" "" 1 2
total_on 1 2
ledger_check "total 20000 on nodes 1 and 2"

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
ledger_check "at the end"

[ $status = 0 ] && echo "cluster_replicated: PASS ($(elapsed))" || echo "cluster_replicated: FAIL ($(elapsed))"
exit $status
