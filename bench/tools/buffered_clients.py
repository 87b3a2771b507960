#!/usr/bin/env python3
"""Many concurrent large responses through Sluice with `buffer_response` (issue 5, memory budget): N clients each
`GET PATH` (Connection: close) from 127.0.0.1:PORT at once, read the whole body as fast as they can (one thread,
non-blocking sockets) and check status 200, Content-Length, body length and SHA-256 against the file's. Meanwhile:
 * every PERIOD_S (default 0.1 s): Sluice's GET /stats (buffers.memory_used / holders / spill_files / spilled_bytes, the servers'
   active connections), the JVM's VmRSS, and the spill directory (regular files under it, at any depth, and bytes);
 * every JCMD_PERIOD_S (default 1 s): `jcmd PID GC.heap_info` (heap used / reserved = -Xmx) and, if the JVM runs
   with -XX:NativeMemoryTracking=summary, `VM.native_memory summary` (committed "Other" = direct buffers).
After the clients: waits up to SETTLE_S (default 10 s) for the spill directory and /stats spill_files to reach 0.
usage: buffered_clients.py PORT N PATH SIZE SHA256_HEX   -> one JSON line on stdout
env: SLUICE_STATS_PORT, SLUICE_PID, JCMD (path of the jcmd matching the JVM), JCMD_CPU (taskset CPU for jcmd),
     SPILL_DIR, PAUSE_S (a client waits this long after its request before reading, default 0),
     DEADLINE_S (default 150), PERIOD_S, JCMD_PERIOD_S, SETTLE_S"""
import errno, hashlib, json, os, re, resource, selectors, socket, subprocess, sys, threading, time, urllib.request

port, n, path, size, want = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
E = os.environ.get
STATS_PORT, PID, JCMD, SPILL = E("SLUICE_STATS_PORT"), E("SLUICE_PID"), E("JCMD"), E("SPILL_DIR")
PAUSE, DEADLINE = float(E("PAUSE_S", "0")), float(E("DEADLINE_S", "150"))
JCMD_PERIOD, SETTLE = float(E("JCMD_PERIOD_S", "1")), float(E("SETTLE_S", "10"))
PERIOD = float(E("PERIOD_S", "0.1"))
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
if hard < n + 100:
    sys.exit(f"RLIMIT_NOFILE hard limit {hard} too low for {n} connections")
stop = threading.Event()
T0 = time.monotonic()
now = lambda: time.monotonic() - T0

# ------------------------------------------------------------------------------------------------ samplers
def get_stats():
    return json.loads(urllib.request.urlopen(f"http://127.0.0.1:{STATS_PORT}/stats", timeout=3).read())

def rss_kib():
    """(VmRSS, RssAnon) in KiB"""
    try:
        with open(f"/proc/{PID}/status") as f:
            v = {l.split(":")[0]: int(l.split()[1]) for l in f if l.startswith(("VmRSS:", "RssAnon:"))}
        return v.get("VmRSS"), v.get("RssAnon")
    except (OSError, TypeError, ValueError):
        return None, None

def spill_files():
    """[(path relative to SPILL, size)] of the regular files under SPILL (directories are not counted: a Sluice may
    keep its spill files in a directory of its own under spill_dir), or None"""
    if not SPILL or not os.path.isdir(SPILL):
        return None
    out = []
    for root, dirs, files in os.walk(SPILL):
        for x in files:
            try:
                out.append((os.path.relpath(os.path.join(root, x), SPILL), os.stat(os.path.join(root, x)).st_size))
            except OSError:
                pass
    return out

def spill_dir():
    f = spill_files()
    return (None, None) if f is None else (len(f), sum(b for _, b in f))

fast = []   # (t, memory_used, holders, spill_files, spilled_bytes, servers active, servers idle, rss KiB, dir files, dir bytes,
            #  rss anon KiB)
def fast_sampler():
    final = False
    while True:
        t = now()
        row = [round(t, 2)] + [None] * 6
        try:
            d = get_stats(); b = d.get("buffers", {})
            sv = [s for c in d.get("clusters", []) for s in c.get("servers", [])]
            row = [round(t, 2), b.get("memory_used"), b.get("holders"), b.get("spill_files"), b.get("spilled_bytes"),
                   sum(s.get("active", 0) for s in sv), sum(s.get("idle", 0) for s in sv)]
        except Exception:
            pass
        fc, fb = spill_dir()
        rs, ra = rss_kib()
        fast.append(tuple(row + [rs, fc, fb, ra]))
        if final:
            return
        final = stop.wait(max(0.0, PERIOD - (now() - t)))     # once stopped: one last sample

HEAP = re.compile(r"heap\s+total (?:reserved )?(\d+)K, (?:committed (\d+)K, )?used (\d+)K")
NMT = lambda cat: re.compile(r"^-\s+" + cat + r" \(reserved=(\d+)KB, committed=(\d+)KB", re.M)
jv = []     # (t, heap used KiB, heap reserved KiB, NMT Other committed KiB, NMT total committed KiB, seconds the jcmd took)
jcmd_errors = []
def jcmd_sampler():
    if not (JCMD and PID):
        return
    cmds = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"buffered_clients.{os.getpid()}.jcmd")
    with open(cmds, "w") as f:
        f.write("GC.heap_info\nVM.native_memory summary\n")
    pre = ["taskset", "-c", E("JCMD_CPU")] if E("JCMD_CPU") else []
    while not stop.is_set():
        t = now()
        try:
            out = subprocess.run(pre + [JCMD, PID, "-f", cmds], capture_output=True, text=True, timeout=30).stdout
            h = HEAP.search(out); o = NMT("Other").search(out)
            tot = re.search(r"^Total: reserved=(\d+)KB, committed=(\d+)KB", out, re.M)
            jv.append((round(t, 2), int(h.group(3)) if h else None, int(h.group(1)) if h else None,
                       int(o.group(2)) if o else None, int(tot.group(2)) if tot else None, round(now() - t, 2)))
            if not h and len(jcmd_errors) < 3:
                jcmd_errors.append(out[-300:])
        except Exception as e:
            if len(jcmd_errors) < 3:
                jcmd_errors.append(repr(e)[:200])
        stop.wait(max(0.0, JCMD_PERIOD - (now() - t)))
    os.unlink(cmds)

# ------------------------------------------------------------------------------------------------ clients
REQ = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nUser-Agent: buffered-clients\r\n\r\n".encode()

class C:
    __slots__ = ("i", "s", "head", "cl", "got", "h", "t_req", "t_first", "t_done", "ok", "err", "resume")
    def __init__(self, i):
        self.i, self.head, self.cl, self.got, self.h = i, b"", None, 0, hashlib.sha256()
        self.t_req = self.t_first = self.t_done = self.resume = None
        self.ok, self.err = False, None

sel = selectors.DefaultSelector()
cs = [C(i) for i in range(n)]
open_n = 0
buf = bytearray(1 << 20); mv = memoryview(buf)

def finish(c, ok, err=None):
    global open_n
    if c.t_done is not None:
        return
    c.ok, c.err, c.t_done = ok, err, now()
    try:
        sel.unregister(c.s)
    except (KeyError, ValueError):
        pass
    c.s.close(); open_n -= 1

def body(c, data):
    if c.t_first is None:
        c.t_first = now()
    c.got += len(data)
    c.h.update(data)
    if c.got > size:
        finish(c, False, f"body longer than {size}")
    elif c.got == size and (c.cl is None or c.cl == size):
        d = c.h.hexdigest()
        finish(c, d == want, None if d == want else "sha256 mismatch")

def on_read(c):
    try:
        k = c.s.recv_into(buf)
    except BlockingIOError:
        return
    except OSError as e:
        finish(c, False, f"recv: {e.strerror or e}"); return
    if k == 0:
        finish(c, False, f"closed after {c.got} body bytes" + ("" if c.cl is not None else " (head incomplete)")); return
    if c.cl is None:
        c.head += bytes(mv[:k])
        end = c.head.find(b"\r\n\r\n")
        if end < 0:
            if len(c.head) > 65536:
                finish(c, False, "response head > 64 KiB")
            return
        lines = c.head[:end].decode("latin-1").split("\r\n")
        status = lines[0].split(" ", 2)
        hdr = {}
        for l in lines[1:]:
            k2, _, v = l.partition(":")
            hdr[k2.strip().lower()] = v.strip()
        if len(status) < 2 or status[1] != "200":
            finish(c, False, f"status {lines[0][:60]}"); return
        if "chunked" in hdr.get("transfer-encoding", "").lower():
            finish(c, False, "chunked response (expected Content-Length)"); return
        try:
            c.cl = int(hdr.get("content-length", "-1"))
        except ValueError:
            c.cl = -1
        if c.cl != size:
            finish(c, False, f"Content-Length {hdr.get('content-length')} != {size}"); return
        rest, c.head = c.head[end + 4:], b""
        if rest:
            body(c, rest)
    else:
        body(c, mv[:k])

def on_write(c):
    e = c.s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    if e:
        finish(c, False, f"connect: {os.strerror(e)}"); return
    try:
        c.s.send(REQ)       # ~100 bytes: fits the send buffer at once
    except OSError as ex:
        finish(c, False, f"send: {ex}"); return
    c.t_req = now()
    if PAUSE > 0:
        sel.unregister(c.s); c.resume = c.t_req + PAUSE; paused.append(c)
    else:
        sel.modify(c.s, selectors.EVENT_READ, c)

paused = []
fs = threading.Thread(target=fast_sampler); js = threading.Thread(target=jcmd_sampler)
fs.start(); js.start()
time.sleep(0.5)                                   # baseline samples
t_clients = now()
for c in cs:
    c.s = socket.socket(socket.AF_INET, socket.SOCK_STREAM); c.s.setblocking(False)
    r = c.s.connect_ex(("127.0.0.1", port))
    if r not in (0, errno.EINPROGRESS):
        c.s.close(); c.t_done, c.err = now(), f"connect: {os.strerror(r)}"; continue
    open_n += 1
    sel.register(c.s, selectors.EVENT_WRITE, c)
while open_n > 0 and now() - t_clients < DEADLINE:
    for key, ev in sel.select(timeout=0.1):
        c = key.data
        if c.t_done is not None:
            continue
        if ev & selectors.EVENT_WRITE and c.t_req is None:
            on_write(c)
        elif ev & selectors.EVENT_READ:
            on_read(c)
    if paused:
        t = now()
        for c in [c for c in paused if c.resume <= t]:
            paused.remove(c); sel.register(c.s, selectors.EVENT_READ, c)
t_end = now()
for c in cs:
    if c.t_done is None:
        finish(c, False, f"deadline {DEADLINE:.0f} s: {c.got} body bytes")

# ------------------------------------------------------------------------------------------------ after
def after():
    try:
        d = get_stats()
    except Exception:
        return None
    b = d.get("buffers", {})
    return dict(memory_used=b.get("memory_used"), holders=b.get("holders"), spill_files=b.get("spill_files"),
                spilled_bytes=b.get("spilled_bytes"),
                active=sum(s.get("active", 0) for c in d.get("clusters", []) for s in c.get("servers", [])))
settle_t0 = now()
while True:
    a = after(); fc, fb = spill_dir()
    if (a is None or (a["spill_files"] == 0 and a["holders"] == 0 and a["memory_used"] == 0)) and not fc:
        break
    if now() - settle_t0 > SETTLE:
        break
    time.sleep(0.2)
settle_s = round(now() - settle_t0, 2)
stop.set(); fs.join(); js.join()
fc_end, fb_end = spill_dir()
left = sorted(x for x, _ in spill_files())[:10] if fc_end else []

ok = [c for c in cs if c.ok]
bad = [c for c in cs if not c.ok]
reasons = {}
for c in bad:
    k = re.sub(r"\d+", "N", c.err or "?")
    reasons[k] = reasons.get(k, 0) + 1
done = sorted(c.t_done - t_clients for c in ok)
first = sorted(c.t_first - t_clients for c in ok if c.t_first is not None)
run = [x for x in fast if x[0] >= t_clients]
col = lambda rows, i: [x[i] for x in rows if x[i] is not None]
mx = lambda v: max(v) if v else None
r0, ra0 = col(fast[:3], 7), col(fast[:3], 10)
base = next((x for x in fast if x[4] is not None), None)
last = next((x for x in reversed(fast) if x[4] is not None), None)
hu, hr, other, ntot = col(jv, 1), col(jv, 2), col(jv, 3), col(jv, 4)
print(json.dumps(dict(
    clients=n, ok=len(ok), failed=len(bad), failures=reasons, path=path, size=size, pause_s=PAUSE,
    total_s=round(t_end - t_clients, 2),
    client_first_byte_p50_s=round(first[len(first) // 2], 2) if first else None,
    client_done_p50_s=round(done[len(done) // 2], 2) if done else None, client_done_max_s=round(done[-1], 2) if done else None,
    MiB_per_s=round(len(ok) * size / 2**20 / (t_end - t_clients), 1) if t_end > t_clients else None,
    mem_used_max=mx(col(run, 1)), holders_max=mx(col(run, 2)), spill_files_max=mx(col(run, 3)),
    spilled_bytes=(last[4] - base[4]) if base and last else None, spilled_bytes_total=last[4] if last else None,
    active_max=mx(col(run, 5)), idle_max=mx(col(run, 6)),
    rss_start_kib=r0[0] if r0 else None, rss_max_kib=mx(col(fast, 7)), rss_end_kib=fast[-1][7],
    rss_anon_start_kib=ra0[0] if ra0 else None, rss_anon_max_kib=mx(col(fast, 10)), rss_anon_end_kib=fast[-1][10],
    spill_dir_files_max=mx(col(run, 8)), spill_dir_bytes_max=mx(col(run, 9)),
    heap_used_max_kib=mx(hu), heap_reserved_kib=mx(hr), nmt_other_committed_max_kib=mx(other),
    nmt_other_committed_start_kib=other[0] if other else None, nmt_total_committed_max_kib=mx(ntot),
    nmt_total_committed_start_kib=ntot[0] if ntot else None,
    jcmd_samples=len(jv), jcmd_s_max=mx([x[5] for x in jv]), jcmd_errors=jcmd_errors,
    stats_samples=len(fast), after=after(), settle_s=settle_s, spill_dir_files_after=fc_end,
    spill_dir_bytes_after=fb_end, spill_dir_left_names=left,
    series_fast_t_mem_holders_files_spilled_active_idle_rsskib_dirfiles_dirbytes_anonkib=fast[::5],
    series_jcmd_t_heapusedK_heapreservedK_nmtotherK_nmttotalK_s=jv)))
