#!/usr/bin/env python3
"""buffers_report.py RESULT_DIR -> Markdown on stdout: the table of a bench/buffers run, from RESULT_DIR/result.json
(tools/buffered_clients.py), run.json (what bench/buffers knew: clients, wall time, noise, disk, command, JVM
options, JVM uptime when the clients started), env.json (tools/env.py) and raw/gc.log (-Xlog:gc)."""
import json, os, re, sys
d = sys.argv[1]
m = json.load(open(os.path.join(d, "run.json")))
n, mib, wall, fs, ftop, alive, disk, cmd, jopts, up0 = (m[k] for k in (
    "clients", "size_mib", "wall_s", "foreign_cpu_s", "foreign_top", "sluice_alive_after", "disk", "command",
    "java_opts", "jvm_uptime_at_start_s"))
r = json.load(open(os.path.join(d, "result.json")))
env = json.load(open(os.path.join(d, "env.json"))) if os.path.exists(os.path.join(d, "env.json")) else {}
M = lambda b: "n/a" if b is None else f"{b / 2**20:,.1f}"
K = lambda k: "n/a" if k is None else f"{k / 1024:,.1f}"
a = r.get("after") or {}
sb = os.path.join(d, "raw", "stats-before.json")
try:
    budget_b = json.load(open(sb))["buffers"]["memory_budget"]
except (OSError, ValueError, KeyError):
    budget_b = 64 * 2**20
mem_max = r.get("mem_used_max")
fs = fs if fs not in ("", None) else "?"
o = [f"# Sluice `buffer_response` under a memory budget — {env.get('date', '?')}\n",
     f"{n} concurrent clients × `GET /{mib}m` ({mib} MiB of random bytes on the nginx backends) through Sluice alone "
     f"(`workers: 1`, pinned to CPU1), route `buffer_response: true`, `buffers: {{ memory_budget: 64MiB, exchange_memory: "
     f"1MiB, spill_dir: <run>/spill, max_spill: 1GiB }}`. Each client reads as fast as it can and checks status, "
     f"Content-Length, length and SHA-256 of its body. Clients, jcmd and backends on CPU0.\n",
     "| metric | value |", "|---|---|"]
row = lambda k, v: o.append(f"| {k} | {v} |")
if "error" in r:
    row("error", r["error"])
else:
    fails = ", ".join(f"{v}× {k}" for k, v in r.get("failures", {}).items()) or "none"
    row("**clients ok / failed**", f"**{r['ok']} / {r['failed']}** (failures: {fails})")
    row("total time (first connect → last body checked)", f"{r['total_s']} s ({r.get('MiB_per_s')} MiB/s through the proxy); "
        f"client first body byte p50 {r.get('client_first_byte_p50_s')} s, done p50 {r.get('client_done_p50_s')} s, "
        f"max {r.get('client_done_max_s')} s")
    row("**max `buffers.memory_used`** (/stats, ~0.1 s samples)", f"**{M(mem_max)} MiB** of {M(budget_b)} MiB budget "
        f"({'n/a' if mem_max is None else f'{mem_max:,}'} of {budget_b:,} bytes)"
        + (" — **above the budget**" if mem_max is not None and mem_max > budget_b else ""))
    row("max `buffers.holders` · max `spill_files`", f"{r.get('holders_max')} · {r.get('spill_files_max')}")
    row("**spilled** (`buffers.spilled_bytes` growth over the run)", f"**{M(r.get('spilled_bytes'))} MiB** "
        f"(of {int(n) * int(mib):,} MiB sent); spill directory at most {r.get('spill_dir_files_max')} files, "
        f"{M(r.get('spill_dir_bytes_max'))} MiB on disk at once")
    row("server connections leased (`active`), max", r.get("active_max"))
    js = r.get("series_jcmd_t_heapusedK_heapreservedK_nmtotherK_nmttotalK_s") or []
    h0 = next((x[1] for x in js if x[1] is not None), None)
    row("**max heap used** (`jcmd GC.heap_info`, every ~1 s; counts garbage too) vs -Xmx", f"**{K(r.get('heap_used_max_kib'))} MiB** "
        f"(at the start {K(h0)} MiB) of "
        f"{K(r.get('heap_reserved_kib'))} MiB ({r.get('jcmd_samples')} samples, a jcmd took ≤ {r.get('jcmd_s_max')} s)")
    gl = os.path.join(d, "raw", "gc.log")
    if os.path.exists(gl) and up0:
        t0, t1 = float(up0), float(up0) + float(wall) + 1
        g = [m for m in (re.search(r"\[(\d+\.\d+)s\].*GC\(\d+\) (Pause \w+).* (\d+)M->(\d+)M\((\d+)M\)", l) for l in open(gl)) if m]
        w = [m for m in g if t0 <= float(m.group(1)) <= t1]
        if w:
            row("**heap after GC** (GC log, collections during the run), max", f"**{max(int(m.group(4)) for m in w)} MiB** "
                f"(before GC at most {max(int(m.group(3)) for m in w)} MiB; {len(w)} pauses, "
                f"{sum(1 for m in w if m.group(2) == 'Pause Full')} full); over the whole process life "
                f"{len(g)} pauses, after-GC max {max(int(m.group(4)) for m in g)} MiB")
        else:
            row("heap after GC (GC log)", f"no collection during the run (window {t0:.1f}–{t1:.1f} s JVM uptime; "
                f"{len(g)} over the process life)")
    row("native memory committed (NMT, every ~1 s): \"Other\" (where JDK direct ByteBuffers / Unsafe memory count) · total, start → max",
        f"{K(r.get('nmt_other_committed_start_kib'))} → {K(r.get('nmt_other_committed_max_kib'))} MiB · "
        f"{K(r.get('nmt_total_committed_start_kib'))} → {K(r.get('nmt_total_committed_max_kib'))} MiB")
    row("RSS (VmRSS) · of it anonymous (RssAnon), start → max → end", f"{K(r.get('rss_start_kib'))} → {K(r.get('rss_max_kib'))} → "
        f"{K(r.get('rss_end_kib'))} MiB · {K(r.get('rss_anon_start_kib'))} → {K(r.get('rss_anon_max_kib'))} → "
        f"{K(r.get('rss_anon_end_kib'))} MiB (heap pre-touched, so growth is outside the heap)")
    row("**spill files left afterwards** (must be 0)", f"**{r.get('spill_dir_files_after')}** regular files under the spill directory "
        f"({M(r.get('spill_dir_bytes_after'))} MiB{'; ' + ', '.join(r['spill_dir_left_names']) if r.get('spill_dir_left_names') else ''}); "
        f"/stats after: spill_files {a.get('spill_files')}, holders {a.get('holders')}, memory_used {a.get('memory_used')}, "
        f"active {a.get('active')} (waited {r.get('settle_s')} s for them to settle)")
    row("Sluice still running afterwards", alive)
    if r.get("jcmd_errors"):
        row("jcmd problems", "<br>".join(x.replace("|", "/").replace("\n", " ") for x in r["jcmd_errors"]))
row("noise: other processes' CPU s during the run (top)", f"{fs} ({ftop or '–'}) — this test measures memory and "
    "correctness, not CPU; other people's jobs only slow it down")
row("wall time of the client step", f"{wall} s")
row("disk", disk)
o.append("")
o.append("## Environment\n")
o.append("| item | value |"); o.append("|---|---|")
for k in ("machine", "Sluice", "JDK", "Sluice JVM command line", "load at start"):
    if k in env:
        o.append(f"| {k} | {str(env[k]).replace('|', '/')} |")
o.append(f"| SLUICE_JAVA_OPTS | {jopts} |")
o.append("")
o.append("## Command\n")
o.append(f"```\n{cmd}\n```")
o.append("\nRaw data: `result.json` (with time series), `raw/` (/stats before/after, spill directory listings, heap and "
         "native-memory summary after, Sluice log tail), `conf/` next to this file.")
print("\n".join(o))

