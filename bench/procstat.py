#!/usr/bin/env python3
"""bench/procstat.py SECONDS LABEL=PID[,PID...] ... — where the CPU of a set of processes went
over a window, from /proc (no perf counters needed: this machine's VM has none).

For each LABEL (a group of processes, their threads included) prints, as deltas over SECONDS:
  cpu_s (user+system seconds), user_s, sys_s, runq_wait_s (seconds its threads were runnable
  but waited for a CPU: /proc/*/schedstat, the cost of sharing the cores), vcsw / ivcsw
  (voluntary and involuntary context switches), and the same by thread name (comm) for the
  groups whose threads have names, largest first. Also the machine's /proc/stat split
  (user, system, idle, iowait, steal) over the window. Processes that end during the window
  count up to their last sample. Prints JSON on the last line (key "procstat").

PIDs may also be given as ppid:PID: that process and its children (PostgreSQL's backends).
"""
import json
import os
import sys
import time

TCK = os.sysconf("SC_CLK_TCK")


def pids_of(spec):
    out = []
    for part in spec.split(","):
        if part.startswith("ppid:"):
            parent = int(part[5:])
            out.append(parent)
            for p in os.listdir("/proc"):
                if not p.isdigit():
                    continue
                try:
                    with open(f"/proc/{p}/stat") as f:
                        s = f.read()
                    if int(s[s.rindex(")") + 2:].split()[1]) == parent:
                        out.append(int(p))
                except OSError:
                    pass
        else:
            out.append(int(part))
    return out


def thread_sample(pid, tid):
    base = f"/proc/{pid}/task/{tid}"
    with open(base + "/stat") as f:
        s = f.read()
    comm = s[s.index("(") + 1:s.rindex(")")]
    fields = s[s.rindex(")") + 2:].split()
    utime, stime = int(fields[11]), int(fields[12])
    with open(base + "/schedstat") as f:
        run_ns, wait_ns, _ = (int(x) for x in f.read().split())
    vcsw = ivcsw = 0
    with open(base + "/status") as f:
        for line in f:
            if line.startswith("voluntary_ctxt_switches"):
                vcsw = int(line.split()[1])
            elif line.startswith("nonvoluntary_ctxt_switches"):
                ivcsw = int(line.split()[1])
    return comm, (utime, stime, run_ns, wait_ns, vcsw, ivcsw)


def sample(groups):
    out = {}
    for label, pids in groups.items():
        threads = {}
        for pid in pids:
            try:
                tids = os.listdir(f"/proc/{pid}/task")
            except OSError:
                continue
            for tid in tids:
                try:
                    threads[(pid, int(tid))] = thread_sample(pid, tid)
                except (OSError, ValueError):
                    pass
        out[label] = threads
    return out


def machine():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return v  # user nice system idle iowait irq softirq steal ...


def main():
    secs = float(sys.argv[1])
    groups = {}
    for arg in sys.argv[2:]:
        label, spec = arg.split("=", 1)
        groups[label] = pids_of(spec)
    m0, s0 = machine(), sample(groups)
    time.sleep(secs)
    m1, s1 = machine(), sample(groups)
    report = {"seconds": secs}
    dm = [b - a for a, b in zip(m0, m1)]
    tot = sum(dm[:8]) or 1
    report["machine"] = {
        "user": round((dm[0] + dm[1]) / tot, 3), "system": round((dm[2] + dm[5] + dm[6]) / tot, 3),
        "idle": round(dm[3] / tot, 3), "iowait": round(dm[4] / tot, 3), "steal": round(dm[7] / tot, 3)}
    for label in groups:
        a, b = s0[label], s1[label]
        tot = [0] * 6
        by_name = {}
        for key, (comm, vals) in b.items():
            prev = a.get(key, (comm, (0,) * 6))[1] if key in a else (0,) * 6
            d = [y - x for x, y in zip(prev, vals)]
            tot = [x + y for x, y in zip(tot, d)]
            n = by_name.setdefault(comm, [0] * 7)
            for i in range(6):
                n[i] += d[i]
            n[6] += 1
        def fmt(t):
            return {"cpu_s": round((t[0] + t[1]) / TCK, 2), "user_s": round(t[0] / TCK, 2),
                    "sys_s": round(t[1] / TCK, 2), "run_s": round(t[2] / 1e9, 2),
                    "runq_wait_s": round(t[3] / 1e9, 2), "vcsw": t[4], "ivcsw": t[5]}
        g = fmt(tot)
        g["threads"] = len(b)
        g["by_thread"] = {k: dict(fmt(v), n=v[6]) for k, v in
                          sorted(by_name.items(), key=lambda kv: -(kv[1][2]))}
        report[label] = g
    print("machine", report["machine"])
    for label in groups:
        g = report[label]
        print(f"{label}: cpu {g['cpu_s']} s (user {g['user_s']}, sys {g['sys_s']}), "
              f"runq wait {g['runq_wait_s']} s, vcsw {g['vcsw']}, ivcsw {g['ivcsw']}, "
              f"{g['threads']} threads")
        for name, t in list(g["by_thread"].items())[:8]:
            print(f"   {name:<18} x{t['n']:<3} run {t['run_s']:6.2f} s  runq {t['runq_wait_s']:6.2f} s"
                  f"  vcsw {t['vcsw']:7d}  ivcsw {t['ivcsw']:6d}")
    print(json.dumps({"procstat": report}))


if __name__ == "__main__":
    main()
