#!/usr/bin/env bash
# tests/conformance/run.sh — PostgreSQL 15's isolation specs (the shared suite in
# ../shared/conformance next to the repository) against holdfast, classes B and C, with a ratchet.
#   run.sh                       start holdfast on a free port (scripts/server.sh) and run
#   run.sh --target pg           run against a throwaway PostgreSQL 15 (checks the harness)
#   run.sh --port P              run against a server already listening on 127.0.0.1:P
# expected-pass.txt (one spec name a line, # comments) lists specs that must pass: the script
# fails only when one of those fails. Specs that pass but are not listed are printed so they
# can be added (the ratchet only moves up). Prints the suite's "N passed, N failed" line per
# class and in total. Exit 77 (skipped) when the shared suite is not there.
# Environment: HF_CONFORMANCE_DIR (suite location), HF_CLASSES (default "B C"),
# HF_SPEC_TIMEOUT (seconds one spec may take, default 60), HF_SPECS (run only these).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
top=$(git -C "$here" rev-parse --show-toplevel 2>/dev/null || echo "$root")
suite=${HF_CONFORMANCE_DIR:-$top/../shared/conformance}
classes=${HF_CLASSES:-B C}
target=holdfast port=
while [ $# -gt 0 ]; do
  case $1 in
    --target) target=$2; shift 2 ;;
    --port) port=$2; target=external; shift 2 ;;
    *) sed -n 2,12p "$0"; exit 2 ;;
  esac
done
if [ ! -x "$suite/run.sh" ]; then
  echo "SKIPPED: conformance suite not found at $suite (set HF_CONFORMANCE_DIR)"
  exit 77
fi

work=$(mktemp -d /tmp/hf-conformance-XXXX)
chmod 755 "$work"
cleanup() {
  case $target in
    pg) bash "$root/scripts/pg.sh" stop "$port" "$work/pg" >/dev/null 2>&1 ;;
    holdfast) bash "$root/scripts/server.sh" stop --port "$port" >/dev/null 2>&1 ;;
  esac
  [ -n "${HF_KEEP:-}" ] && echo "kept: $work" || rm -rf "$work"
}
trap cleanup EXIT
case $target in
  pg)
    port=$(bash "$root/scripts/freeport.sh")
    bash "$root/scripts/pg.sh" start "$port" "$work/pg" || exit 1 ;;
  holdfast)
    port=$(bash "$root/scripts/freeport.sh")
    bash "$root/scripts/server.sh" start --port "$port" --data "$work/data" --log "$work/holdfast.log" || exit 1 ;;
  external) ;;
  *) echo "unknown target $target" >&2; exit 2 ;;
esac

# One spec per call of the suite's runner, each under its own bound: a spec that hangs (a
# feature not built yet) costs HF_SPEC_TIMEOUT seconds, not the whole run. A step that waits
# longer than PGISOLATIONTIMEOUT is cancelled by isolationtester; no expected output needs a
# step to wait more than a few seconds.
export PGISOLATIONTIMEOUT=${PGISOLATIONTIMEOUT:-15}
spec_timeout=${HF_SPEC_TIMEOUT:-60}
total_pass=0 total_fail=0
for c in $classes; do
  echo "---- class $c on $target (port $port)"
  : >"$work/class-$c.log"
  for s in $(cat "$suite/pg-isolation/class-$c.txt"); do
    [ -z "${HF_SPECS:-}" ] || [[ " $HF_SPECS " == *" $s "* ]] || continue
    timeout "$spec_timeout" bash "$suite/run.sh" -p "$port" -o "$work/out-$c" "$s" >"$work/one.log" 2>&1
    rc=$?
    if [ "$rc" -eq 124 ]; then
      printf "FAIL  %-34s timed out after %s s\n" "$s" "$spec_timeout"
      # The suite's runner starts isolationtester under its own `timeout`, in a process group
      # of its own that ours does not reach: end it, or its sessions (and their locks and
      # tables) stay and fail the specs after it.
      pkill -f "isolationtester host=127.0.0.1 port=$port " 2>/dev/null
      sleep 1
    else
      grep -E '^(ok|FAIL) ' "$work/one.log" || printf "FAIL  %-34s runner rc=%s\n" "$s" "$rc"
    fi
  done | tee "$work/class-$c.log"
  p=$(grep -c '^ok ' "$work/class-$c.log") f=$(grep -c '^FAIL ' "$work/class-$c.log")
  total_pass=$((total_pass + p)) total_fail=$((total_fail + f))
  echo "class $c: $p passed, $f failed"
done
cat "$work"/class-*.log >"$work/all.log"

regressions=0
while read -r spec; do
  spec=${spec%%#*}; spec=$(echo "$spec" | tr -d '[:space:]')
  [ -n "$spec" ] || continue
  grep -qE "^(ok|FAIL) +$spec( |$)" "$work/all.log" || [ -n "${HF_SPECS:-}${HF_CLASSES:-}" ] || {
    echo "RATCHET FAIL: $spec is in expected-pass.txt but was not run"; regressions=$((regressions + 1)); continue; }
  grep -qE "^(ok|FAIL) +$spec( |$)" "$work/all.log" || continue  # a partial run (HF_SPECS, HF_CLASSES)
  if ! grep -qE "^ok +$spec( |$)" "$work/all.log"; then
    echo "RATCHET FAIL: $spec is in expected-pass.txt but did not pass"
    [ -f "$work/out-B/$spec.diff" ] && head -n 30 "$work/out-B/$spec.diff"
    [ -f "$work/out-C/$spec.diff" ] && head -n 30 "$work/out-C/$spec.diff"
    regressions=$((regressions + 1))
  fi
done <"$here/expected-pass.txt"
new=$(awk '/^ok /{print $2}' "$work/all.log" | sort | comm -23 - <(sed 's/#.*//; s/[[:space:]]//g; /^$/d' "$here/expected-pass.txt" | sort))
[ -n "$new" ] && echo "newly passing (add to tests/conformance/expected-pass.txt):" && echo "$new" | sed 's/^/  /'
echo "conformance on $target: $total_pass passed, $total_fail failed; ratchet: $regressions regressions"
[ "$regressions" -eq 0 ]
