#!/usr/bin/env python3
"""parse_wrk.py WRK_OUTPUT_FILE -> 'requests req_s p50_ms p99_ms socket_errors non2xx' (tab-separated, stdlib only).
Prints 'NA' fields when wrk produced no summary (crash, timeout)."""
import re, sys
t = open(sys.argv[1], errors="replace").read()
def ms(v):
    m = re.match(r'([\d.]+)(us|ms|s|m)', v)
    x, u = float(m.group(1)), m.group(2)
    return x / 1000 if u == 'us' else x if u == 'ms' else x * 1000 if u == 's' else x * 60000
m = re.search(r'(\d+) requests in ([\d.]+)(ms|s|m)', t)
if not m or not re.search(r'Requests/sec:', t):
    print("NA\tNA\tNA\tNA\tNA\tNA"); sys.exit(0)
reqs = int(m.group(1))
rps = float(re.search(r'Requests/sec:\s+([\d.]+)', t).group(1))
p50 = ms(re.search(r'^\s+50%\s+(\S+)', t, re.M).group(1))
p99 = ms(re.search(r'^\s+99%\s+(\S+)', t, re.M).group(1))
err = 0
m = re.search(r'Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)', t)
if m: err += sum(map(int, m.groups()))
m = re.search(r'Non-2xx or 3xx responses: (\d+)', t)
non2xx = int(m.group(1)) if m else 0
print(f"{reqs}\t{rps:.0f}\t{p50:.3f}\t{p99:.3f}\t{err}\t{non2xx}")
