#!/usr/bin/env bash
# tests/e2e/notify.sh — LISTEN/NOTIFY over libpq (tests/e2e/notify_order.c): an idle listener
# receives, without sending anything, every notification of 1,000 transactions committed by two
# notifiers, once each, in commit order, and none of the rolled-back ones. On holdfast the same
# again over TLS (a self-signed certificate made here), whose idle wait differs.
#   notify.sh [--target holdfast|pg] [--transactions N]
# Exit 0 pass, 1 fail.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
target=holdfast transactions=1000
while [ $# -gt 0 ]; do
  case $1 in
    --target) target=$2; shift 2 ;;
    --transactions) transactions=$2; shift 2 ;;
    *) sed -n 2,6p "$0" >&2; exit 2 ;;
  esac
done
work=$(mktemp -d /tmp/hf-notify-XXXX)
chmod 755 "$work"
port=$(bash "$root/scripts/freeport.sh")
cleanup() {
  case $target in
    holdfast) bash "$root/scripts/server.sh" stop --port "$port" >/dev/null 2>&1 ;;
    pg) bash "$root/scripts/pg.sh" stop "$port" "$work/pg" >/dev/null 2>&1 ;;
  esac
  rm -rf "$work"
}
trap cleanup EXIT
cc -O1 -o "$work/notify_order" "$here/notify_order.c" \
  -I"$(pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)" -lpq -lpthread \
  || { echo "FAIL: cannot build notify_order"; exit 1; }
tls=()
if [ "$target" = holdfast ] && command -v openssl >/dev/null; then
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" \
    -days 1 -subj /CN=localhost 2>/dev/null && chmod 600 "$work/key.pem" \
    && tls=(-- --ssl-cert "$work/cert.pem" --ssl-key "$work/key.pem")
fi
case $target in
  holdfast)
    bash "$root/scripts/server.sh" start --port "$port" --data "$work/data" \
      --log "$work/holdfast.log" "${tls[@]}" >/dev/null \
      || { echo "FAIL: holdfast did not start"; exit 1; } ;;
  pg)
    bash "$root/scripts/pg.sh" start "$port" "$work/pg" >/dev/null \
      || { echo "FAIL: PostgreSQL did not start"; exit 1; } ;;
  *) echo "unknown target $target" >&2; exit 2 ;;
esac
echo "notify.sh: target $target on port $port"
conn="host=127.0.0.1 port=$port user=postgres dbname=postgres"
"$work/notify_order" "$conn sslmode=disable" "$transactions" || exit 1
if [ ${#tls[@]} -gt 0 ]; then
  echo "over TLS:"
  "$work/notify_order" "$conn sslmode=require" "$transactions" || exit 1
fi
