#!/usr/bin/env bash
# tests/e2e/driver_queues.sh [--jobs N] [--workers W] [--targets "holdfast pg"]
#   [--drivers "psycopg asyncpg"] — a FOR UPDATE SKIP LOCKED claim loop and a LISTEN/NOTIFY
# round trip through Python drivers from Debian (python3-psycopg 3.1, libpq underneath;
# python3-asyncpg 0.27, its own protocol code with prepared statements and binary formats),
# on holdfast and on PostgreSQL 15 in the same run: W workers complete N jobs (default 4,000
# and 8), each exactly once (driver_queues/claim.py says what it checks). Prints jobs/s per
# driver and target. Exit 0 when every run passed its checks, 1 when one failed, 77 (skipped)
# when Debian's python3 lacks both drivers (scripts/setup.sh installs them).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
jobs=4000 workers=8 targets="holdfast pg" drivers="psycopg asyncpg"
while [ $# -gt 0 ]; do
  case $1 in
    --jobs) jobs=$2; shift 2 ;;
    --workers) workers=$2; shift 2 ;;
    --targets) targets=$2; shift 2 ;;
    --drivers) drivers=$2; shift 2 ;;
    *) sed -n 2,9p "$0"; exit 2 ;;
  esac
done
# Debian's interpreter, where Debian's driver packages are (a pyenv python3 may come first).
py=/usr/bin/python3
have=()
for d in $drivers; do
  if "$py" -c "import $d" 2>/dev/null; then have+=("$d"); else echo "--- $d: not installed, skipped"; fi
done
[ ${#have[@]} -gt 0 ] || { echo "SKIPPED: none of the drivers ($drivers) is installed"; exit 77; }

work=$(mktemp -d /tmp/hf-dq-XXXX)
chmod 755 "$work"
port=
cleanup() {
  if [ -n "$port" ]; then
    bash "$root/scripts/server.sh" stop --port "$port" >/dev/null 2>&1
    bash "$root/scripts/pg.sh" stop "$port" "$work/pg" >/dev/null 2>&1
  fi
  rm -rf "$work"
}
trap cleanup EXIT

failed=0
declare -A result
for target in $targets; do
  port=$(bash "$root/scripts/freeport.sh")
  case $target in
    holdfast)
      bash "$root/scripts/server.sh" start --port "$port" --data "$work/data" \
        --log "$work/holdfast.log" >/dev/null || { echo "FAIL: holdfast did not start"; exit 1; } ;;
    pg)
      bash "$root/scripts/pg.sh" start "$port" "$work/pg" >/dev/null \
        || { echo "FAIL: PostgreSQL did not start"; exit 1; } ;;
    *) echo "unknown target $target"; exit 2 ;;
  esac
  for d in "${have[@]}"; do
    echo "--- $d on $target (port $port): $jobs jobs, $workers workers"
    out=$(timeout 300 "$py" "$here/driver_queues/claim.py" --driver "$d" --port "$port" \
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
  case $target in
    holdfast) bash "$root/scripts/server.sh" stop --port "$port" >/dev/null 2>&1 ;;
    pg) bash "$root/scripts/pg.sh" stop "$port" "$work/pg" >/dev/null 2>&1 ;;
  esac
  port=
done

field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
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
