#!/usr/bin/env bash
# tests/e2e/job_queues.sh [--jobs N] [--workers W] [--targets "holdfast pg"] — job-queue
# libraries from the npm registry, unchanged, on holdfast and on PostgreSQL 15 in the same run:
#   pg-boss 10.4.2 (pinned): start() installs its schema (partitioned job table, PL/pgSQL
#   functions, enums, deferrable foreign keys), W workers complete N jobs (default 10,000 and
#   8), each exactly once (job_queues/pgboss_run.js checks it in the handler and in the
#   database).
# Prints a table of jobs/s per target and library; exit 0 when every run passed its checks,
# 1 when one failed, 77 (skipped) when node, npm or the registry is missing. A target's own
# failure to start is a failure.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
jobs=10000 workers=8 targets="holdfast pg"
while [ $# -gt 0 ]; do
  case $1 in
    --jobs) jobs=$2; shift 2 ;;
    --workers) workers=$2; shift 2 ;;
    --targets) targets=$2; shift 2 ;;
    *) sed -n 2,11p "$0"; exit 2 ;;
  esac
done
command -v node >/dev/null && command -v npm >/dev/null \
  || { echo "SKIPPED: node and npm are not installed"; exit 77; }
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || { echo "SKIPPED: pg-boss 10 needs Node.js >= 20 (have $(node --version))"; exit 77; }

work=$(mktemp -d /tmp/hf-queues-XXXX)
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

echo "--- installing pg-boss@10.4.2 from the npm registry"
cp "$here/job_queues/pgboss_run.js" "$work/"
if ! (cd "$work" && timeout 300 npm install --silent --no-audit --no-fund pg-boss@10.4.2 \
      >npm.log 2>&1); then
  tail -5 "$work/npm.log"
  echo "SKIPPED: npm could not install pg-boss (registry unreachable?)"
  exit 77
fi

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
  esac
  echo "--- pg-boss on $target (port $port): $jobs jobs, $workers workers"
  out=$(cd "$work" && timeout 300 node pgboss_run.js "$port" "$jobs" "$workers" 2>&1)
  rc=$?
  echo "$out" | tail -5
  line=$(echo "$out" | grep '^RESULT' | tail -1)
  if [ $rc -eq 0 ] && [ -n "$line" ]; then
    echo "  ok: pg-boss on $target: every job completed exactly once"
  else
    echo "  FAIL: pg-boss on $target (exit $rc)"
    failed=1
  fi
  result[$target]=$line
  case $target in
    holdfast) bash "$root/scripts/server.sh" stop --port "$port" >/dev/null 2>&1 ;;
    pg) bash "$root/scripts/pg.sh" stop "$port" "$work/pg" >/dev/null 2>&1 ;;
  esac
  port=
done

field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
echo
printf '%-10s %-8s %7s %8s %9s %8s %11s\n' library target jobs workers seconds jobs/s "dup/missing"
for target in $targets; do
  r=${result[$target]:-}
  printf '%-10s %-8s %7s %8s %9s %8s %11s\n' pg-boss "$target" "$(field "$r" jobs)" \
    "$(field "$r" workers)" "$(field "$r" seconds)" "$(field "$r" jobs_per_s)" \
    "$(field "$r" duplicates)/$(field "$r" missing)"
done
exit $failed
