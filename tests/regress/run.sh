#!/usr/bin/env bash
# tests/regress/run.sh — PostgreSQL 15.18's regression SQL (../shared/conformance/pg-regress,
# 217 files) against the ASan+UBSan build: no crash, no hang, no sanitizer report; and a ratchet
# of the files whose output is byte-identical to PostgreSQL's.
#   run.sh                 start build-asan/holdfast on a free port with a fresh data dir, run
#                          the whole corpus through the corpus' own run.sh, restarting the
#                          server after a crash so that one crash does not hide the rest
#   run.sh FILE ...        only these files (without .sql; give test_setup first); the ratchet
#                          then checks only the files run
# Fails when the server crashed (also: died of a sanitizer report: ASAN_OPTIONS
# abort_on_error=1, UBSAN_OPTIONS halt_on_error=1) or a file hung, when the server log holds a
# sanitizer report (ASan, UBSan, LeakSanitizer at the clean shutdown at the end), or when a
# file listed in expected-identical.txt is no longer byte-identical to PostgreSQL's expected
# output. Files that became identical and are not listed are printed so they can be added
# (the list only grows). Exit 77 ("SKIPPED: reason") when the corpus or the ASan build is
# missing.
# Environment: HF_PG_REGRESS_DIR (corpus location), HF_BUILD_PREFIX (build dir prefix, default
# build: the binary is $prefix-asan/holdfast), HOLDFAST_BIN (another binary), HF_KEEP=1 (keep
# the work dir: outputs, diffs, server log).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
top=$(git -C "$here" rev-parse --show-toplevel 2>/dev/null || echo "$root")
corpus=${HF_PG_REGRESS_DIR:-$top/../shared/conformance/pg-regress}
bin=${HOLDFAST_BIN:-$root/${HF_BUILD_PREFIX:-build}-asan/holdfast}
case ${1:-} in -h | --help) sed -n 2,20p "$0"; exit 0 ;; -*) sed -n 2,20p "$0"; exit 2 ;; esac
if [ ! -x "$corpus/run.sh" ]; then
  echo "SKIPPED: PostgreSQL regression corpus not found at $corpus (set HF_PG_REGRESS_DIR)"
  exit 77
fi
if [ ! -x "$bin" ]; then
  echo "SKIPPED: $bin not built (scripts/build.sh asan)"
  exit 77
fi

work=$(mktemp -d /tmp/hf-regress-XXXX)
chmod 755 "$work"
port=$(bash "$root/scripts/freeport.sh")
log=$work/holdfast.log
export HOLDFAST_BIN=$bin
# A sanitizer report ends the server (so the file that caused it shows as a crash and the
# runner restarts the server); leaks are reported when the server exits at the end.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export LSAN_OPTIONS="suppressions=$root/scripts/lsan.supp"
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
start="HF_START_TIMEOUT=60 bash '$root/scripts/server.sh' start --port $port --data '$work/data' --log '$log'"
cleanup() {
  bash "$root/scripts/server.sh" stop --port "$port" >/dev/null 2>&1
  [ -n "${HF_KEEP:-}" ] && echo "kept: $work" || rm -rf "$work"
}
trap cleanup EXIT
bash -c "$start" >/dev/null || { tail -n 20 "$log"; exit 1; }

t0=$(date +%s)
bash "$corpus/run.sh" -p "$port" -o "$work/out" -r "$start" "$@" | tee "$work/run.log"
secs=$(($(date +%s) - t0))
# Stop the server cleanly: LeakSanitizer reports at exit.
bash "$root/scripts/server.sh" stop --port "$port" >/dev/null 2>&1

failed=0
summary=$(tail -n 1 "$work/run.log")
case $summary in
  files*) ;;
  *) echo "FAIL: the corpus runner did not finish"; failed=1 ;;
esac
if grep -qE '^(CRASH|HANG) ' "$work/run.log"; then
  echo "FAIL: crashes or hangs:"; grep -E '^(CRASH|HANG) ' "$work/run.log" | sed 's/^/  /'
  failed=1
fi
# Sanitizer reports: "ERROR: AddressSanitizer: ...", "ERROR: LeakSanitizer: ...",
# "file.cc:12:3: runtime error: ..." (UBSan).
# A leak's first frames say whose it is (CI keeps only this output, not the log).
reports=$(grep -E -A6 'ERROR: (Address|Leak|Undefined|Thread)Sanitizer|runtime error: |SUMMARY: [A-Za-z]+Sanitizer|(Direct|Indirect) leak of' "$log")
if [ -n "$reports" ]; then
  echo "FAIL: sanitizer reports in the server log:"; echo "$reports" | sed 's/^/  /' | head -n 80
  [ -n "${HF_KEEP:-}" ] || cp "$log" "/tmp/hf-regress-holdfast-$$.log" && echo "  log: /tmp/hf-regress-holdfast-$$.log"
  failed=1
fi

# The ratchet: files whose output is byte-identical to PostgreSQL's.
identical=()
for out in "$work"/out/*.out; do
  f=$(basename "$out" .out)
  [ -f "$corpus/expected/$f.out" ] && cmp -s "$corpus/expected/$f.out" "$out" && identical+=("$f")
done
listed=$(sed 's/#.*//; s/[[:space:]]//g; /^$/d' "$here/expected-identical.txt" | sort)
regressions=0
for f in $listed; do
  [ -f "$work/out/$f.out" ] || { [ $# -gt 0 ] && continue; }  # a partial run
  if ! printf '%s\n' "${identical[@]}" | grep -qx "$f"; then
    echo "RATCHET FAIL: $f is in expected-identical.txt but its output differs from PostgreSQL's"
    [ -f "$work/out/$f.diff" ] && head -n 30 "$work/out/$f.diff"
    regressions=$((regressions + 1))
  fi
done
new=$(printf '%s\n' "${identical[@]}" | sed '/^$/d' | sort | comm -23 - <(echo "$listed"))
[ -n "$new" ] && echo "newly identical (add to tests/regress/expected-identical.txt):" && echo "$new" | sed 's/^/  /'
[ "$regressions" -gt 0 ] && failed=1
echo "pg-regress: $summary; ratchet: ${#identical[@]} identical, $regressions regressions; $secs s"
[ "$failed" -eq 0 ]
