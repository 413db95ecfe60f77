#!/usr/bin/env bash
# tests/fuzz/run.sh TARGET SECONDS [libFuzzer options...] — a fuzz campaign (README.md here).
#   TARGET: sql or wire. Builds build-fuzz/ (clang-14, -DHF_FUZZ=ON: libFuzzer + ASan +
#   UBSan) and runs build-fuzz/tests/hf_fuzz_TARGET for SECONDS in libFuzzer's fork mode with one
#   job, going on after a crash, timeout or out-of-memory (each input is saved under
#   build-fuzz/artifacts/TARGET/). The working corpus (build-fuzz/corpus/TARGET) grows over
#   runs; it starts from the checked-in corpus (corpus/TARGET), the crash inputs
#   (crashes/TARGET) and, for sql, every statement group of PostgreSQL's regression SQL and
#   isolation specs (make_seeds.py). The log is build-fuzz/fuzz-TARGET.log.
# Environment: HF_FUZZ_BUILD (build dir, default build-fuzz), JOBS (make -j, default 2),
# HF_FUZZ_NO_BUILD=1 (use the binary as built).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
target=${1:?usage: run.sh sql|wire SECONDS [libFuzzer options]}
seconds=${2:?usage: run.sh sql|wire SECONDS [libFuzzer options]}
shift 2
case $target in sql | wire) ;; *) echo "unknown target $target (sql or wire)" >&2; exit 2 ;; esac
build=${HF_FUZZ_BUILD:-$root/build-fuzz}

if [ -z "${HF_FUZZ_NO_BUILD:-}" ]; then
  mkdir -p "$build"
  CC=clang-14 CXX=clang++-14 cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DHF_FUZZ=ON >"$build/configure.log" 2>&1 || { cat "$build/configure.log"; exit 1; }
  cmake --build "$build" -j "${JOBS:-2}" --target "hf_fuzz_$target"
fi

corpus=$build/corpus/$target
artifacts=$build/artifacts/$target
mkdir -p "$corpus" "$artifacts"
seeds=("$here/corpus/$target" "$here/crashes/$target")
opts=(-max_len=4096)
if [ "$target" = sql ]; then
  if [ ! -d "$build/seeds/sql" ]; then python3 "$here/make_seeds.py" "$build/seeds/sql"; fi
  seeds+=("$build/seeds/sql")
  opts=(-max_len=4096 -dict="$here/sql.dict")
fi

export TMPDIR=${TMPDIR:-/dev/shm}  # the server's RocksDB: fsync on tmpfs costs nothing
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cd "$build"
echo "fuzzing $target for $seconds s; log: $build/fuzz-$target.log"
"$build/tests/hf_fuzz_$target" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
  -timeout=15 -rss_limit_mb=3072 -max_total_time="$seconds" -print_final_stats=1 \
  -artifact_prefix="$artifacts/" "${opts[@]}" "$@" "$corpus" "${seeds[@]}" \
  2>&1 | tee "$build/fuzz-$target.log" | grep -E '^#[0-9]+: |INFO: |crash|timeout|oom' || true
echo "crash/timeout/oom inputs: $(ls "$artifacts" | wc -l) in $artifacts"
