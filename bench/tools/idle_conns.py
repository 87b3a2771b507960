#!/usr/bin/env python3
"""Idle keep-alive memory (the anchors' idle_conns.py, plus two hooks): open N client connections to
127.0.0.1:PORT one after another, send one complete keep-alive `GET /1k` on each and read the full response, keep
them all open and idle, and report the proxy's RSS (VmRSS summed over PIDS) before/after and bytes per idle
connection. Bounded: N connections, 5 s per operation, 120 s to open them, HOLD_S seconds of idleness.

Hooks (shell commands, optional), used for the JVM's live-heap measurement:
  IDLE_HOOK_BEFORE  run before the 'before' RSS sample (e.g. jcmd GC.class_histogram: it forces a full GC, whose
                    own RSS effect then lands in the baseline)
  IDLE_HOOK_AFTER   run after the 'after' RSS sample, while the N connections are still open
usage: idle_conns.py PORT PIDS(comma-separated) [N] [HOLD_S]   -> one JSON line on stdout"""
import json, os, resource, selectors, socket, subprocess, sys, time

port, pids = int(sys.argv[1]), [int(p) for p in sys.argv[2].split(",") if p]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 10000
hold = float(sys.argv[4]) if len(sys.argv) > 4 else 3.0
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
if hard < n + 100:
    sys.exit(f"RLIMIT_NOFILE hard limit {hard} too low for {n} connections")

def rss_kib():
    tot = 0
    for p in pids:
        for line in open(f"/proc/{p}/status"):
            if line.startswith("VmRSS:"):
                tot += int(line.split()[1])
    return tot

def sockstat():
    for line in open("/proc/net/sockstat"):
        if line.startswith("TCP:"):
            f = line.split(); return {f[i]: int(f[i + 1]) for i in range(1, len(f), 2)}

def slab_kib():  # kernel slab (sockets live there), not part of any process RSS
    for line in open("/proc/meminfo"):
        if line.startswith("Slab:"):
            return int(line.split()[1])

def hook(name):
    cmd = os.environ.get(name)
    if cmd:
        t = time.time()
        r = subprocess.run(cmd, shell=True, timeout=120)
        return dict(rc=r.returncode, seconds=round(time.time() - t, 2))
    return None

REQ = b"GET /1k HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: idle-test\r\n\r\n"

def one_request(s):
    s.sendall(REQ)
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = s.recv(65536)
        if not d: raise ConnectionError("closed before headers")
        buf += d
    head, body = buf.split(b"\r\n\r\n", 1)
    cl = next(int(l.split(b":")[1]) for l in head.split(b"\r\n") if l.lower().startswith(b"content-length"))
    while len(body) < cl:
        d = s.recv(65536)
        if not d: raise ConnectionError("closed mid-body")
        body += d
    if not head.startswith(b"HTTP/1.1 200"): raise ConnectionError(head[:40])

hb = hook("IDLE_HOOK_BEFORE")
time.sleep(0.5)
rss0, ss0, slab0 = rss_kib(), sockstat(), slab_kib()
socks, errors, first_error, t0 = [], 0, None, time.time()
deadline = t0 + 120
for i in range(n):
    if time.time() > deadline: break
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        one_request(s)
        socks.append(s)
    except Exception as e:
        errors += 1
        first_error = first_error or repr(e)[:200]
        if errors > 100: break
t_open = time.time() - t0
time.sleep(hold)                       # let the proxy settle (idle timers armed, buffers released)
rss1, ss1, slab1 = rss_kib(), sockstat(), slab_kib()
ha = hook("IDLE_HOOK_AFTER")
# how many are still open? a connection closed by the proxy becomes readable (EOF)
sel = selectors.DefaultSelector()
for s in socks:
    s.setblocking(False); sel.register(s, selectors.EVENT_READ)
closed = len(sel.select(timeout=0))
for s in socks:
    sel.unregister(s); s.close()
n_ok = len(socks)
res = dict(port=port, n_requested=n, n_open=n_ok, errors=errors, first_error=first_error, closed_by_proxy=closed,
           open_seconds=round(t_open, 2), rss_before_kib=rss0, rss_after_kib=rss1,
           rss_bytes_per_conn=round((rss1 - rss0) * 1024 / max(n_ok, 1)),
           kernel_tcp_mem_pages_delta=ss1["mem"] - ss0["mem"],
           slab_kib_delta_both_ends=slab1 - slab0,
           slab_bytes_per_conn_both_ends=round((slab1 - slab0) * 1024 / max(n_ok, 1)),
           hook_before=hb, hook_after=ha)
print(json.dumps(res))
