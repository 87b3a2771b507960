#!/usr/bin/env python3
"""nginx stub_status of the backends (stdlib only).
usage: stub.py PORT...              -> one dict per port
       stub.py --accepts PORT...    -> sum of 'accepts' over the ports (each includes this query's own connection)
       stub.py --requests PORT...   -> sum of 'requests' over the ports (each includes this query's own request)"""
import re, socket, sys

def stub(port, timeout=2.0):
    """dict(active, accepts, handled, requests, reading, writing, waiting) for 127.0.0.1:port/stub.
    The stub request's own connection is included (active/writing +1, accepts +1)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.sendall(b"GET /stub HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    data = b""
    while True:
        b = s.recv(4096)
        if not b: break
        data += b
    s.close()
    t = data.decode()
    a = int(re.search(r"Active connections:\s*(\d+)", t).group(1))
    acc, han, req = map(int, re.search(r"\n\s*(\d+)\s+(\d+)\s+(\d+)", t).groups())
    rd, wr, wa = map(int, re.search(r"Reading:\s*(\d+)\s*Writing:\s*(\d+)\s*Waiting:\s*(\d+)", t).groups())
    return dict(active=a, accepts=acc, handled=han, requests=req, reading=rd, writing=wr, waiting=wa)

if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0] == "--accepts":
        print(sum(stub(int(p))["accepts"] for p in args[1:]))
    elif args and args[0] == "--requests":
        print(sum(stub(int(p))["requests"] for p in args[1:]))
    else:
        for p in args:
            print(p, stub(int(p)))
