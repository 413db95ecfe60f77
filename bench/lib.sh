# bench/lib.sh — shared by the pgbench-driven benchmarks: start/stop a target on a free port.
# Targets: holdfast (scripts/server.sh, build/holdfast), cluster (scripts/cluster.sh: an
# $HF_CLUSTER_NODES-node holdfast cluster on loopback, default 3, partitions spread over the
# nodes, unreplicated), replicated (the same cluster started with `--replicas N`: every
# partition a Raft group with a replica on each node, doc/cluster.md §8 C) and pg
# (scripts/pg.sh, PostgreSQL 15), all with fsync on. Source it; it sets root, work (a temp dir
# removed at exit) and defines
#   target_start NAME   -> sets port (a cluster's: node 1's SQL port, and cluster_ports: every
#                          node's); returns 1 when the server did not come up or answer
#   target_stop NAME
#   sql NAME STATEMENT  -> psql -Atc on that target
#   pgb NAME ARGS...    -> pgbench on that target. On a cluster (either kind), a run with -c N spreads its
#                          clients over the nodes (one pgbench per node, N/nodes clients each)
#                          and prints their reports, then the sums: "tps = " and the
#                          transaction-weighted "latency average = ", which parse_pgbench reads.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d /tmp/hf-bench-XXXX)
chmod 755 "$work"
declare -A bench_port
cluster_ports=()
results=$root/bench/results
mkdir -p "$results"
stamp=$(date -u +%Y%m%dT%H%M%SZ)

target_start() {
  local t=$1 port
  # HF_BENCH_PORT_BASE: fixed ports (holdfast BASE, pg BASE+1) for runs that were given a
  # port range; otherwise a free port the kernel picks.
  case ${HF_BENCH_PORT_BASE:+$t} in
    holdfast) port=$HF_BENCH_PORT_BASE ;;
    pg) port=$((HF_BENCH_PORT_BASE + 1)) ;;
    *) port=$(bash "$root/scripts/freeport.sh") ;;
  esac
  bench_port[$t]=$port
  case $t in
    holdfast) bash "$root/scripts/server.sh" start --port "$port" --data "$work/hf-data" --log "$work/holdfast.log" \
      -- ${HF_SERVER_ARGS:-} >/dev/null || return 1 ;;
    pg) bash "$root/scripts/pg.sh" start "$port" "$work/pg" >/dev/null || return 1 ;;
    cluster | replicated)
      local n=${HF_CLUSTER_NODES:-3} replicas=()
      [ "$t" = replicated ] && replicas=(--replicas "$n")
      HF_CLUSTER_DIR=$work/$t bash "$root/scripts/cluster.sh" start "$n" "${replicas[@]}" \
        -- ${HF_SERVER_ARGS:-} >/dev/null || return 1
      mapfile -t cluster_ports < <(awk '{print $2}' "$work/$t/cluster.txt")
      bench_port[$t]=${cluster_ports[0]} ;;
  esac
  [ "$(sql "$t" 'select 1' 2>/dev/null)" = 1 ]
}
target_stop() {
  case $1 in
    holdfast) bash "$root/scripts/server.sh" stop --port "${bench_port[$1]}" >/dev/null 2>&1 ;;
    pg) bash "$root/scripts/pg.sh" stop "${bench_port[$1]}" "$work/pg" >/dev/null 2>&1 ;;
    cluster | replicated) HF_CLUSTER_DIR=$work/$1 bash "$root/scripts/cluster.sh" stop >/dev/null 2>&1 ;;
  esac
  return 0
}
sql() { psql -X -q -h 127.0.0.1 -p "${bench_port[$1]}" -U postgres -d postgres -Atc "$2"; }
pgb() {
  local t=$1; shift
  local a clients=0 init=0
  for a in "$@"; do case $a in -i) init=1 ;; esac; done
  a=("$@")
  for ((i = 0; i < ${#a[@]} - 1; i++)); do [ "${a[i]}" = -c ] && clients=${a[i + 1]}; done
  if [ "$t" != cluster ] && [ "$t" != replicated ] || [ $init = 1 ] || [ "$clients" -lt 2 ]; then
    pgbench -h 127.0.0.1 -p "${bench_port[$t]}" -U postgres "$@" postgres
    return
  fi
  # A cluster run: node k gets clients/n (+1 for the first clients%n nodes), -j at most that.
  local n=${#cluster_ports[@]} k share args pids=() rc=0
  for ((k = 0; k < n; k++)); do
    share=$((clients / n + (k < clients % n ? 1 : 0)))
    [ "$share" -gt 0 ] || continue
    args=()
    for ((i = 0; i < ${#a[@]}; i++)); do
      case ${a[i]} in
        -c) args+=(-c "$share"); i=$((i + 1)) ;;
        -j) args+=(-j "$((a[i + 1] < share ? a[i + 1] : share))"); i=$((i + 1)) ;;
        *) args+=("${a[i]}") ;;
      esac
    done
    pgbench -h 127.0.0.1 -p "${cluster_ports[k]}" -U postgres "${args[@]}" postgres >"$work/pgb-node$k.out" 2>&1 &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || rc=1; done
  for ((k = 0; k < n; k++)); do [ -f "$work/pgb-node$k.out" ] && { echo "-- node $((k + 1)):"; cat "$work/pgb-node$k.out"; }; done
  # Sum: tps adds up; the average latency is weighted by each node's processed transactions.
  cat "$work"/pgb-node*.out | awk '/^number of transactions actually processed:/{split($6, x, "/"); tx[++n]=x[1]}
    /^latency average = /{lat[++m]=$4} /^tps = /{tps+=$3}
    END{w=0; s=0; for (i = 1; i <= n; i++) {w+=tx[i]; s+=tx[i]*lat[i]}
        printf "tps = %.2f (spread over the nodes)\n", tps; if (w > 0) printf "latency average = %.3f ms\n", s/w}'
  rm -f "$work"/pgb-node*.out
  return $rc
}
bench_cleanup() {
  for t in "${!bench_port[@]}"; do target_stop "$t"; done
  [ -n "${HF_KEEP:-}" ] && echo "kept: $work" || rm -rf "$work"
}
trap bench_cleanup EXIT

# tps and average latency from a pgbench report on stdin: "TPS LAT_MS"
parse_pgbench() {
  awk '/^tps = /{tps=$3} /^latency average = /{lat=$4} END{printf "%s %s\n", (tps==""?"-":tps), (lat==""?"-":lat)}'
}
# p99 latency in ms from pgbench -l logs (3rd column: microseconds)
p99_ms() {
  cat "$@" 2>/dev/null | awk '$3 ~ /^[0-9]+$/{print $3}' | sort -n |
    awk '{a[NR]=$1} END{if (NR==0) print "-"; else {i=int(NR*0.99); if (i<1) i=1; printf "%.2f\n", a[i]/1000}}'
}
# load_jobs TARGET N: the queue table of bench/sql/queue_claim.sql with N ready jobs, loaded
# 50000 per statement (each its own transaction; one that fails is tried again, twice: on the
# replicated cluster a leader whose lease lapsed on a loaded machine fails it with 40001).
load_jobs() {
  local t=$1 n=$2 a b t0 try
  sql "$t" "CREATE TABLE jobs (id int PRIMARY KEY, state text NOT NULL);
            CREATE INDEX jobs_state_id ON jobs (state, id);" || return 1
  t0=$(date +%s)
  for ((a = 1; a <= n; a += 50000)); do
    b=$((a + 49999 < n ? a + 49999 : n))
    for try in 1 2 3; do
      sql "$t" "INSERT INTO jobs SELECT g, 'ready' FROM generate_series($a, $b) g" >/dev/null && break
      [ $try = 3 ] && return 1
    done
  done
  echo "   queue: $n jobs loaded in $(($(date +%s) - t0)) s"
}
# plot_histogram PNG TITLE DATA SERIES...: clustered bars on a log scale from DATA (one row per
# workload: its name, then one value per series), one bar per series named by SERIES.
plot_histogram() {
  local png=$1 title=$2 data=$3 plot="" col=2 s
  shift 3
  for s in "$@"; do
    if [ $col = 2 ]; then plot="\"$data\" using 2:xtic(1) title \"$s\""
    else plot+=", \"\" using $col title \"$s\""; fi
    col=$((col + 1))
  done
  gnuplot <<GP 2>/dev/null
set terminal pngcairo size 900,500 noenhanced
set output "$png"
set title "$title"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set ylabel "tps (log scale)"
set logscale y
set yrange [10:*]
set grid ytics
set key top right
plot $plot
GP
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{if (a+0>0 && b+0>0) printf "%.2f", a/b; else print "-"}'; }
