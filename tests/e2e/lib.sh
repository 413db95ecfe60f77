# tests/e2e/lib.sh — shared by the lock end-to-end scripts (killed_client.sh, wait_endings.sh):
# starts the target server (holdfast via scripts/server.sh, or PostgreSQL 15 via scripts/pg.sh)
# on a free port, and drives concurrent client sessions from bash.
#
# A session is a psql (or tests/e2e/pqtool.c) process reading commands from a FIFO the script
# writes to, with its output in $work/NAME.out; it can be killed (kill -9) at any moment, which
# is what these tests are about. Every wait is bounded (HF_E2E_WAIT seconds, default 10).
#
# Usage: source it, call e2e_init "$@" (parses --target holdfast|pg), then e2e_start.
# Checks call ok/bad; e2e_finish prints the verdict and returns 0 (pass) or 1.

set -uo pipefail
e2e_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
e2e_root=$(cd "$e2e_here/../.." && pwd)
target=holdfast
wait_limit=${HF_E2E_WAIT:-10}
failures=() checks=0
declare -A sess_pid sess_fd sess_seen

e2e_init() {
  while [ $# -gt 0 ]; do
    case $1 in
      --target) target=$2; shift 2 ;;
      *) echo "usage: $0 [--target holdfast|pg]" >&2; exit 2 ;;
    esac
  done
  work=$(mktemp -d /tmp/hf-e2e-XXXX)
  chmod 755 "$work"
  port=$(bash "$e2e_root/scripts/freeport.sh")
  trap e2e_cleanup EXIT
}

e2e_start() {  # e2e_start [-- extra holdfast arguments]
  case $target in
    holdfast)
      bash "$e2e_root/scripts/server.sh" start --port "$port" --data "$work/data" \
        --log "$work/holdfast.log" "$@" >/dev/null || { echo "FAIL: holdfast did not start"; exit 1; } ;;
    pg)
      bash "$e2e_root/scripts/pg.sh" start "$port" "$work/pg" >/dev/null \
        || { echo "FAIL: PostgreSQL did not start"; exit 1; } ;;
    *) echo "unknown target $target" >&2; exit 2 ;;
  esac
  echo "$(basename "$0"): target $target on port $port"
  open_psql MON
}

e2e_cleanup() {
  local name
  for name in "${!sess_pid[@]}"; do
    kill -9 "${sess_pid[$name]}" 2>/dev/null
    wait "${sess_pid[$name]}" 2>/dev/null
  done
  case $target in
    holdfast) bash "$e2e_root/scripts/server.sh" stop --port "$port" >/dev/null 2>&1 ;;
    pg) bash "$e2e_root/scripts/pg.sh" stop "$port" "$work/pg" >/dev/null 2>&1 ;;
  esac
  if [ -n "${HF_E2E_KEEP:-}" ]; then echo "kept $work"; else rm -rf "$work"; fi
}

ok() { checks=$((checks + 1)); echo "  ok: $1"; }
bad() { checks=$((checks + 1)); failures+=("$1"); echo "  FAIL: $1"; }
check_eq() {  # check_eq WHAT EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: expected [$2], got [$3]"; fi
}

e2e_finish() {
  echo "$(basename "$0") on $target: $((checks - ${#failures[@]})) of $checks checks passed"
  if [ ${#failures[@]} -gt 0 ]; then
    printf 'FAILED: %s\n' "${failures[@]}"
    return 1
  fi
  return 0
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# q SQL: runs SQL in the monitor session (one long-lived psql: a new connection per check
# costs too much on a loaded machine) and prints its rows (unaligned) and errors.
q() {
  local m="${BASHPID}_${RANDOM}_$RANDOM"
  send MON "\\echo QB$m"
  send MON "$1;"
  send MON "\\echo QE$m"
  wait_line MON "^QE$m\$" || { echo "monitor session did not answer"; return 1; }
  sed -n "/^QB$m\$/,/^QE$m\$/p" "$work/MON.out" | sed '1d;$d;s/^psql:[^:]*:[0-9]*: //'
}

# wait_for SQL EXPECTED [SECONDS]: polls q SQL until it prints EXPECTED; returns 1 on timeout.
wait_for() {
  local until=$(($(now_ms) + ${3:-$wait_limit} * 1000)) out
  while :; do
    out=$(q "$1")
    [ "$out" = "$2" ] && return 0
    [ "$(now_ms)" -ge "$until" ] && { last_out=$out; return 1; }
    sleep 0.05
  done
}

# fresh NAME: a new FIFO and output file for a session of that name.
fresh() {
  rm -f "$work/$1.in" "$work/$1.out"
  mkfifo "$work/$1.in"
  sess_seen[$1]=0
}

# In a new client: the other sessions' FIFO ends must not stay open in it (a session whose
# input is closed must see end of input).
close_all_inputs() {
  local fd
  for fd in "${sess_fd[@]}"; do eval "exec $fd>&-"; done
}

# open_psql NAME [ENV=VALUE...]: a psql session fed from a FIFO; errors in verbose form
# ("ERROR:  57014: message"), so the SQLSTATE can be checked.
open_psql() {
  local name=$1; shift
  fresh "$name"
  (
    close_all_inputs
    exec env "$@" psql -X -At -q -h 127.0.0.1 -p "$port" -U postgres -d postgres \
      <"$work/$name.in" >"$work/$name.out" 2>&1
  ) &
  sess_pid[$name]=$!
  local fd
  exec {fd}>"$work/$name.in"
  sess_fd[$name]=$fd
  send "$name" '\set VERBOSITY verbose'
}

# open_tool NAME [ENV=VALUE...]: a pqtool session (CancelRequest, Terminate while waiting).
open_tool() {
  local name=$1; shift
  if [ ! -x "$work/pqtool" ]; then
    cc -O1 -o "$work/pqtool" "$e2e_here/pqtool.c" -I"$(pg_config --includedir 2>/dev/null \
      || echo /usr/include/postgresql)" -lpq || { echo "FAIL: cannot build pqtool"; exit 1; }
  fi
  fresh "$name"
  (
    close_all_inputs
    exec env "$@" "$work/pqtool" "host=127.0.0.1 port=$port user=postgres dbname=postgres" \
      <"$work/$name.in" >"$work/$name.out" 2>&1
  ) &
  sess_pid[$name]=$!
  local fd
  exec {fd}>"$work/$name.in"
  sess_fd[$name]=$fd
}

# send NAME LINE: one line of input to the session.
send() { printf '%s\n' "$2" >&"${sess_fd[$1]}"; }

# close_input NAME: end of input (psql then ends normally, sending Terminate).
close_input() { [ -n "${sess_fd[$1]:-}" ] && eval "exec ${sess_fd[$1]}>&-"; unset "sess_fd[$1]"; }

# kill9 NAME: the client process dies at once (no Terminate; the kernel closes its socket).
kill9() {
  kill -9 "${sess_pid[$1]}" 2>/dev/null
  wait "${sess_pid[$1]}" 2>/dev/null
  close_input "$1"
  unset "sess_pid[$1]"
}

# wait_exit NAME: waits (bounded) for the client process to end by itself.
wait_exit() {
  local pid=${sess_pid[$1]} i
  for i in $(seq $((wait_limit * 20))); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; unset "sess_pid[$1]"; return 0; }
    sleep 0.05
  done
  return 1
}

# wait_line NAME REGEX [SECONDS]: waits until the session's output has a line matching REGEX;
# the line (first match after the session's cursor) is in $line. Returns 1 on timeout.
wait_line() {
  local name=$1 re=$2 until=$(($(now_ms) + ${3:-$wait_limit} * 1000)) skip
  skip=${sess_seen[$name]:-0}
  while :; do
    line=$(tail -n +"$((skip + 1))" "$work/$name.out" 2>/dev/null | grep -m1 -E -- "$re")
    if [ -n "$line" ]; then
      local n
      n=$(tail -n +"$((skip + 1))" "$work/$name.out" | grep -n -m1 -E -- "$re" | cut -d: -f1)
      sess_seen[$name]=$((skip + n))
      return 0
    fi
    [ "$(now_ms)" -ge "$until" ] && return 1
    sleep 0.02
  done
}

# mark NAME: an \echo marker after everything sent so far; wait_mark waits for it (psql only).
mark_n=0
sync_psql() {  # sync_psql NAME [SECONDS]: everything sent so far has run
  mark_n=$((mark_n + 1))
  send "$1" "\\echo MARK$mark_n"
  wait_line "$1" "^MARK$mark_n\$" "${2:-$wait_limit}"
}

# backend_pid NAME VAR: sets VAR to the backend pid of a psql session (pg_backend_pid()).
backend_pid() {
  send "$1" "select 'PID', pg_backend_pid();"
  wait_line "$1" '^PID\|' || { bad "session $1 did not answer pg_backend_pid()"; return 1; }
  printf -v "$2" '%s' "${line#PID|}"
}

# error lines of a session's output without psql's "psql:<stdin>:N: " prefix.
errors_of() { sed -n 's/^psql:[^:]*:[0-9]*: //; /^\(ERROR\|FATAL\):/p' "$work/$1.out"; }

# A session's outcome as "SQLSTATE message" from a psql error line ("ERROR:  57014: msg").
sqlstate_msg() { sed -E 's/^psql:[^:]*:[0-9]+: //; s/^(ERROR|FATAL):  ([0-9A-Z]{5}): /\2 /' <<<"$1"; }

dump_session() {  # for diagnosis after a failure
  echo "  --- $1 output:"; sed 's/^/  | /' "$work/$1.out" | tail -n 20
}
