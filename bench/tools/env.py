#!/usr/bin/env python3
"""env.py OUT.json: record the machine, versions and settings of a bench run. Inputs via the environment
(set by bench/run): MODE ROUNDS DUR SLUICE_WARMUP_S SLUICE_PID SLUICE_JAR REPO_DIR SLUICE_JAVA_OPTS LOADGEN_CPU
PROXY_CPU BACKEND_PORTS SLUICE_PORT SLUICE_ADMIN_PORT HAPROXY_PORT NGINX_PORT."""
import datetime, json, os, subprocess, sys

E = os.environ.get

def sh(cmd):
    try:
        r = subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=30)
        return (r.stdout + r.stderr).strip()
    except Exception as e:
        return f"? ({e})"

def first(cmd):
    out = sh(cmd)
    return out.splitlines()[0] if out else "?"

def cpu_model():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "?"

def mem_gib():
    for line in open("/proc/meminfo"):
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / 2**20)

repo, jar, pid = E("REPO_DIR"), E("SLUICE_JAR"), E("SLUICE_PID")
commit = first(f"git -C {repo} rev-parse --short=12 HEAD")
dirty = [l for l in sh(f"git -C {repo} status --porcelain -- src pom.xml bin").splitlines() if l.strip()]
java = os.path.realpath(f"/proc/{pid}/exe") if pid else "?"
props = sh(f"{java} -XshowSettings:properties -version")
prop = lambda k: next((l.split("=", 1)[1].strip() for l in props.splitlines() if l.strip().startswith(k + " =")), "?")
cmdline = open(f"/proc/{pid}/cmdline").read().replace("\0", " ").strip() if pid and os.path.exists(f"/proc/{pid}/cmdline") else "?"
built = datetime.datetime.fromtimestamp(os.path.getmtime(os.path.join(repo, "target/sluice.jar")), datetime.timezone.utc)
env = {
    "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
    "mode": E("MODE"), "rounds": int(E("ROUNDS", "3")),
    "machine": f"{os.cpu_count()} CPUs ({cpu_model()}), {mem_gib()} GiB RAM, {('VM (cpuinfo hypervisor flag)' if 'hypervisor' in open('/proc/cpuinfo').read() else 'bare metal?')}",
    "kernel": first("uname -sr"),
    "os": first(". /etc/os-release && echo $PRETTY_NAME"),
    "Sluice": f"git {commit}" + (f" + {len(dirty)} uncommitted change(s) in src/pom/bin" if dirty else " (clean src/pom/bin)")
              + f"; jar sha256 {first(f'sha256sum {jar}')[:16]}…, built {built:%Y-%m-%d %H:%M} UTC",
    "JDK": f"{prop('java.vm.vendor')} {prop('java.runtime.version')} ({java})",
    "Sluice JVM command line": cmdline,
    "SLUICE_JAVA_OPTS": E("SLUICE_JAVA_OPTS"),
    "HAProxy": first("/usr/sbin/haproxy -v"),
    "nginx": first("/usr/sbin/nginx -v"),
    "wrk": first("wrk -v"),
    "ab": first("ab -V"),
    "python3": first("python3 -V"),
    "iperf3": first("iperf3 --version"),
    "pinning": f"CPU{E('LOADGEN_CPU')}: wrk / ab / iperf3 client / python clients / jcmd + both backend nginx + iperf3 sink; CPU{E('PROXY_CPU')}: the "
               "proxy under test (all three run there; the two not measured are idle)",
    "ports": f"backends {E('BACKEND_PORTS')}; Sluice {E('SLUICE_PORT')} (admin {E('SLUICE_ADMIN_PORT')}); "
             f"HAProxy {E('HAPROXY_PORT')}; nginx {E('NGINX_PORT')}; TCP (scenario 6): sink {E('TCP_SINK_PORT')}, Sluice "
             f"splice {E('SLUICE_TCP_PORT')} / copy {E('SLUICE_TCP_COPY_PORT')}, HAProxy {E('HAPROXY_TCP_PORT')} / splice "
             f"{E('HAPROXY_TCP_SPLICE_PORT')}, nginx stream {E('NGINX_TCP_PORT')}",
    "sysctl": f"tcp_rmem {first('cat /proc/sys/net/ipv4/tcp_rmem')}; tcp_wmem {first('cat /proc/sys/net/ipv4/tcp_wmem')}; "
              f"somaxconn {first('cat /proc/sys/net/core/somaxconn')}",
    "open files": f"{first('ulimit -n')} (hard {first('ulimit -Hn')})",
    "load at start": f"{' '.join(open('/proc/loadavg').read().split()[:3])}; busiest processes: "
                     + "; ".join(" ".join(l.split()) for l in sh("ps -eo pcpu,comm --sort=-pcpu --no-headers | head -4").splitlines()),
    "machine check": f"direct `wrk -t1 -c50 -d3s` on one backend /1k (client and backend both on CPU0): {E('DIRECT_RPS')} req/s "
                     "(anchors, 2026-11-21: 32,844 req/s)",
    "durations": f"wrk {E('DUR')} s per run; Sluice JIT warm-up {E('SLUICE_WARMUP_S')} s of 1 KiB + {E('SLUICE_WARMUP_S')} s of "
                 "100 KiB after every Sluice start; 2 s of wrk (2,000 ab requests) per proxy before each keep-alive "
                 "(new-connection) scenario, not recorded; TCP scenario: iperf3 -n "
                 f"{E('TCP_BYTES')} per run, {E('TCP_WARMUP_S') or 2} s of iperf3 -P 8 per proxied variant first, not recorded; "
                 f"cache scenario: Sluice also {E('SLUICE_WARMUP_S')} s of /cached/1k (its hit path) after its start in variant cache",
}
json.dump(env, open(sys.argv[1], "w"), indent=1)
