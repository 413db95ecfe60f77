# tests/e2e/nodes_lib.sh — checks shared by the scripts that run one database on several
# holdfast nodes (sql_nodes.sh: SQL nodes over one storage node; cluster.sh: partitions spread
# over the nodes). Source it after defining `work` (a scratch folder); a failed check prints
# "FAIL: ..." and sets status=1, the caller's verdict.

status=${status:-0}
fail() { echo "FAIL: $1"; status=1; }
psql_at() { timeout 60 psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$1" -U postgres postgres -c "$2" 2>&1; }

# cluster_scratch NAME — for a script that runs a cluster with scripts/cluster.sh: a scratch
# folder ($work, removed at exit) holding the cluster's folders ($HF_CLUSTER_DIR), a trap that
# stops the cluster and, when the run failed ($status not 0), keeps the nodes' logs in
# /tmp/hf-NAME-last; t0, elapsed and now_ms for the printed figures. Call it at the top level
# (the trap is the script's).
cluster_scratch() {
  local name=$1
  work=$(mktemp -d "/tmp/hf-$name-XXXX")
  chmod 755 "$work"
  export HF_CLUSTER_DIR=$work/cluster
  scratch_name=$name
  t0=$(date +%s)
  trap cluster_scratch_cleanup EXIT
}
cluster_scratch_cleanup() {
  bash "$root/scripts/cluster.sh" stop >/dev/null 2>&1
  if [ "${status:-0}" != 0 ]; then
    rm -rf "/tmp/hf-$scratch_name-last" && mkdir -p "/tmp/hf-$scratch_name-last"
    cp "$HF_CLUSTER_DIR"/node-*.log "/tmp/hf-$scratch_name-last/" 2>/dev/null
    echo "logs: /tmp/hf-$scratch_name-last"
  fi
  rm -rf "$work"
}
elapsed() { echo "$(($(date +%s) - t0)) s"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# transfers_keep_total LABEL ROUNDS PORT... — bank transfers among 20 accounts, one client per
# PORT (a port may repeat), ROUNDS transfers each: READ COMMITTED + FOR UPDATE, then
# SERIALIZABLE. The total must stay 20,000 and the only errors be retryable ones; prints the
# retryable failures as "LABEL: MODE transfers ...".
transfers_keep_total() {
  psql_at "$3" "create table acct (id int primary key, bal int); insert into acct select g, 1000 from generate_series(1, 20) g" >/dev/null
  transfers_on_acct "$@"
}

# transfers_on_acct LABEL ROUNDS PORT...: the same on the table acct that is there (its
# total 20,000).
transfers_on_acct() {
  local label=$1 rounds=$2
  shift 2
  local ports=("$@") mode n total bad pids
  for mode in rc ser; do
    pids=()
    for n in "${!ports[@]}"; do
      transfer_script "$mode" $((n + 1)) "$rounds" |
        timeout 120 psql -X -q -h 127.0.0.1 -p "${ports[$n]}" -U postgres postgres \
          >"$work/xfer_${mode}_$n.out" 2>&1 &
      pids+=($!)
    done
    wait "${pids[@]}"
    total=$(psql_at "${ports[0]}" "select sum(bal) from acct")
    [ "$total" = 20000 ] || fail "the total changed under $mode transfers ($label): $total"
    bad=$(cat "$work"/xfer_"${mode}"_*.out | grep ERROR | grep -v -e "could not serialize" \
      -e "deadlock detected" -e "current transaction is aborted" | head -3)
    [ -z "$bad" ] || fail "unexpected errors in $mode transfers: $bad"
    echo "$label: $mode transfers: total $total," \
      "$(cat "$work"/xfer_"${mode}"_*.out | grep -c -e "could not serialize" -e "deadlock detected") retryable failures"
  done
}

# transfer_script ISOLATION SEED ROUNDS: one client's transfers as SQL.
transfer_script() {
  local i from to
  for i in $(seq "$3"); do
    from=$(( (i * 7 + $2) % 20 + 1 )) to=$(( (i * 13 + $2 * 3) % 20 + 1 ))
    [ "$from" = "$to" ] && continue
    if [ "$1" = rc ]; then
      echo "begin; select bal from acct where id in ($from, $to) order by id for update;"
    else
      echo "begin isolation level serializable; select sum(bal) from acct;"
    fi
    echo "update acct set bal = bal - 5 where id = $from; update acct set bal = bal + 5 where id = $to; commit;"
  done
}
