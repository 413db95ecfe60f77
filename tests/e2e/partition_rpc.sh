#!/usr/bin/env bash
# tests/e2e/partition_rpc.sh — the network seam (issue 12): a server started with
# --partition-rpc reaches every one of its partitions through its own partition server on
# loopback (src/partition_rpc), exactly as a coordinator reaches another node's partitions, and
# its transaction registry the same way. Our scenario specs must give the same output as over
# local partitions: the coordinator does not know the difference.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d /tmp/hf-rpc-XXXX)
chmod 755 "$work"
port=$(bash "$root/scripts/freeport.sh")
bash "$root/scripts/server.sh" start --port "$port" --data "$work/data" --log "$work/holdfast.log" \
  -- --partition-rpc >/dev/null || exit 1
trap 'bash "$root/scripts/server.sh" stop --port "$port" >/dev/null; rm -rf "$work"' EXIT
grep -q "partitions and their registry through" "$work/holdfast.log" || {
  echo "FAIL: the server does not use the partition RPC"; cat "$work/holdfast.log"; exit 1; }
status=0
# PostgreSQL's isolation specs over the network run in tests/e2e/sql_nodes.sh (two SQL nodes,
# every call remote, each spec's sessions spread over both); here our scenario specs.
# fast-path-table-locks: a server whose partitions are served on a cluster port (as here)
# keeps every table lock in them, since another coordinator may attach (src/server/main.cc):
# pg_locks shows fastpath = false where PostgreSQL shows true. As in cluster.sh.
specs=()
for f in "$root"/tests/scenarios/specs/*.spec "$root"/tests/scenarios/specs/*.sql; do
  name=$(basename "${f%.*}")
  [ "$name" = fast-path-table-locks ] || specs+=("$name")
done
out=$(bash "$root/tests/scenarios/run.sh" --port "$port" "${specs[@]}" 2>&1)
rc=$?
echo "$out" | grep -E "^scenarios" | sed 's/^/partition rpc: /'
[ $rc = 0 ] || { echo "$out" | grep -v "^ok  " | tail -60; status=1; }
if grep -E "ERROR|CRITICAL|critical" "$work/holdfast.log" | grep -qi "partition rpc\|partition server"; then
  echo "FAIL: partition RPC errors in the server log"; grep -i "partition" "$work/holdfast.log" | tail; status=1
fi
exit $status
