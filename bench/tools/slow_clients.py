#!/usr/bin/env python3
"""Slow clients (the anchors' slow_clients.py, backend ports as a parameter): N concurrent clients each
GET /1m (Connection: close) from 127.0.0.1:PORT, reading at ~RATE bytes/s with a small receive buffer (SO_RCVBUF,
so the client kernel cannot absorb the whole body at once). Every ~100 ms two things are sampled:
 * the backends' stub_status: 'Writing' minus the stub request itself = backend nginx requests still sending
   (application level; nginx finishes a request once the bytes are in its socket send buffer, so this stays ~0).
 * `ss` on every TCP connection touching a backend port: backend Send-Q + peer (proxy or client) Recv-Q = response
   bytes parked between the backend and its peer (kernel level). A backend connection with >0 bytes parked is still
   carrying an undelivered response, i.e. it is "held" by a slow client.
Optional, sampled alongside (every ~0.1 s):
 * PROXY_PIDS (comma-separated): the proxy's VmRSS summed over those PIDs -> rss_start_kib, rss_max_delta_MiB.
 * SLUICE_STATS_PORT: Sluice's admin port; GET /stats (~0.1 s) -> buffers.memory_used / holders / spill_files max,
   spilled_bytes during the run, and the servers' 'active' (leased) connections: max and until when.
usage: slow_clients.py PORT [N] [RATE] [RCVBUF]  -> one JSON line. Bounded by a hard deadline.
env: BACKEND_PORTS (default "19001 19002"), PROXY_PIDS, SLUICE_STATS_PORT"""
import json, os, socket, subprocess, sys, threading, time, urllib.request
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stub import stub

port = int(sys.argv[1]); n = int(sys.argv[2]) if len(sys.argv) > 2 else 200
rate = float(sys.argv[3]) if len(sys.argv) > 3 else 102400.0
rcvbuf = int(sys.argv[4]) if len(sys.argv) > 4 else 65536
BPORTS = os.environ.get("BACKEND_PORTS", "19001 19002").split()
PATH, SIZE, DEADLINE = "/1m", 1048576, 60.0
results = [None] * n
stop = threading.Event()

def client(i, t_start):
    got = 0
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        s.settimeout(30); s.connect(("127.0.0.1", port))
        s.sendall(f"GET {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        t0 = time.monotonic()
        while time.monotonic() - t_start < DEADLINE:
            allowed = int((time.monotonic() - t0) * rate) - got + 4096   # token bucket, ~4 KiB burst
            if allowed <= 0:
                time.sleep(min(0.05, -allowed / rate + 0.001)); continue
            d = s.recv(min(allowed, 16384))
            if not d: break
            got += len(d)
        s.close()
        results[i] = (time.monotonic() - t_start, got)
    except Exception as e:
        results[i] = (time.monotonic() - t_start, -1, repr(e)[:120])

def parked():
    """(#backend connections with undelivered response bytes, total parked bytes) from `ss`."""
    flt = " or ".join(f"sport = :{p} or dport = :{p}" for p in BPORTS)
    out = subprocess.run(["ss", "-Htna", f"( {flt} )"], capture_output=True, text=True, timeout=5).stdout
    conns = {}
    norm = lambda a: a.replace("[::ffff:", "").replace("]", "")   # a JVM's dual-stack socket shows IPv4 as v4-mapped
    for line in out.splitlines():
        f = line.split()
        if len(f) < 5 or f[0] == "LISTEN": continue
        rq, sq, loc, peer = int(f[1]), int(f[2]), norm(f[3]), norm(f[4])
        if loc.rsplit(":", 1)[1] in BPORTS:        # backend side: unsent/unacked bytes
            conns[(peer, loc)] = conns.get((peer, loc), 0) + sq
        elif peer.rsplit(":", 1)[1] in BPORTS:     # proxy/client side: received, not yet read
            conns[(loc, peer)] = conns.get((loc, peer), 0) + rq
    busy = [v for v in conns.values() if v > 0]
    return len(busy), sum(busy)

PIDS = [p for p in os.environ.get("PROXY_PIDS", "").split(",") if p]
STATS_PORT = os.environ.get("SLUICE_STATS_PORT")

def rss_kib():
    tot = 0
    for p in PIDS:
        try:
            with open(f"/proc/{p}/status") as f:
                tot += next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))
        except (OSError, StopIteration):
            pass
    return tot

rss = []          # (t, kib)
stats = []        # (t, memory_used, holders, spill_files, spilled_bytes, servers active, servers idle)
def stats_sampler(t_start):
    while not stop.is_set() and time.monotonic() - t_start < DEADLINE + 5:
        t = time.monotonic() - t_start
        try:
            d = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{STATS_PORT}/stats", timeout=2).read())
            b = d.get("buffers", {})
            sv = [s for c in d.get("clusters", []) for s in c.get("servers", [])]
            stats.append((round(t, 2), b.get("memory_used", 0), b.get("holders", 0), b.get("spill_files", 0),
                          b.get("spilled_bytes", 0), sum(s.get("active", 0) for s in sv), sum(s.get("idle", 0) for s in sv)))
        except Exception:
            pass
        time.sleep(max(0.0, 0.1 - (time.monotonic() - t_start - t)))

samples = []
def sampler(t_start):
    while not stop.is_set() and time.monotonic() - t_start < DEADLINE + 5:
        t = time.monotonic() - t_start
        try:
            st = [stub(int(p)) for p in BPORTS]
            pc, pb = parked()
            samples.append((round(t, 2), sum(x["writing"] for x in st) - len(st), sum(x["active"] for x in st) - len(st), pc, pb))
        except Exception:
            pass
        if PIDS:
            rss.append((round(t, 2), rss_kib()))
        time.sleep(max(0.0, 0.1 - (time.monotonic() - t_start - t)))

t_start = time.monotonic()
smp = threading.Thread(target=sampler, args=(t_start,)); smp.start()
ssmp = threading.Thread(target=stats_sampler, args=(t_start,))
if STATS_PORT:
    ssmp.start()
time.sleep(0.3)                                      # baseline samples before the clients start
ths = [threading.Thread(target=client, args=(i, t_start)) for i in range(n)]
t_clients = time.monotonic() - t_start
for t in ths: t.start()
for t in ths: t.join(DEADLINE + 5)
time.sleep(0.5); stop.set(); smp.join()
if STATS_PORT:
    ssmp.join()

busy = [(t, w) for t, w, a, pc, pb in samples if t >= t_clients]
held = [(t, pc, pb) for t, w, a, pc, pb in samples if t >= t_clients]
held_until = max([t for t, pc, pb in held if pc > 0], default=t_clients) - t_clients
held_half = next((t - t_clients for t, pc, pb in held if t > t_clients + 1.0 and pc <= n // 2), None)
last_busy = max([t for t, w in busy if w > 0], default=t_clients) - t_clients
conn_s = sum(w for t, w in busy) * 0.1              # backend-connection-seconds spent writing (approx.)
done = sorted(r[0] - t_clients for r in results if r and r[1] >= SIZE)
errs = [r[2] for r in results if r and len(r) > 2]
extra = {}
if rss:
    r0 = rss[0][1]
    extra.update(rss_start_kib=r0, rss_max_delta_MiB=round(max(0, max(k for t, k in rss) - r0) / 1024, 1),
                 rss_end_delta_MiB=round((rss[-1][1] - r0) / 1024, 1))
if stats:
    run = [x for x in stats if x[0] >= t_clients]
    act = [(t, a) for t, m, h, f, sb, a, i in run]
    extra.update(
        sluice_mem_used_max_MiB=round(max((x[1] for x in run), default=0) / 2**20, 1),
        sluice_mem_used_max=max((x[1] for x in run), default=0),
        sluice_holders_max=max((x[2] for x in run), default=0),
        sluice_spill_files_max=max((x[3] for x in run), default=0),
        sluice_spilled_MiB=round((stats[-1][4] - stats[0][4]) / 2**20, 1),
        sluice_spill_files_end=stats[-1][3], sluice_mem_used_end=stats[-1][1], sluice_holders_end=stats[-1][2],
        sluice_active_max=max((a for t, a in act), default=0),
        sluice_active_until_s=round(max([t for t, a in act if a > 0], default=t_clients) - t_clients, 2),
        sluice_active_conn_s=round(sum(a for t, a in act) * (act[-1][0] - act[0][0]) / max(len(act) - 1, 1), 1) if len(act) > 1 else 0,
        stats_samples=len(stats),
        series_t_memused_holders_spillfiles_spilled_active_idle=stats[::5])
print(json.dumps(dict(port=port, clients=n, rate_Bps=rate, rcvbuf=rcvbuf, complete=len(done),
    bytes_short=sum(1 for r in results if not r or r[1] < SIZE), first_error=errs[0] if errs else None,
    client_done_p50_s=round(done[len(done) // 2], 2) if done else None,
    client_done_max_s=round(done[-1], 2) if done else None,
    backend_writing_max=max((w for t, w in busy), default=0),
    backend_busy_until_s=round(last_busy, 2), backend_writing_conn_s=round(conn_s, 1),
    held_conns_max=max((pc for t, pc, pb in held), default=0),
    held_until_s=round(held_until, 2), held_le_half_at_s=round(held_half, 2) if held_half is not None else None,
    parked_MiB_max=round(max((pb for t, pc, pb in held), default=0) / 2**20, 1),
    held_conn_s=round(sum(pc for t, pc, pb in held) * (held[-1][0] - held[0][0]) / max(len(held) - 1, 1), 1) if len(held) > 1 else 0,
    samples=len(samples), sample_period_s=round((samples[-1][0] - samples[0][0]) / max(len(samples) - 1, 1), 3) if samples else None,
    series_t_writing_active_heldconns_parkedbytes=samples[::5], **extra)))
