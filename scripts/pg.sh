#!/usr/bin/env bash
# pg.sh — a throwaway PostgreSQL 15 for comparisons (conformance, scenarios, benchmarks).
#   pg.sh start PORT DIR           initdb DIR when empty, then start; listens on 127.0.0.1:PORT
#   pg.sh stop  PORT DIR [MODE]    pg_ctl stop -m MODE (fast by default; immediate = crash)
#   pg.sh psql  PORT [args...]     psql as user postgres on database postgres
# Trust authentication, superuser "postgres", database "postgres", fsync on (the default),
# unix socket in DIR only, max_connections $HF_PG_MAX_CONNECTIONS (default 300).
# PostgreSQL refuses to run as root: as root the server runs as the system user "hfpg"
# (created on first use), which must be able to reach DIR (use /tmp/...).
set -euo pipefail
cmd=${1:-}; port=${2:-}; dir=${3:-}
bindir=/usr/lib/postgresql/15/bin
[ -x "$bindir/pg_ctl" ] || { echo "pg.sh: PostgreSQL 15 not installed: run scripts/setup.sh" >&2; exit 1; }

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u hfpg -- "$@"; else "$@"; fi
}

case $cmd in
  start)
    [ -n "$port" ] && [ -n "$dir" ] || { sed -n 2,5p "$0"; exit 2; }
    if [ "$(id -u)" -eq 0 ] && ! id hfpg >/dev/null 2>&1; then
      useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin hfpg
    fi
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [ "$(id -u)" -eq 0 ] && chown hfpg "$dir" && chmod 700 "$dir"
    if ! as_pg test -w "$dir"; then
      echo "pg.sh: user $(as_pg id -un) cannot write $dir (a parent folder is closed?): use a folder under /tmp" >&2
      exit 1
    fi
    if [ ! -f "$dir/PG_VERSION" ]; then
      as_pg "$bindir/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
        >"$dir.initdb.log" 2>&1 || { cat "$dir.initdb.log" >&2; exit 1; }
      cat >>"$dir/postgresql.conf" <<CONF
# pg.sh
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
fsync = on
synchronous_commit = on
max_connections = ${HF_PG_MAX_CONNECTIONS:-300}
shared_buffers = 128MB
max_prepared_transactions = 10
CONF
    fi
    as_pg "$bindir/pg_ctl" -D "$dir" -l "$dir/server.log" -o "-p $port" -w -t 60 start >/dev/null \
      || { tail -n 20 "$dir/server.log" >&2; exit 1; }
    echo "pg.sh: PostgreSQL 15 on 127.0.0.1:$port, data $dir"
    ;;
  stop)
    [ -n "$dir" ] || { sed -n 2,5p "$0"; exit 2; }
    mode=${4:-fast}
    if [ -f "$dir/postmaster.pid" ]; then
      as_pg "$bindir/pg_ctl" -D "$dir" -m "$mode" -w -t 60 stop >/dev/null
      echo "pg.sh: stopped ($mode) PostgreSQL on port $port"
    else
      echo "pg.sh: not running in $dir"
    fi
    ;;
  psql)
    shift 2
    exec psql -X -h 127.0.0.1 -p "$port" -U postgres -d postgres "$@"
    ;;
  *) sed -n 2,5p "$0"; exit 2 ;;
esac
