#!/usr/bin/env bash
# tests/scenarios/run.sh — our own isolation specs (specs/*.spec, isolationtester format) with
# the output PostgreSQL 15 produces for them (expected/*.out).
#   run.sh --target pg [--regen] [spec ...]   run on a throwaway PostgreSQL 15 (scripts/pg.sh);
#                                             --regen rewrites expected/ from its output
#   run.sh --target holdfast [spec ...]       run on a holdfast it starts (scripts/server.sh)
#   run.sh --port P [spec ...]                run on a server already listening on 127.0.0.1:P
# Prints ok/FAIL per spec and "N passed, N failed"; exit 1 when anything failed.
# Add a scenario: write specs/NAME.spec, run `run.sh --target pg --regen NAME`, read the .out.
# specs/NAME.sql is a one-session psql script instead (run with psql -a, errors and all, from
# stdin so that messages do not name a path); it must drop what it creates.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
target=holdfast regen=0 port=
while [ $# -gt 0 ]; do
  case $1 in
    --target) target=$2; shift 2 ;;
    --regen) regen=1; shift ;;
    --port) port=$2; target=external; shift 2 ;;
    -h | --help) sed -n 2,10p "$0"; exit 0 ;;
    *) break ;;
  esac
done
specs=("$@")
if [ ${#specs[@]} -eq 0 ]; then
  for f in "$here"/specs/*.spec "$here"/specs/*.sql; do specs+=("$(basename "${f%.*}")"); done
fi
tester=${ISOLATIONTESTER:-/usr/lib/postgresql/15/lib/pgxs/src/test/isolation/isolationtester}
[ -x "$tester" ] || { echo "isolationtester not found ($tester): run scripts/setup.sh" >&2; exit 2; }

work=$(mktemp -d /tmp/hf-scenarios-XXXX)
chmod 755 "$work"
out=${HF_SCENARIO_OUT:-$work/out}
mkdir -p "$out"
cleanup() {
  case $target in
    pg) bash "$root/scripts/pg.sh" stop "$port" "$work/pg" >/dev/null 2>&1 ;;
    holdfast) bash "$root/scripts/server.sh" stop --port "$port" >/dev/null 2>&1 ;;
  esac
  [ -n "${HF_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

case $target in
  pg)
    port=$(bash "$root/scripts/freeport.sh")
    bash "$root/scripts/pg.sh" start "$port" "$work/pg" >/dev/null || exit 1 ;;
  holdfast)
    port=$(bash "$root/scripts/freeport.sh")
    bash "$root/scripts/server.sh" start --port "$port" --data "$work/data" --log "$work/holdfast.log" \
      >/dev/null || exit 1 ;;
  external) ;;
  *) echo "unknown target $target" >&2; exit 2 ;;
esac

export PGISOLATIONTIMEOUT=${PGISOLATIONTIMEOUT:-60}
conn="host=127.0.0.1 port=$port dbname=postgres user=postgres"
passed=0 failed=0
for s in "${specs[@]}"; do
  # A spec marked "# holdfast-only" tests an extension PostgreSQL lacks (its expected output
  # is written by hand): skipped on PostgreSQL.
  if [ "$target" = pg ] && grep -qs '^# holdfast-only' "$here/specs/$s.spec"; then
    echo "skip  $s (holdfast-only)"; continue
  fi
  if [ -f "$here/specs/$s.sql" ]; then
    timeout 600 psql -X -a "$conn" -f - <"$here/specs/$s.sql" >"$out/$s.out" 2>&1
  else
    timeout 600 "$tester" "$conn" <"$here/specs/$s.spec" >"$out/$s.out" 2>&1
  fi
  rc=$?
  if [ $regen = 1 ]; then
    cp "$out/$s.out" "$here/expected/$s.out"
    echo "regen $s (rc=$rc)"
    continue
  fi
  if diff -u "$here/expected/$s.out" "$out/$s.out" >"$out/$s.diff"; then
    passed=$((passed + 1)); printf "ok    %s\n" "$s"
  else
    failed=$((failed + 1)); printf "FAIL  %s  rc=%s\n" "$s" "$rc"; head -n 40 "$out/$s.diff"
  fi
done
echo "scenarios on $target: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
