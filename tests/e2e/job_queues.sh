#!/usr/bin/env bash
# tests/e2e/job_queues.sh [--jobs N] [--workers W] [--targets "holdfast pg"] [--libs "pgboss gw"]
# — job-queue libraries from the npm registry, unchanged, on holdfast and on PostgreSQL 15 in
# the same run; W workers complete N jobs (default 10,000 and 8), each exactly once (checked in
# the handler and in the database):
#   pgboss  pg-boss 10.4.2: start() installs its schema (a list-partitioned job table, PL/pgSQL
#           functions, enums, deferrable foreign keys); job_queues/pgboss_run.js.
#   gw      graphile-worker 0.17.3: its migrations (composite row types, functions returning
#           them, triggers, LISTEN/NOTIFY); job_queues/graphile_worker_run.js.
# Versions are pinned. Prints a table of jobs/s per library and target; exit 0 when every run
# passed its checks, 1 when one failed, 77 (skipped) when node (>= 20), npm or the registry is
# missing. A target's own failure to start is a failure.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
jobs=10000 workers=8 targets="holdfast pg" libs="pgboss gw"
while [ $# -gt 0 ]; do
  case $1 in
    --jobs) jobs=$2; shift 2 ;;
    --workers) workers=$2; shift 2 ;;
    --targets) targets=$2; shift 2 ;;
    --libs) libs=$2; shift 2 ;;
    *) sed -n 2,12p "$0"; exit 2 ;;
  esac
done
command -v node >/dev/null && command -v npm >/dev/null \
  || { echo "SKIPPED: node and npm are not installed"; exit 77; }
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || { echo "SKIPPED: pg-boss 10 needs Node.js >= 20 (have $(node --version))"; exit 77; }

declare -A package=([pgboss]=pg-boss@10.4.2 [gw]=graphile-worker@0.17.3)
declare -A script=([pgboss]=pgboss_run.js [gw]=graphile_worker_run.js)
declare -A label=([pgboss]=pg-boss [gw]=graphile-worker)

source "$here/targets.sh"
targets_init queues

pkgs=()
for lib in $libs; do
  [ -n "${package[$lib]:-}" ] || { echo "unknown library $lib"; exit 2; }
  pkgs+=("${package[$lib]}")
  cp "$here/job_queues/${script[$lib]}" "$work/"
done
echo "--- installing ${pkgs[*]} from the npm registry"
if ! (cd "$work" && timeout 300 npm install --silent --no-audit --no-fund "${pkgs[@]}" \
      >npm.log 2>&1); then
  tail -5 "$work/npm.log"
  echo "SKIPPED: npm could not install ${pkgs[*]} (registry unreachable?)"
  exit 77
fi

failed=0
declare -A result
for target in $targets; do
  for lib in $libs; do
    target_up "$target"  # a fresh server per run: each library gets an empty database
    echo "--- ${label[$lib]} on $target (port $port): $jobs jobs, $workers workers"
    out=$(cd "$work" && timeout 660 node "${script[$lib]}" "$port" "$jobs" "$workers" 2>&1)
    rc=$?
    echo "$out" | tail -5
    line=$(echo "$out" | grep '^RESULT' | tail -1)
    if [ $rc -eq 0 ] && [ -n "$line" ]; then
      echo "  ok: ${label[$lib]} on $target: every job completed exactly once"
    else
      echo "  FAIL: ${label[$lib]} on $target (exit $rc)"
      failed=1
    fi
    result[$lib-$target]=$line
    target_down
  done
done

echo
fmt='%-16s %-8s %7s %8s %9s %8s %11s\n'
printf "$fmt" library target jobs workers seconds jobs/s "dup/missing"
for lib in $libs; do
  for target in $targets; do
    r=${result[$lib-$target]:-}
    printf "$fmt" "${label[$lib]}" "$target" "$(field "$r" jobs)" "$(field "$r" workers)" \
      "$(field "$r" seconds)" "$(field "$r" jobs_per_s)" \
      "$(field "$r" duplicates)/$(field "$r" missing)"
  done
done
exit $failed
