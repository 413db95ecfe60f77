# bench/lib.sh — shared by the pgbench-driven benchmarks: start/stop a target on a free port.
# Targets: holdfast (scripts/server.sh, build/holdfast) and pg (scripts/pg.sh, PostgreSQL 15),
# both with fsync on. Source it; it sets root, work (a temp dir removed at exit) and defines
#   target_start NAME   -> sets port; returns 1 when the server did not come up or answer
#   target_stop NAME
#   sql NAME STATEMENT  -> psql -Atc on that target
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d /tmp/hf-bench-XXXX)
chmod 755 "$work"
declare -A bench_port
results=$root/bench/results
mkdir -p "$results"
stamp=$(date -u +%Y%m%dT%H%M%SZ)

target_start() {
  local t=$1 port
  port=$(bash "$root/scripts/freeport.sh")
  bench_port[$t]=$port
  case $t in
    holdfast) bash "$root/scripts/server.sh" start --port "$port" --data "$work/hf-data" --log "$work/holdfast.log" \
      -- ${HF_SERVER_ARGS:-} >/dev/null || return 1 ;;
    pg) bash "$root/scripts/pg.sh" start "$port" "$work/pg" >/dev/null || return 1 ;;
  esac
  [ "$(sql "$t" 'select 1' 2>/dev/null)" = 1 ]
}
target_stop() {
  case $1 in
    holdfast) bash "$root/scripts/server.sh" stop --port "${bench_port[$1]}" >/dev/null 2>&1 ;;
    pg) bash "$root/scripts/pg.sh" stop "${bench_port[$1]}" "$work/pg" >/dev/null 2>&1 ;;
  esac
  return 0
}
sql() { psql -X -q -h 127.0.0.1 -p "${bench_port[$1]}" -U postgres -d postgres -Atc "$2"; }
pgb() { local t=$1; shift; pgbench -h 127.0.0.1 -p "${bench_port[$t]}" -U postgres "$@" postgres; }
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
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{if (a+0>0 && b+0>0) printf "%.2f", a/b; else print "-"}'; }
