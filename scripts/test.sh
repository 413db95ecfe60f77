#!/usr/bin/env bash
# test.sh — THE test command (CI runs it through .ci/run). Phases, each timed:
#   1. setup       scripts/setup.sh (installs packages when run as root; checks otherwise)
#   2. build       build/ (normal), build-asan/ (ASan+UBSan), build-tsan/ (TSan)
#   3. unit        ctest in each of the three build dirs
#   4. end-to-end  tests that need a running server (normal build): PG-side self checks, then
#                  conformance ratchet, our scenarios, crash recovery, 1,000 connections; last,
#                  PostgreSQL's regression SQL against the ASan build (tests/regress/run.sh).
# The last line is "N passed, N failed, N skipped" (ctest tests + end-to-end phases).
# Exit status is non-zero when anything failed.
#
# Server gate: while build/holdfast does not start and answer `select 1`, the end-to-end
# phases that need it print "SKIPPED: server not functional yet" and count as skipped. A test
# that exits 77 is skipped too (it prints its own "SKIPPED: reason").
# HF_REQUIRE_SERVER=0 makes a server that does not answer a skip instead of a failure.
#
# Environment: HF_BUILD_PREFIX (build dir names, default build), HF_FLAVOURS (default
# "normal asan tsan"), HF_SKIP_SETUP=1, JOBS (make -j, default nproc).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
prefix=${HF_BUILD_PREFIX:-build}
flavours=${HF_FLAVOURS:-normal asan tsan}
require_server=${HF_REQUIRE_SERVER:-1}
export HF_BUILD_PREFIX=$prefix

passed=0 failed=0 skipped=0
timings=() failures=()
t_all=$(date +%s)

phase_start() { echo; echo "=================== $1 ==================="; t_phase=$(date +%s); }
phase_end() {
  local secs=$(($(date +%s) - t_phase))
  timings+=("$(printf '%-28s %5d s  %s' "$1" "$secs" "$2")")
  echo "=== $1: $2 (${secs} s)"
}
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); failures+=("$1"); }
skip() { skipped=$((skipped + 1)); echo "SKIPPED: $2 ($1)"; }

dir_of() {
  case $1 in normal) echo "$prefix" ;; asan) echo "$prefix-asan" ;; tsan) echo "$prefix-tsan" ;; esac
}

# ---- 1. setup
phase_start setup
if [ -n "${HF_SKIP_SETUP:-}" ]; then
  phase_end setup "skipped (HF_SKIP_SETUP)"
elif bash scripts/setup.sh; then
  phase_end setup ok
else
  fail setup; phase_end setup FAILED
  echo "$passed passed, $failed failed, $skipped skipped"
  exit 1
fi

# ---- 2. build
declare -A built
for f in $flavours; do
  phase_start "build $f"
  if bash scripts/build.sh "$f"; then
    built[$f]=1; phase_end "build $f" ok
  else
    built[$f]=0; fail "build $f"; phase_end "build $f" FAILED
  fi
done

# ---- 3. unit tests (ctest), each flavour with its sanitizer's options
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export LSAN_OPTIONS="suppressions=$root/scripts/lsan.supp"
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$root/scripts/tsan.supp"
for f in $flavours; do
  phase_start "unit $f"
  [ "${built[$f]}" = 1 ] || { phase_end "unit $f" "not run (build failed)"; continue; }
  d=$(dir_of "$f")
  log=$d/ctest.log
  run=()
  # GCC 12's TSan cannot map its shadow memory when the kernel randomises mmap with more bits
  # than it expects (vm.mmap_rnd_bits > 28 on newer kernels: "unexpected memory mapping");
  # running without address randomisation avoids that and changes nothing else.
  if [ "$f" = tsan ] && command -v setarch >/dev/null; then run=(setarch "$(uname -m)" -R); fi
  # Longest tests first (tests/ctest-costs.txt) when this build dir has no timings of its own yet.
  if [ ! -s "$d/Testing/Temporary/CTestCostData.txt" ]; then
    mkdir -p "$d/Testing/Temporary"
    { grep -v '^#' tests/ctest-costs.txt; echo ---; } >"$d/Testing/Temporary/CTestCostData.txt"
  fi
  "${run[@]}" ctest --test-dir "$d" --output-on-failure -j2 --timeout 600 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  total=$(sed -n 's/.*tests passed, \([0-9]*\) tests\? failed out of \([0-9]*\).*/\2/p' "$log" | tail -n1)
  nfail=$(sed -n 's/.*tests passed, \([0-9]*\) tests\? failed out of \([0-9]*\).*/\1/p' "$log" | tail -n1)
  if [ -z "$total" ]; then
    if grep -q "No tests were found" "$log"; then total=0 nfail=0; else total=0 nfail=1; fi
  fi
  [ "$rc" -ne 0 ] && [ "$nfail" -eq 0 ] && nfail=1  # ctest itself failed
  passed=$((passed + total - nfail)) failed=$((failed + nfail))
  [ "$nfail" -gt 0 ] && failures+=("unit $f: $nfail")
  phase_end "unit $f" "$((total - nfail)) passed, $nfail failed"
done

# ---- 4. end-to-end
# Self checks of the harness against PostgreSQL 15 (no holdfast needed): the scenario specs'
# expected output must still be what PostgreSQL 15 produces.
phase_start "e2e scenarios on PG 15"
if bash tests/scenarios/run.sh --target pg; then pass; phase_end "e2e scenarios on PG 15" ok
else fail "scenarios on PG 15"; phase_end "e2e scenarios on PG 15" FAILED; fi

# Gate: does the server start and answer?
phase_start "e2e gate"
server_ok=0 gate_reason=
if [ "${built[normal]:-0}" != 1 ]; then
  gate_reason="normal build failed"
else
  gport=$(bash scripts/freeport.sh) gdata=$(mktemp -d /tmp/hf-gate-XXXX)
  if HF_START_TIMEOUT=30 bash scripts/server.sh start --port "$gport" --data "$gdata/data" --log "$gdata/log"; then
    if out=$(psql -X -h 127.0.0.1 -p "$gport" -U postgres -d postgres -Atc 'select 1' 2>&1) && [ "$out" = 1 ]; then
      server_ok=1
    else
      gate_reason="psql select 1 failed: $(echo "$out" | head -n1)"
    fi
    bash scripts/server.sh stop --port "$gport" >/dev/null
  else
    gate_reason="holdfast did not start and accept connections"
  fi
  rm -rf "$gdata"
fi
if [ $server_ok = 1 ]; then
  phase_end "e2e gate" "server answers"
elif [ "$require_server" = 1 ]; then
  fail "server gate: $gate_reason"; phase_end "e2e gate" "FAILED: $gate_reason"
else
  phase_end "e2e gate" "server not functional yet: $gate_reason"
fi

e2e() {  # e2e NAME COMMAND...
  local name=$1; shift
  phase_start "e2e $name"
  if [ $server_ok != 1 ]; then
    skip "$name" "server not functional yet"; phase_end "e2e $name" skipped; return
  fi
  timeout "${HF_E2E_TIMEOUT:-1200}" "$@"
  case $? in
    0) pass; phase_end "e2e $name" ok ;;
    77) skip "$name" "see above"; phase_end "e2e $name" skipped ;;  # the test said why
    124) fail "e2e $name (timed out)"; phase_end "e2e $name" "FAILED (timeout)" ;;
    *) fail "e2e $name"; phase_end "e2e $name" FAILED ;;
  esac
}
e2e conformance bash tests/conformance/run.sh
e2e scenarios bash tests/scenarios/run.sh --target holdfast
e2e partition_rpc bash tests/e2e/partition_rpc.sh
e2e sql_nodes bash tests/e2e/sql_nodes.sh
e2e cluster bash tests/e2e/cluster.sh
e2e cluster_replicated_specs bash tests/e2e/cluster.sh --replicas 3
e2e cluster_restart bash tests/e2e/cluster_restart.sh
e2e cluster_replicated bash tests/e2e/cluster_replicated.sh
e2e crash bash tests/crash/crash_test.sh
e2e crash_bank bash tests/crash/crash_test.sh --workload bank
e2e bank_modes bash tests/e2e/bank_modes.sh
e2e demo_seats bash tests/e2e/demo_seats.sh
e2e lock_crash bash tests/e2e/lock_crash.sh
e2e ddl_crash bash tests/e2e/ddl_crash.sh
e2e connections bash tests/e2e/connections.sh 1000
e2e killed_client bash tests/e2e/killed_client.sh
e2e wait_endings bash tests/e2e/wait_endings.sh
e2e client_retry bash tests/e2e/client_retry.sh
e2e session_timeouts bash tests/e2e/session_timeouts.sh
e2e shared_thread bash tests/e2e/shared_thread.sh
e2e concurrent_ddl bash tests/e2e/concurrent_ddl.sh
e2e notify bash tests/e2e/notify.sh
e2e temp_tables bash tests/e2e/temp_tables.sh
e2e bulk_load bash tests/e2e/bulk_load.sh
e2e auth bash tests/e2e/auth.sh
e2e drivers bash tests/e2e/drivers.sh
e2e job_queues bash tests/e2e/job_queues.sh
e2e driver_queues bash tests/e2e/driver_queues.sh
# PostgreSQL's own regression SQL against the ASan+UBSan server: no crash, hang or sanitizer
# report, and the ratchet of files whose output is PostgreSQL's (only with this run's build).
if [ "${built[asan]:-0}" = 1 ]; then
  e2e pg_regress bash tests/regress/run.sh
else
  phase_start "e2e pg_regress"; skip pg_regress "the asan flavour was not built in this run"
  phase_end "e2e pg_regress" skipped
fi

# ---- summary
echo
echo "=================== summary ==================="
printf '%s\n' "${timings[@]}"
printf '%-28s %5d s\n' total $(($(date +%s) - t_all))
for f in "${failures[@]}"; do echo "FAILED: $f"; done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
