#!/usr/bin/env python3
"""histo_diff.py BEFORE AFTER N_CONNS [TOP] -> Markdown rows: the classes whose live bytes grew most between two
`jcmd PID GC.class_histogram` outputs, per connection (Δ instances / conn, Δ bytes / conn)."""
import re, sys

def load(path):
    h = {}
    for line in open(path, errors="replace"):
        m = re.match(r"\s*\d+:\s+(\d+)\s+(\d+)\s+(\S+)", line)
        if m:
            inst, byts, cls = int(m.group(1)), int(m.group(2)), m.group(3)
            a = h.setdefault(cls, [0, 0]); a[0] += inst; a[1] += byts
    return h

b, a, n = load(sys.argv[1]), load(sys.argv[2]), int(sys.argv[3])
top = int(sys.argv[4]) if len(sys.argv) > 4 else 25
d = [(cls, a[cls][0] - b.get(cls, [0, 0])[0], a[cls][1] - b.get(cls, [0, 0])[1]) for cls in a]
d.sort(key=lambda x: -x[2])
print("| class | Δ instances / conn | Δ bytes / conn |")
print("|---|---|---|")
for cls, di, db in d[:top]:
    print(f"| `{cls}` | {di / n:.2f} | {db / n:.1f} |")
rest = sum(x[2] for x in d[top:])
print(f"| (all other classes) | | {rest / n:.1f} |")
print(f"| **total** | | **{sum(x[2] for x in d) / n:.1f}** |")
