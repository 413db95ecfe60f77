#!/usr/bin/env bash
# tests/e2e/client_retry.sh [--target holdfast|pg] — the client retry library (src/client)
# against a real server: starts the target on a free port and runs hf_client_test's
# RetryServer tests with HF_CLIENT_TEST_DSN pointing at it (a 40001 under REPEATABLE READ
# retried and committed, a deadlock victim retried, 0A000 not retried, other errors rolled
# back, an application exception rolling back and propagating). Exit 0 when all five ran and
# passed, 1 otherwise.
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
binary=$e2e_root/${HF_BUILD_PREFIX:-build}/hf_client_test
[ -x "$binary" ] || { echo "FAIL: $binary not built (scripts/build.sh)"; exit 1; }
e2e_start

export HF_CLIENT_TEST_DSN="host=127.0.0.1 port=$port user=postgres dbname=postgres"
"$binary" --gtest_filter='RetryServer.*' >"$work/gtest.out" 2>&1
status=$?
passed=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) tests\?\..*/\1/p' "$work/gtest.out")
if [ "$status" = 0 ] && [ "${passed:-0}" = 5 ] && ! grep -q '^\[  SKIPPED \]' "$work/gtest.out"; then
  ok "RetryServer: 5 tests passed"
else
  bad "RetryServer tests (exit $status, ${passed:-0} passed)"
  sed 's/^/  | /' "$work/gtest.out" | grep -v '^  | \[ *\(RUN\|OK\) ' | tail -n 30
fi
e2e_finish
