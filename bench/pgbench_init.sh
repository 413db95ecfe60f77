# bench/pgbench_init.sh — `bash bench/pgbench.sh --init-only` (sourced by it, after lib.sh):
# `pgbench -i -s $scale` $repeat times per target, the targets alternating run by run, on one
# server per target or (--fresh) a new one per run. Each run: pgbench's step times, the
# server's CPU seconds over the run and the machine's idle share over it.

# The server's CPU seconds so far: holdfast's process (its threads); PostgreSQL's postmaster,
# its live children (backends, checkpointer...) and the children it reaped (cutime, cstime).
server_cpu() {
  local t=$1 pid
  case $t in
    holdfast) pid=$(cat "${TMPDIR:-/tmp}/holdfast-${bench_port[$t]}.pid") ;;
    pg) pid=$(head -n 1 "$work/pg/postmaster.pid") ;;
  esac
  python3 - "$pid" <<'PY'
import os, sys
tck = os.sysconf("SC_CLK_TCK")
root = int(sys.argv[1])
def fields(p):
    with open(f"/proc/{p}/stat") as f:
        s = f.read()
    return s[s.rindex(")") + 2:].split()  # fields from 3 (state) on
total = 0
f = fields(root)
total += sum(int(x) for x in f[11:15])  # utime stime cutime cstime
for p in os.listdir("/proc"):
    if not p.isdigit() or int(p) == root:
        continue
    try:
        c = fields(p)
    except OSError:
        continue
    if int(c[1]) == root:
        total += int(c[11]) + int(c[12])
print(f"{total / tck:.2f}")
PY
}

# "idle_jiffies total_jiffies" of the machine (/proc/stat)
machine_jiffies() { awk '/^cpu /{t=0; for (i=2; i<=NF; i++) t+=$i; print $5+$6, t; exit}' /proc/stat; }

init_repeat() {
  local out=$results/pgbench-init-$stamp t run line c0 c1 j0 j1
  local -a rows=()
  local mode="one server per target"
  [ -n "$fresh" ] && mode="a fresh server per run"
  if [ -z "$fresh" ]; then
    for t in $targets; do
      target_start "$t" || { echo "== $t: did not start"; return 1; }
    done
  fi
  for ((run = 1; run <= repeat; run++)); do
    for t in $targets; do
      if [ -n "$fresh" ]; then
        target_start "$t" || { echo "== $t: did not start"; return 1; }
      fi
      read -r c0 < <(server_cpu "$t")
      read -r j0 < <(machine_jiffies | awk '{print $1 "/" $2}')
      pgb "$t" -i -q -s "$scale" >"$work/$t-init.log" 2>&1 || { tail -n 5 "$work/$t-init.log"; return 1; }
      sleep 0.2  # the backend's exit, reaped by the postmaster
      read -r c1 < <(server_cpu "$t")
      read -r j1 < <(machine_jiffies | awk '{print $1 "/" $2}')
      # done in 2.36 s (drop tables 0.01 s, create tables 0.00 s, client-side generate 0.95 s,
      # vacuum 0.10 s, primary keys 1.30 s).
      line=$(grep '^done in ' "$work/$t-init.log")
      line=$(awk -v t="$t" -v i="$run" -v c="$(awk -v a="$c0" -v b="$c1" 'BEGIN{printf "%.2f", b-a}')" \
        -v j0="$j0" -v j1="$j1" '{
          total=$3
          d = step("drop tables"); cr = step("create tables"); g = step("client-side generate")
          v = step("vacuum"); p = step("primary keys")
          split(j0, a, "/"); split(j1, b, "/")
          idle = (b[2] > a[2]) ? 100 * (b[1]-a[1]) / (b[2]-a[2]) : 0
          printf "%-9s %3d %7.2f %7s %7s %9s %7s %7s %7s %5.0f\n", t, i, total, d, cr, g, v, p, c, idle
        }
        function step(name) { return match($0, name " [0-9.]+") ? substr($0, RSTART + length(name) + 1, RLENGTH - length(name) - 1) : "-" }' <<<"$line")
      rows+=("$line")
      echo "$line"
      if [ -n "$fresh" ]; then
        target_stop "$t"
        rm -rf "$work/hf-data" "$work/pg" "$work/holdfast.log"
      fi
    done
  done
  {
    echo "pgbench -i -s $scale, $repeat runs per target, $mode, targets alternating (seconds; cpu = the server's CPU seconds; idle = the machine's idle % over the run)"
    printf '%-9s %3s %7s %7s %7s %9s %7s %7s %7s %5s\n' target run total drop create generate vacuum pkeys cpu idle
    printf '%s\n' "${rows[@]}"
    echo
    printf '%-9s %-6s %7s %7s %7s %9s %7s %7s %7s %5s\n' target stat total drop create generate vacuum pkeys cpu idle
    printf '%s\n' "${rows[@]}" | awk '
      { n[$1]++; for (k=3; k<=10; k++) v[$1, k, n[$1]] = $k; targets[$1] = 1 }
      END {
        for (t in targets) {
          for (s = 0; s < 3; s++) {
            printf "%-9s %-6s", t, (s == 0 ? "min" : s == 1 ? "median" : "max")
            for (k = 3; k <= 10; k++) {
              m = 0
              for (i = 1; i <= n[t]; i++) if (v[t, k, i] != "-") a[++m] = v[t, k, i] + 0
              for (x = 1; x <= m; x++) for (y = x + 1; y <= m; y++) if (a[y] < a[x]) { z = a[x]; a[x] = a[y]; a[y] = z }
              r = (m == 0) ? "-" : s == 0 ? a[1] : s == 2 ? a[m] : (m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2)
              w = (k == 6 ? 9 : k == 10 ? 5 : 7)
              if (r == "-") printf " %" w "s", r; else printf " %" w "." (k == 10 ? 0 : 2) "f", r
              if (s == 1) med[t, k] = r
              if (s == 2) mx[t, k] = r
            }
            printf "\n"
          }
        }
        if (("holdfast", 3) in med && ("pg", 3) in med && med["pg", 3] > 0)
          printf "\nholdfast / PostgreSQL: median %.2fx, max %.2fx (total)\n", med["holdfast", 3] / med["pg", 3], mx["holdfast", 3] / mx["pg", 3]
      }'
  } >"$out.txt"
  echo
  cat "$out.txt"
  printf '%s\n' "${rows[@]}" | awk -v stamp="$stamp" -v scale="$scale" -v fresh="${fresh:-0}" \
    -v host="$(hostname)" -v cores="$(nproc)" '
    BEGIN { printf "{\"benchmark\":\"pgbench-init\",\"time\":\"%s\",\"scale\":%s,\"fresh\":%s,\"host\":\"%s\",\"cores\":%s,\"runs\":[", stamp, scale, (fresh ? "true" : "false"), host, cores }
    { printf "%s{\"target\":\"%s\",\"run\":%s,\"total_s\":%s,\"drop_s\":%s,\"create_s\":%s,\"generate_s\":%s,\"vacuum_s\":%s,\"primary_keys_s\":%s,\"server_cpu_s\":%s,\"idle_pct\":%s}", (NR > 1 ? "," : ""), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 }
    END { print "]}" }' | sed 's/:-,/:null,/g' >"$out.json"
  echo "results: $out.txt $out.json"
}
