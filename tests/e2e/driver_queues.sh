#!/usr/bin/env bash
# tests/e2e/driver_queues.sh [--jobs N] [--workers W] [--targets "holdfast pg"]
#   [--drivers "psycopg asyncpg pgjdbc pg postgres"] — a FOR UPDATE SKIP LOCKED claim loop and a
# LISTEN/NOTIFY round trip through client drivers, unchanged, on holdfast and on PostgreSQL 15
# in the same run: W workers complete N jobs (default 4,000 and 8), each exactly once.
#   psycopg   Debian's python3-psycopg 3.1 (libpq underneath)     driver_queues/claim.py
#   asyncpg   Debian's python3-asyncpg 0.27 (its own protocol code, binary formats)
#   pg        node-postgres 8.23.1 from the npm registry           driver_queues/claim.js
#   postgres  postgres.js 3.4.10 from the npm registry (named prepared statements)
#   pgjdbc    Debian's libpostgresql-jdbc-java 42.5, compiled against with Debian's JDK
#             (batched inserts, server-side prepared statements)  driver_queues/Claim.java
# Prints jobs/s per driver and target. A driver whose runtime or package is missing is
# skipped (a line says why). Exit 0 when every run passed its checks, 1 when one failed, 77
# (skipped) when no driver could run (scripts/setup.sh installs the Python and Java ones).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
jobs=4000 workers=8 targets="holdfast pg" drivers="psycopg asyncpg pgjdbc pg postgres"
while [ $# -gt 0 ]; do
  case $1 in
    --jobs) jobs=$2; shift 2 ;;
    --workers) workers=$2; shift 2 ;;
    --targets) targets=$2; shift 2 ;;
    --drivers) drivers=$2; shift 2 ;;
    *) sed -n 2,15p "$0"; exit 2 ;;
  esac
done
source "$here/targets.sh"
targets_init dq

# Debian's interpreter, where Debian's driver packages are (a pyenv python3 may come first).
py=/usr/bin/python3
declare -A npm_package=([pg]=pg@8.23.1 [postgres]=postgres@3.4.10)
have=() node_wanted=()
for d in $drivers; do
  case $d in
    psycopg | asyncpg)
      if "$py" -c "import $d" 2>/dev/null; then have+=("$d"); else echo "--- $d: not installed, skipped"; fi ;;
    pg | postgres) node_wanted+=("$d") ;;
    pgjdbc)
      jar=/usr/share/java/postgresql.jar
      if ! command -v javac >/dev/null || [ ! -f "$jar" ]; then
        echo "--- pgjdbc: javac or $jar (Debian's libpostgresql-jdbc-java) not installed, skipped"
      elif javac -encoding UTF-8 -cp "$jar" -d "$work" "$here/driver_queues/Claim.java" 2>"$work/javac.log"; then
        have+=(pgjdbc)
      else
        echo "--- pgjdbc: javac failed: $(head -n 3 "$work/javac.log")"; exit 1
      fi ;;
    *) echo "unknown driver $d"; exit 2 ;;
  esac
done
if [ ${#node_wanted[@]} -gt 0 ]; then
  pkgs=()
  for d in "${node_wanted[@]}"; do pkgs+=("${npm_package[$d]}"); done
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "--- ${node_wanted[*]}: node and npm are not installed, skipped"
  elif (cd "$work" && timeout 300 npm install --silent --no-audit --no-fund "${pkgs[@]}" >npm.log 2>&1); then
    cp "$here/driver_queues/claim.js" "$work/"
    have+=("${node_wanted[@]}")
  else
    tail -3 "$work/npm.log"
    echo "--- ${node_wanted[*]}: npm could not install ${pkgs[*]} (registry unreachable?), skipped"
  fi
fi
[ ${#have[@]} -gt 0 ] || { echo "SKIPPED: none of the drivers ($drivers) can run here"; exit 77; }

failed=0
declare -A result
for target in $targets; do
  target_up "$target"
  for d in "${have[@]}"; do
    echo "--- $d on $target (port $port): $jobs jobs, $workers workers"
    case $d in
      pg | postgres) run=(node "$work/claim.js") ;;
      pgjdbc) run=(java -cp "$jar:$work" Claim) ;;
      *) run=("$py" "$here/driver_queues/claim.py") ;;
    esac
    driver_arg=(--driver "$d")
    [ "$d" = pgjdbc ] && driver_arg=()  # one driver per program
    out=$(cd "$work" && timeout 300 "${run[@]}" "${driver_arg[@]}" --port "$port" \
      --jobs "$jobs" --workers "$workers" 2>&1)
    rc=$?
    echo "$out" | tail -n 8
    line=$(echo "$out" | grep '^RESULT' | tail -1)
    if [ $rc -eq 0 ] && [ -n "$line" ]; then
      echo "  ok: $d on $target: every job claimed exactly once, the notification came once"
    else
      echo "  FAIL: $d on $target (exit $rc)"
      failed=1
    fi
    result[$d-$target]=$line
  done
  target_down
done

echo
fmt='%-10s %-8s %7s %8s %9s %8s %11s %7s\n'
printf "$fmt" driver target jobs workers seconds jobs/s "dup/missing" notify
for d in "${have[@]}"; do
  for target in $targets; do
    r=${result[$d-$target]:-}
    printf "$fmt" "$d" "$target" "$(field "$r" jobs)" "$(field "$r" workers)" \
      "$(field "$r" seconds)" "$(field "$r" jobs_per_s)" \
      "$(field "$r" duplicates)/$(field "$r" missing)" "$(field "$r" notify)"
  done
done
exit $failed
