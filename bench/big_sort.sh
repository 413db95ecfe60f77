#!/usr/bin/env bash
# bench/big_sort.sh — an ORDER BY of SIZE_GB gigabytes under a small work_mem (issue 9: "a
# 10 GB sort under a 64 MB budget"): the server's peak RSS, its peak temporary-file bytes and
# the time, for holdfast (and PostgreSQL 15 with TARGETS="holdfast pg", time only).
#
#   bench/big_sort.sh                 # 1 GB under work_mem 64MB
#   SIZE_GB=10 bench/big_sort.sh      # the issue's 10 GB
#   WORK_MEM=16MB ROW_BYTES=512 SIZE_GB=2 bench/big_sort.sh
#
# The rows are generate_series(1, N) with a payload of ROW_BYTES (default 256) hex characters
# (md5 repeated: random order), N = SIZE_GB * 2^30 / ROW_BYTES; nothing is loaded into a
# table. The sort is a full one whose output is one row (OFFSET N-1), so the client holds
# nothing; that row must equal the first row of the reverse order's top-N (LIMIT 1), which
# checks the merge. Fails when the server dies, the answers differ, or (holdfast) the peak
# RSS passes MAX_RSS_MB (default: work_mem + 512MB). Writes bench/results/big_sort-*.txt.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
size_gb=${SIZE_GB:-1}
work_mem=${WORK_MEM:-64MB}
row_bytes=${ROW_BYTES:-256}
targets=${TARGETS:-holdfast}
reps=$(( (row_bytes + 31) / 32 ))
n=$(awk -v g="$size_gb" -v b="$row_bytes" 'BEGIN { printf "%d", g * 1073741824 / b }')
wm_mb=$(awk -v w="$work_mem" 'BEGIN { v = w + 0; if (w ~ /GB$/) v *= 1024; else if (w ~ /kB$/) v /= 1024; printf "%d", v }')
max_rss_mb=${MAX_RSS_MB:-$((wm_mb + 512))}
payload="left(repeat(md5(g::text), $reps), $row_bytes)"
full="SET work_mem = '$work_mem'; SELECT g, $payload AS p FROM generate_series(1, $n) g ORDER BY p OFFSET $((n - 1))"
topn="SET work_mem = '$work_mem'; SELECT g, $payload AS p FROM generate_series(1, $n) g ORDER BY p DESC LIMIT 1"
out=$results/big_sort-$stamp.txt
say() { echo "$@" | tee -a "$out"; }

# CPU seconds (user + system) the process has used: the machine may be shared.
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.1f", ($14 + $15) / hz }' "/proc/$1/stat"; }
kb() { awk -v k="$1" '/^'"$1"':/ { print $2 }' "/proc/$2/status"; }
# Bytes in the server's open temporary files (unnamed: only their descriptors show them).
temp_bytes() {
  local pid=$1 total=0 s f
  for f in /proc/"$pid"/fd/*; do
    case $(readlink "$f" 2>/dev/null) in
      *pgsql_tmp*|*hf_sort_*) s=$(stat -L -c %s "$f" 2>/dev/null || echo 0); total=$((total + s)) ;;
    esac
  done
  echo "$total"
}

say "big sort: $size_gb GB = $n rows of $row_bytes payload bytes, work_mem $work_mem ($(date -u))"
say "query: $full"
status=0
for t in $targets; do
  target_start "$t" || { say "$t: did not start"; exit 1; }
  pid=
  [ "$t" = holdfast ] && pid=$(cat "${TMPDIR:-/tmp}/holdfast-${bench_port[$t]}.pid")
  peak_temp=0
  if [ -n "$pid" ]; then
    rss_before=$(kb VmRSS "$pid")
    ( peak=0; while kill -0 "$pid" 2>/dev/null; do
        b=$(temp_bytes "$pid"); [ "$b" -gt "$peak" ] && peak=$b && echo "$peak" > "$work/peak_temp"
        sleep 1; done ) &
    sampler=$!
  fi
  [ -n "$pid" ] && cpu0=$(cpu_s "$pid")
  t0=$(date +%s.%N)
  got=$(sql "$t" "$full") || { say "$t: the sort failed"; status=1; }
  t1=$(date +%s.%N)
  [ -n "$pid" ] && cpu1=$(cpu_s "$pid")
  want=$(sql "$t" "$topn") || { say "$t: the top-N failed"; status=1; }
  t2=$(date +%s.%N)
  cpu=; [ -n "$pid" ] && cpu=" ($(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { printf "%.1f", b - a }') s of server CPU)"
  say "$t: full sort $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s$cpu, top-N $(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.1f", b - a }') s"
  if [ -n "$got" ] && [ "$got" = "$want" ]; then say "$t: last row of the sort = first of the reverse top-N: ok"
  else say "$t: MISMATCH: sort gave '$got', top-N gave '$want'"; status=1; fi
  if [ -n "$pid" ]; then
    kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true
    [ -f "$work/peak_temp" ] && peak_temp=$(cat "$work/peak_temp")
    hwm=$(kb VmHWM "$pid")
    say "$t: server RSS before $((rss_before / 1024)) MB, peak RSS (VmHWM) $((hwm / 1024)) MB, peak temporary files $((peak_temp / 1048576)) MB (sampled each second)"
    if [ $((hwm / 1024)) -gt "$max_rss_mb" ]; then say "$t: peak RSS above $max_rss_mb MB"; status=1; fi
    left=$(ls -A "$work/hf-data/pgsql_tmp" | wc -l)
    say "$t: files left in pgsql_tmp: $left"
    [ "$left" = 0 ] || status=1
  fi
  target_stop "$t"
done
say "result: $([ $status = 0 ] && echo PASS || echo FAIL) ($out)"
exit $status
