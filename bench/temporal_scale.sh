#!/usr/bin/env bash
# bench/temporal_scale.sh [--targets "holdfast pg"] [--clients "8 64"] [--seconds S] [--warmup W]
# — where the time of a Temporal workflow (bench/driver/temporal.h) goes as clients grow, in
# counts that hold on a shared machine: for each target and client count, over S seconds
# (default 20) after W (default 5) of warm-up, bench/procstat.py's CPU seconds, run-queue wait
# and context switches of the server (PostgreSQL: the postmaster and its backends) and of the
# driver, each divided by the workflows done in the window (executions rows inserted), plus the
# lock waits of holdfast_lock_stats and, for holdfast, the counters of its stats log
# (--stats-log-ms: WAL syncs against synced writes is the group-commit batch; the mean wait of a
# one-phase commit for its fsync and for its publication, and from its durability to its locks
# released; the log has a line every 500 ms, so
# those figures cover the window give or take half a second). Prints one block per point and a
# table (bench/results/temporal-scale-<time>.txt); every point's full figures, the per-thread
# split included, go to …-<time>.jsonl. The table's `idle` (the machine's /proc/stat idle share)
# tells, on a machine running nothing else, whether the server left CPU unused. Builds nothing
# (build/holdfast, build/bench/hf_bench).
set -uo pipefail
source "$(dirname "$0")/lib.sh"
secs=20 warmup=5 targets="holdfast pg" client_counts="8 64"
while [ $# -gt 0 ]; do
  case $1 in
    --targets) targets=$2; shift 2 ;;
    --clients) client_counts=$2; shift 2 ;;
    --seconds) secs=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    *) sed -n 2,15p "$0"; exit 2 ;;
  esac
done
driver=$root/build/bench/hf_bench
[ -x "$driver" ] || { echo "no $driver: build first" >&2; exit 1; }
seed=$(date +%s)
out=$results/temporal-scale-$stamp
: >"$out.jsonl"

server_pids() {
  case $1 in
    holdfast) pgrep -f -- "--port ${bench_port[holdfast]}( |$)" | head -1 ;;
    pg) echo "ppid:$(head -1 "$work/pg/postmaster.pid")" ;;
  esac
}
# executions rows | lock waits | lock wait ms | holdfast's stats line (--stats-log-ms 500):
# wal syncs | synced writes | writes | commit durable us | n | publish wait us | n |
# append-to-sync-answer us | n | answer-to-fiber-running us | n | durability-learnt-to-locks-released us | n
# | WAL fsync us | n | the sync thread's answering of one group us | n | slices run ahead of a
# commit's wake-up | n
counters() {
  local t=$1 ls ss="0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0"
  ls=$(sql "$t" "select lock_waits, wait_time_ms from holdfast_lock_stats" 2>/dev/null || echo "0|0")
  if [ "$t" = holdfast ]; then
    ss=$(grep 'stats: wal_syncs=' "$work/holdfast.log" | tail -1 |
      sed 's/.*stats: //; s/[a-z_]*=//g; s/ /|/g')
  fi
  echo "$(sql "$t" "select count(*) from executions")|${ls:-0|0}|$ss"
}

for t in $targets; do
  echo "== $t"
  HF_SERVER_ARGS="${HF_SERVER_ARGS:-} --stats-log-ms 500" target_start "$t" || { echo "$t did not start"; target_stop "$t"; continue; }
  "$driver" --port "${bench_port[$t]}" --clients 1 --seconds 1 --warmup 0 --setup-only \
    -D shards=512 --seed "$seed" >"$work/setup-$t.log" 2>&1 || { tail "$work/setup-$t.log"; continue; }
  spid=$(server_pids "$t")
  for c in $client_counts; do
    "$driver" --port "${bench_port[$t]}" --no-setup --no-check --label "$t" --clients "$c" \
      --seconds "$((secs + 20))" --warmup "$warmup" -D shards=512 --seed "$((seed + c))" \
      --json "$work/$t-$c.json" >"$work/$t-$c.log" 2>&1 &
    dpid=$!
    # The driver connects and prepares every client's statements before its clock starts (the
    # "warm-up" line): on a loaded machine that takes seconds, and its parsing is not the load.
    for _ in $(seq 600); do grep -q 'warm-up' "$work/$t-$c.log" 2>/dev/null && break; sleep 0.5; done
    sleep $((warmup + 1))
    IFS='|' read -r n0 w0 wt0 s0 sw0 wr0 du0 dn0 pu0 pn0 yu0 yn0 ku0 kn0 uu0 un0 fu0 fn0 au0 an0 ws0 wn0 <<<"$(counters "$t")"
    # The driver runs 20 s past the window (the counters' queries may be slow on a loaded
    # machine); a sample that ends after it would miss its processes.
    python3 "$root/bench/procstat.py" "$secs" server="$spid" driver="$dpid" >"$work/proc-$t-$c.txt"
    IFS='|' read -r n1 w1 wt1 s1 sw1 wr1 du1 dn1 pu1 pn1 yu1 yn1 ku1 kn1 uu1 un1 fu1 fn1 au1 an1 ws1 wn1 <<<"$(counters "$t")"
    wait "$dpid"
    wf=$((n1 - n0))
    echo "-- $t, $c clients: $wf workflows in $secs s ($(grep '^RESULT' "$work/$t-$c.log" | sed 's/.*units_per_s=\([^ ]*\).*/\1/') wf/s by the driver)"
    grep -v '^{' "$work/proc-$t-$c.txt"
    python3 - "$work/proc-$t-$c.txt" "$t" "$c" "$wf" "$((w1 - w0))" "$(echo "$wt1 - $wt0" | bc)" \
      "$((s1 - s0))" "$((sw1 - sw0))" "$((wr1 - wr0))" "$secs" "$((du1 - du0))" "$((dn1 - dn0))" \
      "$((pu1 - pu0))" "$((pn1 - pn0))" "$((yu1 - yu0))" "$((yn1 - yn0))" "$((ku1 - ku0))" \
      "$((kn1 - kn0))" "$((${uu1:-0} - ${uu0:-0}))" "$((${un1:-0} - ${un0:-0}))" \
      "$((${fu1:-0} - ${fu0:-0}))" "$((${fn1:-0} - ${fn0:-0}))" "$((${au1:-0} - ${au0:-0}))" \
      "$((${an1:-0} - ${an0:-0}))" "$((${ws1:-0} - ${ws0:-0}))" "$((${wn1:-0} - ${wn0:-0}))" \
      "$(grep '^RESULT' "$work/$t-$c.log")" >>"$out.jsonl" <<'EOF'
import json, sys
f, t, c, wf, waits, wait_ms, syncs, synced, writes, secs, du, dn, pu, pn, yu, yn, ku, kn, uu, un, fu, fn, au, an, ws, wn, result = sys.argv[1:]
# The driver's latencies cover its whole run (the window and the 20 s after it).
lat = dict(kv.split("=", 1) for kv in result.split()[1:] if "=" in kv)
wf = max(int(wf), 1)
p = json.loads(open(f).read().strip().splitlines()[-1])["procstat"]
s, d = p["server"], p["driver"]
row = {"target": t, "clients": int(c), "workflows": wf, "wf_per_s": round(wf / float(secs), 1),
       "server_cpu_ms_per_wf": round(1000 * s["cpu_s"] / wf, 3),
       "server_user_ms_per_wf": round(1000 * s["user_s"] / wf, 3),
       "server_sys_ms_per_wf": round(1000 * s["sys_s"] / wf, 3),
       "server_runq_ms_per_wf": round(1000 * s["runq_wait_s"] / wf, 3),
       "server_vcsw_per_wf": round(s["vcsw"] / wf, 1), "server_ivcsw_per_wf": round(s["ivcsw"] / wf, 1),
       "driver_cpu_ms_per_wf": round(1000 * d["cpu_s"] / wf, 3),
       "driver_runq_ms_per_wf": round(1000 * d["runq_wait_s"] / wf, 3),
       "lock_waits_per_wf": round(int(waits) / wf, 3), "lock_wait_ms_per_wf": round(float(wait_ms) / wf, 3),
       "wal_syncs_per_s": round(int(syncs) / float(secs), 1),
       "commits_per_sync": round(int(synced) / int(syncs), 2) if int(syncs) else None,
       "writes_per_wf": round(int(writes) / wf, 1),
       "commit_durable_ms": round(int(du) / 1000 / int(dn), 3) if int(dn) else None,
       "commit_publish_ms": round(int(pu) / 1000 / int(pn), 3) if int(pn) else None,
       "commits_per_wf": round(int(dn) / wf, 2),
       "sync_answer_ms": round(int(yu) / 1000 / int(yn), 3) if int(yn) else None,
       "fiber_wake_ms": round(int(ku) / 1000 / int(kn), 3) if int(kn) else None,
       "unlock_after_durable_ms": round(int(uu) / 1000 / int(un), 3) if int(un) else None,
       "fsync_ms": round(int(fu) / 1000 / int(fn), 3) if int(fn) else None,
       "answer_group_ms": round(int(au) / 1000 / int(an), 3) if int(an) else None,
       "wake_slices_ahead": round(int(ws) / int(wn), 2) if int(wn) else None,
       "p50_ms": lat.get("p50_ms"), "p99_ms": lat.get("p99_ms"),
       "machine": p["machine"], "procstat": p}
print(json.dumps(row))
EOF
  done
  target_stop "$t"
done
python3 - "$out.jsonl" <<'EOF' | tee "$out.txt"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
cols = ["wf_per_s", "server_cpu_ms_per_wf", "server_user_ms_per_wf", "server_sys_ms_per_wf",
        "server_runq_ms_per_wf", "server_vcsw_per_wf", "server_ivcsw_per_wf", "driver_cpu_ms_per_wf",
        "lock_waits_per_wf", "lock_wait_ms_per_wf", "wal_syncs_per_s", "commits_per_sync",
        "commit_durable_ms", "commit_publish_ms", "sync_answer_ms", "fiber_wake_ms",
        "unlock_after_durable_ms", "fsync_ms", "answer_group_ms", "wake_slices_ahead", "p50_ms", "p99_ms"]
print("per workflow, over the measured window (machine idle share in the last column)")
print(f"{'target':<9}{'clients':>8}" + "".join(f"{c.replace('_per_wf','').replace('server_','s_'):>14}" for c in cols) + f"{'idle':>7}")
for r in rows:
    print(f"{r['target']:<9}{r['clients']:>8}" + "".join(f"{str(r[c]):>14}" for c in cols) + f"{r['machine']['idle']:>7}")
EOF
echo "raw: $out.jsonl"
