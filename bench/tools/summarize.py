#!/usr/bin/env python3
"""summarize.py RESULTS_DIR -> Markdown on stdout: header (date, machine, versions, JVM flags), the headline table
(median [min–max] over rounds per proxy, each anchor's ratio to Sluice), one detail table per scenario, the exact
commands. Reads RESULTS_DIR/env.json, commands.txt and whatever scenario files exist (<scenario>.tsv / .jsonl);
a new scenario adds a file and a section function here (see SECTIONS)."""
import csv, json, os, statistics, sys

d = sys.argv[1]
if not os.path.isdir(d):
    sys.exit(f"summarize.py: no such results directory: {d}")
PROXIES = ["sluice", "haproxy", "nginx"]
NAMES = {"sluice": "Sluice", "haproxy": "HAProxy", "nginx": "nginx"}
ANCHOR = {  # anchors' RESULTS.md (2026-11-21, same machine), for the sanity column
    ("wrk_1k", "cpu1_us_per_req"): {"haproxy": 26.0, "nginx": 28.2},
    ("wrk_100k", "cpu1_us_per_req"): {"haproxy": 90.6, "nginx": 157.0},
    ("idle", "rss_bytes_per_conn"): {"haproxy": 1214, "nginx": 563},
}

def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None

def vals(rows, key):
    return [x for x in (num(r.get(key)) for r in rows) if x is not None]

def fmt1(x, nd):
    return f"{x:,.{nd}f}"

def fmt(v, nd=0):
    v = [x for x in v if x is not None]
    if not v:
        return "n/a"
    if len(v) == 1:
        return fmt1(v[0], nd)
    return f"{fmt1(statistics.median(v), nd)} [{fmt1(min(v), nd)}–{fmt1(max(v), nd)}]"

def med(v):
    v = [x for x in v if x is not None]
    return statistics.median(v) if v else None

def ratio_cell(a_vals, s_vals, floor):
    """anchor ÷ Sluice: the ratio of the medians, then in brackets the per-round ratios (each anchor run against the
    Sluice run of the same round, minutes apart at most) as median [min–max] when rounds pair up."""
    a, s = med(a_vals), med(s_vals)
    if a is None or s is None:
        return "n/a"
    if abs(s) < floor:
        return "n/a (Sluice ≈ 0)"
    cell = f"{a / s:.2f}"
    pairs = [x / y for x, y in zip(a_vals, s_vals) if x is not None and y is not None and abs(y) >= floor]
    if len(a_vals) == len(s_vals) and len(pairs) == len(a_vals) and len(pairs) > 1:
        cell += f" (per round {statistics.median(pairs):.2f} [{min(pairs):.2f}–{max(pairs):.2f}])"
    return cell

def tsv(name):
    p = os.path.join(d, name)
    return list(csv.DictReader(open(p), delimiter="\t")) if os.path.exists(p) else []

def jsonl(name):
    p = os.path.join(d, name)
    if not os.path.exists(p):
        return []
    out = []
    for line in open(p):
        line = line.strip()
        if line:
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
    return out

def by_proxy(rows):
    g = {}
    for r in rows:
        g.setdefault(r["proxy"], []).append(r)
    return g

headline = []   # rows: (scenario, metric, {proxy: [values]}, nd, note)
details = []

def add(scen, metric, per_proxy, nd=0, agg="median", floor=1e-9):
    """agg: median (with ratios) | noise / plain (no ratios) | sum (one number per proxy). floor: a Sluice value
    below it makes the ratio meaningless (counts that are ~0)."""
    headline.append((scen, metric, per_proxy, nd, agg, floor))

def add_text(scen, metric, sluice_cell):
    """a headline row with a preformatted Sluice cell (several figures of one kind) and no anchors"""
    headline.append((scen, metric, {}, 0, "text", sluice_cell))

# ------------------------------------------------------------------------------------------- sections
def keepalive(scen, size, title=None, heading=None, extra=None):
    """scenarios 1 and 2 (and 7 with a title, a heading of its own and extra columns: [(header, column)])"""
    rows = tsv(f"{scen}.tsv")
    if not rows:
        return
    g = by_proxy(rows)
    t = title or f"keep-alive {size}"
    add(t, "**proxy CPU µs/req** (CPU1 busy ÷ requests)", {p: vals(g.get(p, []), "cpu1_us_per_req") for p in PROXIES}, 1)
    add(t, "proxy process µs/req (utime+stime ÷ requests)", {p: vals(g.get(p, []), "proc_us_per_req") for p in PROXIES}, 1)
    add(t, "req/s", {p: vals(g.get(p, []), "req_s") for p in PROXIES}, 0)
    add(t, "p50 ms", {p: vals(g.get(p, []), "p50_ms") for p in PROXIES}, 2)
    add(t, "p99 ms", {p: vals(g.get(p, []), "p99_ms") for p in PROXIES}, 2)
    add(t, "noise: other processes' CPU s seen during the run", {p: vals(g.get(p, []), "foreign_cpu_s") for p in PROXIES}, 2, "noise")
    add(t, "noise: CPU1 busy not by the proxy, %", {p: vals(g.get(p, []), "cpu1_not_proxy_pct") for p in PROXIES}, 0, "noise")
    add(t, "socket errors + non-2xx (sum over rounds)",
        {p: [sum(vals(g.get(p, []), "socket_errors")) + sum(vals(g.get(p, []), "non2xx"))] for p in PROXIES if p in g}, 0, "sum")
    extra = extra or []
    out = [heading or f"### {t}: `wrk -t1 -c50 --latency` (per round)\n",
           "| proxy | round | requests | req/s | p50 ms | p99 ms | socket errors | non-2xx | CPU1 µs/req | process µs/req | CPU1 busy % | CPU0 busy % | CPU1 steal % | CPU1 not proxy % | foreign CPU s (top) | "
           + "".join(f"{h} | " for h, _ in extra) + "redos |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|" + "---|" * len(extra) + "---|"]
    for p in PROXIES:
        for r in g.get(p, []):
            out.append(f"| {NAMES[p]} | {r['round']} | {r['requests']} | {r['req_s']} | {r['p50_ms']} | {r['p99_ms']} | "
                       f"{r['socket_errors']} | {r['non2xx']} | {r['cpu1_us_per_req']} | {r['proc_us_per_req']} | "
                       f"{r['cpu1_busy_pct']} | {r['cpu0_busy_pct']} | {r['cpu1_steal_pct']} | {r.get('cpu1_not_proxy_pct')} | "
                       f"{r.get('foreign_cpu_s')} ({r.get('foreign_top') or '–'}) | "
                       + "".join(f"{r.get(c, '–')} | " for _, c in extra) + f"{r.get('redos', '')} |")
    details.append("\n".join(out) + "\n")

def cache():
    """scenario 7: keep-alive 1 KiB answered from each proxy's cache; plus the check that they were hits"""
    rows = tsv("cache.tsv")
    if not rows:
        return
    t = "cache hit 1 KiB (keep-alive)"
    keepalive("cache", "1 KiB", t,
              "### cache hit 1 KiB: `wrk -t1 -c50 --latency` on /cached/1k, variant `cache` (per round)\n\n"
              "backend requests = requests that reached a backend during the run (Δ stub_status `requests` over both "
              "backends, minus the queries' own): 0 when every response came from the proxy's cache. Sluice cache hits = "
              "Δ of /stats routes[].cache.hits over the run (it also counts the responses still in flight when wrk stopped).\n",
              [("backend requests", "backend_requests"), ("Sluice cache hits", "cache_hits")])
    g = by_proxy(rows)
    add(t, "requests that reached a backend during the run (0 = all hits; sum over rounds)",
        {p: [sum(vals(g.get(p, []), "backend_requests"))] for p in PROXIES if p in g}, 0, "sum")
    chk = by_proxy(tsv("cache-check.tsv"))
    if chk:
        out = ["### cache hit 1 KiB: the check before the rounds (two `curl` requests per proxy)\n",
               "| proxy | backend requests for the 1st | for the 2nd | 2nd status | 2nd response's cache fields |",
               "|---|---|---|---|---|"]
        for p in PROXIES:
            for r in chk.get(p, []):
                fields = r["second_cache_fields"].replace("|", "\\|")
                out.append(f"| {NAMES[p]} | {r['first_backend_requests']} | {r['second_backend_requests']} | "
                           f"{r['second_status']} | {fields} |")
        details.append("\n".join(out) + "\n")

def ab_close():
    rows = tsv("ab_close.tsv")
    if not rows:
        return
    g = by_proxy(rows)
    t = "new connection per request 1 KiB"
    add(t, "req/s", {p: vals(g.get(p, []), "req_s") for p in PROXIES}, 0)
    add(t, "backend connections accepted per 20,000 requests", {p: vals(g.get(p, []), "accepts_per_20k") for p in PROXIES}, 0, "median", 1)
    add(t, "proxy CPU µs/req (CPU1)", {p: vals(g.get(p, []), "cpu1_us_per_req") for p in PROXIES}, 1)
    add(t, "noise: other processes' CPU s seen during the run", {p: vals(g.get(p, []), "foreign_cpu_s") for p in PROXIES}, 2, "noise")
    add(t, "noise: CPU1 busy not by the proxy, %", {p: vals(g.get(p, []), "cpu1_not_proxy_pct") for p in PROXIES}, 0, "noise")
    add(t, "failed + non-2xx (sum over rounds)",
        {p: [sum(vals(g.get(p, []), "failed")) + sum(vals(g.get(p, []), "non2xx"))] for p in PROXIES if p in g}, 0, "sum")
    out = ["### new connection per request: `ab -n 20000 -c 50` on /1k (per round)\n",
           "| proxy | round | complete | req/s | failed | non-2xx | backend accepts | per 20k | CPU1 µs/req | process µs/req | CPU1 busy % | CPU0 busy % | CPU1 not proxy % | foreign CPU s (top) | redos |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for p in PROXIES:
        for r in g.get(p, []):
            out.append(f"| {NAMES[p]} | {r['round']} | {r['complete']} | {r['req_s']} | {r['failed']} | {r['non2xx']} | "
                       f"{r['backend_accepts']} | {r['accepts_per_20k']} | {r['cpu1_us_per_req']} | {r['proc_us_per_req']} | "
                       f"{r['cpu1_busy_pct']} | {r['cpu0_busy_pct']} | {r.get('cpu1_not_proxy_pct', '')} | {r.get('foreign_cpu_s')} ({r.get('foreign_top') or '–'}) | {r.get('redos', '')} |")
    details.append("\n".join(out) + "\n")

def idle():
    rows = jsonl("idle.jsonl")
    if not rows:
        return
    g = by_proxy(rows)
    R = lambda p, k: [num(r["result"].get(k)) for r in g.get(p, [])]
    n = max((r["result"].get("n_requested", 0) for r in rows), default=0)
    t = f"{n:,} idle keep-alive connections"
    heap = [num(r.get("live_heap_bytes_per_conn")) for r in g.get("sluice", [])]
    add(t, "**bytes per idle connection**: HAProxy/nginx RSS Δ; Sluice live-heap Δ (its non-heap RSS Δ is the next row)",
        {"sluice": heap, "haproxy": R("haproxy", "rss_bytes_per_conn"), "nginx": R("nginx", "rss_bytes_per_conn")}, 0)
    add(t, "RSS Δ bytes/conn (VmRSS after − before; nginx master+worker; Sluice: heap pre-touched, so non-heap only)",
        {p: R(p, "rss_bytes_per_conn") for p in PROXIES}, 0, "plain")
    add(t, "Sluice live-heap Δ bytes/conn (jcmd GC.class_histogram totals after − before; each forces a full GC)",
        {"sluice": heap}, 0, "plain")
    out = ["### idle keep-alive connections: one `GET /1k` each, then held (fresh proxy per round)\n",
           "| proxy | round | open | closed by proxy | errors | open s | RSS before KiB | RSS after KiB | RSS Δ B/conn | live heap before B | live heap after B | live heap Δ B/conn | kernel slab B/conn (both ends) |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for p in PROXIES:
        for r in g.get(p, []):
            x = r["result"]
            out.append(f"| {NAMES[p]} | {r['round']} | {x.get('n_open')} | {x.get('closed_by_proxy')} | {x.get('errors')} | "
                       f"{x.get('open_seconds')} | {x.get('rss_before_kib')} | {x.get('rss_after_kib')} | {x.get('rss_bytes_per_conn')} | "
                       f"{r.get('live_heap_before_bytes', '–')} | {r.get('live_heap_after_bytes', '–')} | "
                       f"{r.get('live_heap_bytes_per_conn', '–')} | {x.get('slab_bytes_per_conn_both_ends')} |")
    hd = os.path.join(d, "raw", "idle", "sluice_1.histo-diff.md")
    if os.path.exists(hd):
        out.append("\nSluice, round 1: live-heap growth per idle connection by class (`raw/idle/sluice_1.histo-diff.md`):\n")
        out.append(open(hd).read().rstrip())
    details.append("\n".join(out) + "\n")

def slow():
    rows = jsonl("slow.jsonl")
    if not rows:
        return
    variants = {}
    for r in rows:
        variants.setdefault((r["proxy"], r["variant"]), []).append(r)
    vlabel = {"default": "kernel default sndbuf", "sndbuf64k": "client sndbuf 64 KiB",
              "default-buffered": "kernel default sndbuf + buffer_response",
              "sndbuf64k-buffered": "client sndbuf 64 KiB + buffer_response"}
    S = "slow clients 200 × 1 MiB @100 KiB/s"
    col = lambda rs, key: [num(r["result"].get(key)) for r in rs]
    # headline: the sndbuf64k variant where it exists, else default; unbuffered
    head = {}
    for p in PROXIES:
        vs = [v for (q, v) in variants if q == p and not v.endswith("-buffered")]
        v = "sndbuf64k" if "sndbuf64k" in vs else (vs[0] if vs else None)
        if v:
            head[p] = v
    for metric, key, nd in (("backend connection·s held", "held_conn_s", 0), ("max backend connections held", "held_conns_max", 0),
                            ("clients complete", "complete", 0), ("client done, max s", "client_done_max_s", 1)):
        per = {p: col(variants[(p, v)], key) for p, v in head.items()}
        add(S, metric + " (" + ", ".join(f"{NAMES[p]}: {vlabel.get(head[p], head[p])}" for p in PROXIES if p in head) + ")"
            if key == "held_conn_s" else metric, per, nd, "median" if key == "held_conn_s" else "plain", 5)
    rss = {p: col(variants[(p, v)], "rss_max_delta_MiB") for p, v in head.items()}
    if any(x is not None for v in rss.values() for x in v):
        add(S, "proxy RSS growth during the run, max MiB (Sluice: heap pre-touched, so non-heap: direct buffers etc.)",
            rss, 1, "plain")
    # Sluice with buffer_response, next to the same anchors' runs
    sb = "sndbuf64k-buffered" if ("sluice", "sndbuf64k-buffered") in variants else (
        "default-buffered" if ("sluice", "default-buffered") in variants else None)
    if sb:
        B = S + " — **Sluice with `buffer_response`**"
        base = sb[:-len("-buffered")]
        anchors = {p: v for p, v in head.items() if p != "sluice"}
        lab = f"Sluice: {vlabel[sb]}, " + ", ".join(f"{NAMES[p]}: {vlabel.get(v, v)}" for p, v in anchors.items())
        sbr = variants[("sluice", sb)]
        for metric, key, nd, agg in (("backend connection·s held (" + lab + ")", "held_conn_s", 1, "median"),
                                     ("max backend connections held", "held_conns_max", 0, "plain"),
                                     ("last backend connection held at, s after the clients started", "held_until_s", 1, "plain"),
                                     ("clients complete", "complete", 0, "plain"),
                                     ("client done, max s", "client_done_max_s", 1, "plain"),
                                     ("proxy RSS growth during the run, max MiB", "rss_max_delta_MiB", 1, "plain")):
            per = {"sluice": col(sbr, key)}
            per.update({p: col(variants[(p, v)], key) for p, v in anchors.items()})
            add(B, metric, per, nd, agg, 5)
        cells = lambda rs, keys: " · ".join(fmt(col(rs, k), nd) for k, nd in keys)
        add_text(B, "Sluice /stats: server connections leased (`active`): max · last seen at s · conn·s",
                 cells(sbr, (("sluice_active_max", 0), ("sluice_active_until_s", 1), ("sluice_active_conn_s", 1))))
        add_text(B, "Sluice /stats `buffers`: max memory_used MiB (budget 64) · spilled MiB per run · max spill files · "
                    "spill files at the end", cells(sbr, (("sluice_mem_used_max_MiB", 1), ("sluice_spilled_MiB", 0),
                                                          ("sluice_spill_files_max", 0), ("sluice_spill_files_end", 0))))
        if ("sluice", base) in variants:
            add_text(B, f"for comparison, Sluice without it ({vlabel.get(base, base)}): backend connection·s held · max held · "
                        "RSS growth max MiB", cells(variants[("sluice", base)],
                                                    (("held_conn_s", 0), ("held_conns_max", 0), ("rss_max_delta_MiB", 1))))
    if all((p, "default") in variants for p in PROXIES) and any(v != "default" for (_, v) in variants):
        for metric, key in (("backend connection·s held (all three: kernel default sndbuf)", "held_conn_s"),
                            ("max backend connections held (all three: kernel default sndbuf)", "held_conns_max")):
            add(S, metric, {p: col(variants[(p, "default")], key) for p in PROXIES}, 0,
                "median" if key == "held_conn_s" else "plain", 5)
    out = ["### slow clients: 200 × `GET /1m` read at ~100 KiB/s, client SO_RCVBUF 64 KiB (per round)\n",
           "Held = backend connections whose response bytes sit in the backend's send queue or the proxy's receive queue (`ss`). "
           "RSS Δ = the proxy's VmRSS growth over the run (max). Sluice /stats (sampled ~every 0.1 s): leased = servers' "
           "`active` connections; buffers = `buffers.memory_used` max, `spilled_bytes` growth over the run, `spill_files` "
           "max / at the end.\n",
           "| proxy | variant | round | complete | client done p50 s | max s | max held conns | held ≤ half at s | last held at s | held conn·s | max parked MiB | max RSS Δ MiB | leased max / until s | buffers max MiB | spilled MiB | spill files max / end | sample period s | foreign CPU s |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    order = lambda v: (v.endswith("-buffered"), v)
    for (p, v), rs in sorted(variants.items(), key=lambda kv: (PROXIES.index(kv[0][0]), order(kv[0][1]))):
        for r in rs:
            x = r["result"]
            g = lambda k: x.get(k, "–")
            st = "sluice_active_max" in x
            out.append(f"| {NAMES[p]} | {vlabel.get(v, v)} | {r['round']} | {x.get('complete')} | {x.get('client_done_p50_s')} | "
                       f"{x.get('client_done_max_s')} | {x.get('held_conns_max')} | {x.get('held_le_half_at_s')} | {x.get('held_until_s')} | "
                       f"{x.get('held_conn_s')} | {x.get('parked_MiB_max')} | {g('rss_max_delta_MiB')} | "
                       f"{(str(x['sluice_active_max']) + ' / ' + str(x['sluice_active_until_s'])) if st else '–'} | "
                       f"{g('sluice_mem_used_max_MiB')} | {g('sluice_spilled_MiB')} | "
                       f"{(str(x['sluice_spill_files_max']) + ' / ' + str(x['sluice_spill_files_end'])) if st else '–'} | "
                       f"{x.get('sample_period_s')} | {r.get('foreign_cpu_s')} |")
    details.append("\n".join(out) + "\n")

top_tables = []  # tables of their own after the headline table (scenarios whose rows are not Sluice / HAProxy / nginx)

TCP_VARIANTS = ["direct", "sluice-splice", "sluice-copy", "haproxy", "haproxy-splice", "nginx-stream"]
TCP_NAMES = {"direct": "direct (no proxy)", "sluice-splice": "**Sluice splice**", "sluice-copy": "Sluice copy (`splice: false`)",
             "haproxy": "HAProxy `mode tcp`",
             "haproxy-splice": "HAProxy `mode tcp` + `option splice-request` + `option splice-response`",
             "nginx-stream": "nginx `stream`"}

def tcp():
    rows = tsv("tcp.tsv")
    if not rows:
        return
    mode_file = os.path.join(d, "conf", "haproxy-tcp-splice.mode")
    hmode = open(mode_file).read().strip() if os.path.exists(mode_file) else "forced"
    if hmode == "auto":
        TCP_NAMES["haproxy-splice"] = "HAProxy `mode tcp` + `option splice-auto`"
    sp = "splice-auto" if hmode == "auto" else "splice"
    g = {}
    for r in rows:
        g.setdefault((r["variant"], int(r["streams"])), []).append(r)
    streams = sorted({n for _, n in g})
    variants = [v for v in TCP_VARIANTS if any((v, n) in g for n in streams)]
    sent = max((num(r["sent_bytes"]) or 0) for r in rows)
    col = lambda v, n, k: vals(g.get((v, n), []), k)
    out = [f"## TCP pass-through: iperf3, {sent / 2**30:.0f} GiB one way per run (median [min–max] over rounds)\n",
           "Gbit/s = bytes the sink (iperf3 server) read × 8 ÷ its elapsed time (wall clock). CPU s/GiB = CPU seconds per "
           "GiB sent: the proxy process's utime+stime, and CPU1 busy jiffies (the proxy's CPU, incl. softirq; ≈ 0 for direct); "
           "CPU0 = the iperf3 client and sink with their kernel work. Lower CPU s/GiB is better.\n",
           "| variant | connections | Gbit/s | proxy process CPU s/GiB | CPU1 busy s/GiB | CPU0 (client + sink) s/GiB | CPU1 busy % | client retransmits | noise: foreign CPU s | redos (sum) |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for n in streams:
        for v in variants:
            rs = g.get((v, n), [])
            if not rs:
                continue
            out.append(f"| {TCP_NAMES[v]} | {n} | {fmt(col(v, n, 'gbit_s'), 1)} | {fmt(col(v, n, 'proc_s_per_gib'), 3)} | "
                       f"{fmt(col(v, n, 'cpu1_s_per_gib'), 3)} | {fmt(col(v, n, 'cpu0_s_per_gib'), 3)} | "
                       f"{fmt(col(v, n, 'cpu1_busy_pct'), 0)} | {fmt(col(v, n, 'retransmits'), 0)} | "
                       f"{fmt(col(v, n, 'foreign_cpu_s'), 2)} | {sum(vals(rs, 'redos')):.0f} |")
    top_tables.append("\n".join(out) + "\n")

    def by_round(v, n, k):
        return {r["round"]: num(r.get(k)) for r in g.get((v, n), [])}

    def rcell(a, b, n, k):
        """a ÷ b: ratio of the medians, then the per-round ratios (same round, minutes apart) median [min–max]"""
        ra, rb = by_round(a, n, k), by_round(b, n, k)
        if not ra or not rb:
            return None
        rounds = [x for x in ra if x in rb and ra[x] is not None and rb[x] not in (None, 0)]
        return ratio_cell([ra[x] for x in rounds], [rb[x] for x in rounds], 1e-9) if rounds else "n/a"

    pairs = [("sluice-splice", "direct", "Sluice splice ÷ direct"),
             ("sluice-splice", "haproxy", "Sluice splice ÷ HAProxy (copy)"),
             ("sluice-splice", "haproxy-splice", f"Sluice splice ÷ HAProxy {sp}"),
             ("sluice-copy", "haproxy", "Sluice copy ÷ HAProxy (copy)"),
             ("sluice-copy", "haproxy-splice", f"Sluice copy ÷ HAProxy {sp}"),
             ("sluice-splice", "sluice-copy", "Sluice splice ÷ Sluice copy"),
             ("sluice-splice", "nginx-stream", "Sluice splice ÷ nginx stream"),
             ("sluice-copy", "nginx-stream", "Sluice copy ÷ nginx stream")]
    out = ["### TCP pass-through: ratios\n",
           "Ratio of the medians, then in brackets the per-round ratios (each run ÷ the other's run of the same round) as "
           "median [min–max]. Gbit/s: above 1 means the first is faster. CPU s/GiB: below 1 means the first is cheaper.\n",
           "| ratio | connections | Gbit/s | proxy process CPU s/GiB | CPU1 busy s/GiB |", "|---|---|---|---|---|"]
    for n in streams:
        for a, b, label in pairs:
            if (a, n) not in g or (b, n) not in g:
                continue
            cpu = ("n/a (no proxy)", "n/a (no proxy)") if b == "direct" else (
                rcell(a, b, n, "proc_s_per_gib"), rcell(a, b, n, "cpu1_s_per_gib"))
            out.append(f"| {label} | {n} | {rcell(a, b, n, 'gbit_s')} | {cpu[0]} | {cpu[1]} |")
    top_tables.append("\n".join(out) + "\n")

    out = ["### TCP pass-through: iperf3 one way (per round)\n",
           "sent = bytes the client wrote; received = bytes the sink read before the client's end-of-test message (the "
           "bytes still in flight then are not read: a few tens of MB). CPU s/GiB are per GiB sent.\n",
           "| variant | connections | round | sent B | received B | sink s | Gbit/s | sender Gbit/s | retransmits | proxy CPU s | process s/GiB | CPU1 s/GiB | CPU0 s/GiB | CPU1 busy % | CPU0 busy % | CPU1 not proxy % | foreign CPU s (top) | client wall s | rc | error | redos |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for n in streams:
        for v in variants:
            for r in g.get((v, n), []):
                out.append(f"| {TCP_NAMES[v].strip('*')} | {n} | {r['round']} | {r['sent_bytes']} | {r['recv_bytes']} | {r['recv_s']} | "
                           f"{r['gbit_s']} | {r['sent_gbit_s']} | {r['retransmits']} | {r['proc_cpu_s']} | {r['proc_s_per_gib']} | "
                           f"{r['cpu1_s_per_gib']} | {r['cpu0_s_per_gib']} | {r['cpu1_busy_pct']} | {r['cpu0_busy_pct']} | "
                           f"{r['cpu1_not_proxy_pct']} | {r['foreign_cpu_s']} ({r.get('foreign_top') or '–'}) | {r['wall_s']} | "
                           f"{r['iperf_rc']} | {r['error']} | {r.get('redos', '')} |")
    details.append("\n".join(out) + "\n")

SECTIONS = [lambda: keepalive("wrk_1k", "1 KiB"), lambda: keepalive("wrk_100k", "100 KiB"), ab_close, idle, slow, tcp, cache]
for s in SECTIONS:
    s()

# ------------------------------------------------------------------------------------------- output
env = json.load(open(os.path.join(d, "env.json"))) if os.path.exists(os.path.join(d, "env.json")) else {}
o = []
o.append(f"# Sluice vs HAProxy vs nginx — {env.get('date', '?')}\n")
o.append(f"Mode: {env.get('mode', '?')}, {env.get('rounds', '?')} rounds per scenario, proxies alternated within each round "
         f"(round loop outermost). Cells: **median [min–max]** over rounds. Ratios: anchor ÷ Sluice of the medians, then "
         f"the per-round ratios (anchor run ÷ the Sluice run of the same round) as median [min–max]. For costs (µs, ms, "
         f"bytes, held connections) a ratio above 1 means Sluice is better; for req/s a ratio above 1 means the anchor is "
         f"better.\n")
if headline:
    o.append("| scenario | metric | Sluice | HAProxy | nginx | HAProxy ÷ Sluice | nginx ÷ Sluice |")
    o.append("|---|---|---|---|---|---|---|")
for scen, metric, per, nd, agg, floor in headline:
    if agg == "text":   # a preformatted Sluice cell (several figures of one kind)
        o.append(f"| {scen} | {metric} | {floor} | – | – | | |")
        continue
    if agg == "sum":
        o.append(f"| {scen} | {metric} | " + " | ".join(fmt1(per[p][0], 0) if p in per else "–" for p in PROXIES) + " | | |")
        continue
    cells = [fmt(per.get(p, []), nd) if per.get(p) else "–" for p in PROXIES]
    if agg in ("noise", "plain"):
        o.append(f"| {scen} | {metric} | " + " | ".join(cells) + " | | |")
        continue
    sv = per.get("sluice", [])
    rh = ratio_cell(per["haproxy"], sv, floor) if per.get("haproxy") else "–"
    rn = ratio_cell(per["nginx"], sv, floor) if per.get("nginx") else "–"
    o.append(f"| {scen} | {metric} | " + " | ".join(cells) + f" | {rh} | {rn} |")
o.append("")
if headline:
    o.append("Anchor reference (`shared/anchors-bench/RESULTS.md`, same machine): proxy CPU µs/req 1 KiB HAProxy 26 / nginx 28, "
             "100 KiB 91 / 157; idle RSS 1,214 / 563 B per connection.\n")
o.extend(top_tables)
if env:
    o.append("## Environment\n")
    o.append("| item | value |")
    o.append("|---|---|")
    for k, v in env.items():
        if k in ("date", "mode", "rounds"):
            continue
        v = str(v).replace("|", "\\|").replace("\n", "<br>")
        o.append(f"| {k} | {v} |")
    o.append("")
o.append("## Details\n")
o.extend(details)
cmds = os.path.join(d, "commands.txt")
if os.path.exists(cmds):
    o.append("## Commands\n")
    o.append("```")
    o.append(open(cmds).read().rstrip())
    o.append("```")
notes = os.path.join(d, "notes.md")
if os.path.exists(notes):
    o.append("\n## Notes from this run\n")
    o.append(open(notes).read().rstrip())
diag = os.path.join(d, "diag")
if os.path.isdir(diag) and os.listdir(diag):
    o.append("\n## Sluice diagnostics captured\n")
    o.append("Sluice misbehaved (errors, non-2xx, incomplete or stalled runs) in: " + ", ".join(sorted(os.listdir(diag))) +
             " — /stats, thread dump and log tail under `diag/` next to this file.")
print("\n".join(o))
