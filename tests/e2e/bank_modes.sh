#!/usr/bin/env bash
# tests/e2e/bank_modes.sh [--seconds S] [--clients N] — bank transfers through the retry
# library in every concurrency mode (pessimistic, optimistic, half and half) and isolation
# level (issue 10): starts holdfast on a free port, runs hf_bank_modes (S seconds per run,
# default 3; N clients, default 16) and passes when, after every run, the total is unchanged,
# the transfer log holds exactly the transfers the clients saw commit, and every balance
# agrees with the log. Prints transfers/s, conflicts, retries and exhausted runs per mode.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
seconds=3 clients=16
while [ $# -gt 0 ]; do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    *) sed -n 2,7p "$0"; exit 2 ;;
  esac
done
bin=${HF_BANK_MODES:-$root/${HF_BUILD_PREFIX:-build}/tests/hf_bank_modes}
[ -x "$bin" ] || { echo "hf_bank_modes not built ($bin): scripts/build.sh"; exit 1; }
work=$(mktemp -d /tmp/hf-bank-XXXX)
chmod 755 "$work"
port=$(bash "$root/scripts/freeport.sh")
bash "$root/scripts/server.sh" start --port "$port" --data "$work/data" --log "$work/holdfast.log" >/dev/null || exit 1
trap 'bash "$root/scripts/server.sh" stop --port "$port" >/dev/null; rm -rf "$work"' EXIT
timeout 600 "$bin" "host=127.0.0.1 port=$port user=postgres dbname=postgres" "$seconds" "$clients"
