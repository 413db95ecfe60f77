#!/usr/bin/env bash
# tests/e2e/notify.sh — LISTEN/NOTIFY over libpq (tests/e2e/notify_order.c): an idle listener
# receives, without sending anything, every notification of HF_NOTIFY_TRANSACTIONS (default
# 1,000) transactions committed by two notifiers, once each, in commit order, and none of the
# rolled-back ones. On holdfast the same again over TLS (a self-signed certificate made here),
# whose idle wait differs.
#   notify.sh [--target holdfast|pg]
# Exit 0 pass, 1 fail.
set -uo pipefail
source "$(cd "$(dirname "$0")" && pwd)/lib.sh"
e2e_init "$@"
transactions=${HF_NOTIFY_TRANSACTIONS:-1000}
cc -O1 -o "$work/notify_order" "$e2e_here/notify_order.c" \
  -I"$(pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)" -lpq -lpthread \
  || { echo "FAIL: cannot build notify_order"; exit 1; }
tls=()
if [ "$target" = holdfast ] && command -v openssl >/dev/null; then
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" \
    -days 1 -subj /CN=localhost 2>/dev/null && chmod 600 "$work/key.pem" \
    && tls=(-- --ssl-cert "$work/cert.pem" --ssl-key "$work/key.pem")
fi
e2e_start "${tls[@]}"
conn="host=127.0.0.1 port=$port user=postgres dbname=postgres"
for mode in disable require; do
  [ $mode = require ] && [ ${#tls[@]} -eq 0 ] && continue
  if out=$("$work/notify_order" "$conn sslmode=$mode" "$transactions" 2>&1); then
    ok "sslmode=$mode: $out"
  else
    bad "sslmode=$mode: $out"
  fi
done
e2e_finish
