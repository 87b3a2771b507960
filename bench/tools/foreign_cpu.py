#!/usr/bin/env python3
"""CPU used by processes that are not part of the bench, as a noise indicator (other people's jobs on this VM).
  foreign_cpu.py snap FILE ROOTPID...   snapshot utime+stime of every process; a process is "ours" if it or an
                                        ancestor is a ROOTPID (bench/run, backends, proxies)
  foreign_cpu.py diff FILE ROOTPID...   -> "SECONDS\tTOP" CPU seconds used by foreign user processes since the
                                        snapshot (processes that started and exited in between are missed)
Kernel threads are not counted (loopback softirq work runs there on behalf of everyone)."""
import json, os, sys

def procs():
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            s = open(f"/proc/{d}/stat").read()
        except OSError:
            continue
        comm = s[s.index("(") + 1:s.rindex(")")]
        f = s[s.rindex(")") + 2:].split()
        # f[0]=state f[1]=ppid ... f[11]=utime f[12]=stime f[19]=starttime
        out[int(d)] = (int(f[1]), int(f[11]) + int(f[12]), int(f[19]), comm)
    return out

def ours(p, roots):
    seen = set()
    while p in P and p not in seen:
        if p in roots:
            return True
        seen.add(p)
        p = P[p][0]
    return False

mode, path, roots = sys.argv[1], sys.argv[2], {int(x) for x in sys.argv[3:] if x.isdigit()}
P = procs()
foreign = {pid: v for pid, v in P.items() if pid != 2 and v[0] != 2 and not ours(pid, roots)}
if mode == "snap":
    json.dump({str(k): [v[1], v[2]] for k, v in foreign.items()}, open(path, "w"))
else:
    before = json.load(open(path))
    tck = os.sysconf("SC_CLK_TCK")
    used = {}
    for pid, (ppid, j, start, comm) in foreign.items():
        b = before.get(str(pid))
        d = j - b[0] if b and b[1] == start else j
        if d > 0:
            used[comm] = used.get(comm, 0) + d
    total = sum(used.values()) / tck
    top = sorted(used.items(), key=lambda kv: -kv[1])[:3]
    print(f"{total:.2f}\t" + ",".join(f"{c}:{j / tck:.1f}s" for c, j in top))
