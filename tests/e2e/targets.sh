# tests/e2e/targets.sh — sourced by the scripts that run one workload on holdfast and then on
# PostgreSQL 15 (job_queues.sh, driver_queues.sh): a work folder removed at exit, and one
# fresh server at a time on a free port. REQUIRES: $root is the repository.
targets_init() {  # targets_init NAME: $work, removed (with any server still up) at exit
  work=$(mktemp -d "/tmp/hf-$1-XXXX")
  chmod 755 "$work"
  port=
  trap targets_cleanup EXIT
}
targets_cleanup() {
  target_down
  rm -rf "$work"
}
target_up() {  # target_up holdfast|pg: a server with an empty database on $port
  port=$(bash "$root/scripts/freeport.sh")
  case $1 in
    holdfast)
      rm -rf "$work/data"
      bash "$root/scripts/server.sh" start --port "$port" --data "$work/data" \
        --log "$work/holdfast.log" >/dev/null || { echo "FAIL: holdfast did not start"; exit 1; } ;;
    pg)
      rm -rf "$work/pg"
      bash "$root/scripts/pg.sh" start "$port" "$work/pg" >/dev/null \
        || { echo "FAIL: PostgreSQL did not start"; exit 1; } ;;
    *) echo "unknown target $1"; exit 2 ;;
  esac
}
target_down() {  # stops the server target_up started, if any
  [ -n "${port:-}" ] || return 0
  bash "$root/scripts/server.sh" stop --port "$port" >/dev/null 2>&1
  bash "$root/scripts/pg.sh" stop "$port" "$work/pg" >/dev/null 2>&1
  port=
}
# field LINE NAME: the value of NAME=... in a RESULT line.
field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
