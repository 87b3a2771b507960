#!/usr/bin/env python3
"""parse_iperf3.py FILE -> one TSV line from an `iperf3 -c ... -J` output file (scenario 6, TCP pass-through):
  sent_bytes  recv_bytes  recv_s  gbit_s  sent_gbit_s  retransmits  error
sent = what the client wrote (end.sum_sent), recv = what the iperf3 server (the sink) read (end.sum_received) in its
own elapsed time recv_s; gbit_s = recv_bytes * 8 / recv_s / 1e9 (iperf3's receiver bits_per_second). The sink stops
reading when the client's end-of-test message arrives on the control connection, so the bytes still in flight then
(socket buffers, the proxy's pipes or buffers) are not counted: recv_bytes < sent_bytes by a few tens of MB.
Fields are NA when the run failed; error is '-' or iperf3's error text (tabs and newlines replaced)."""
import json, sys

def main(path):
    na = ["NA"] * 6
    try:
        text = open(path, errors="replace").read()
        d = json.loads(text[text.index("{"):]) if "{" in text else None
    except (OSError, ValueError) as e:
        print("\t".join(na + [f"unparsable output: {e}".replace("\t", " ")]))
        return
    if d is None:
        print("\t".join(na + [text.strip().replace("\t", " ").replace("\n", " ")[:200] or "no output"]))
        return
    err = d.get("error")
    end = d.get("end") or {}
    s, r = end.get("sum_sent") or {}, end.get("sum_received") or {}
    if not s or not r or not r.get("seconds"):
        print("\t".join(na + [(err or "no end.sum_sent / sum_received").replace("\t", " ").replace("\n", " ")]))
        return
    sent, recv, rs = int(s["bytes"]), int(r["bytes"]), float(r["seconds"])
    gbit = recv * 8 / rs / 1e9
    sgbit = sent * 8 / float(s["seconds"]) / 1e9 if s.get("seconds") else float("nan")
    print("\t".join([str(sent), str(recv), f"{rs:.3f}", f"{gbit:.2f}", f"{sgbit:.2f}", str(s.get("retransmits", "NA")),
                     (err or "-").replace("\t", " ").replace("\n", " ")]))

main(sys.argv[1])
