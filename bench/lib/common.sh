#!/usr/bin/env bash
# Shared settings and helpers for Sluice's benchmark harness. Source this file (bench/run and every scenario do).
#
# Pinning (the same for every proxy; see bench/README.md):
#   CPU0 (LOADGEN_CPU, BACKEND_CPU): load generators (wrk, ab, python clients, jcmd) and both backend nginx
#   CPU1 (PROXY_CPU):                the proxy under test: Sluice (workers: 1), HAProxy (nbthread 1), nginx (1 worker)
# All three proxies run at once (the ones not measured are idle); the idle-memory scenario restarts them.
set -u
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO_DIR="$(cd "$BENCH_DIR/.." && pwd)"
TOOLS="$BENCH_DIR/tools"
RUN=${RUN:-/tmp/sluice-bench}              # runtime state: conf/, pids/, logs/, www/, tmp/
LOADGEN_CPU=${LOADGEN_CPU:-0}
BACKEND_CPU=${BACKEND_CPU:-0}
PROXY_CPU=${PROXY_CPU:-1}
ROUNDS=${ROUNDS:-3}
# Ports: a block away from the defaults of `sluice demo` (8080, 9001-9003, 9901) so a demo or a test run by
# someone else on this machine cannot collide with the bench.
BACKEND_PORTS=${BACKEND_PORTS:-"19001 19002"}
SLUICE_PORT=${SLUICE_PORT:-18080}
SLUICE_ADMIN_PORT=${SLUICE_ADMIN_PORT:-18901}
HAPROXY_PORT=${HAPROXY_PORT:-18081}
NGINX_PORT=${NGINX_PORT:-18082}
PROXIES=${PROXIES:-"sluice haproxy nginx"}
# TCP pass-through (scenario 6): an iperf3 server as the sink (on BACKEND_CPU) and one TCP listener per proxy variant,
# all in the proxies' default configs: Sluice splice / copy (splice: false), HAProxy mode tcp without / with splicing
# (HAPROXY_TCP_SPLICE, see lib/setup.sh), nginx stream (only if its module is installed: libnginx-mod-stream)
TCP_SINK_PORT=${TCP_SINK_PORT:-19003}
SLUICE_TCP_PORT=${SLUICE_TCP_PORT:-18083}
SLUICE_TCP_COPY_PORT=${SLUICE_TCP_COPY_PORT:-18084}
HAPROXY_TCP_PORT=${HAPROXY_TCP_PORT:-18085}
HAPROXY_TCP_SPLICE_PORT=${HAPROXY_TCP_SPLICE_PORT:-18086}
NGINX_TCP_PORT=${NGINX_TCP_PORT:-18087}
NGINX_STREAM_MODULE=${NGINX_STREAM_MODULE:-/usr/lib/nginx/modules/ngx_stream_module.so}
# Sluice's JVM, on top of bin/sluice's defaults (G1 named explicitly: under `taskset -c 1` ergonomics would pick Serial).
# AlwaysPreTouch makes the fixed-size heap resident from the start, so an RSS delta shows non-heap growth only
# (without it, RSS growth mostly counts eden pages first touched by garbage; see README).
SLUICE_JAVA_OPTS=${SLUICE_JAVA_OPTS:--Xms512m -Xmx512m -XX:+AlwaysPreTouch}
export SLUICE_JAVA_OPTS
SLUICE_WARMUP_S=${SLUICE_WARMUP_S:-5}      # per Sluice start: this many seconds of 1 KiB, then of 100 KiB, then
                                           # 40,000 new connections (not recorded); 0 = no warm-up
# the Sluice jar: bench/run copies target/sluice.jar to $RUN/sluice.jar at start (others may rebuild target/ meanwhile)
if [ -z "${SLUICE_JAR:-}" ]; then
  if [ -f "$RUN/sluice.jar" ]; then SLUICE_JAR=$RUN/sluice.jar; else SLUICE_JAR=$REPO_DIR/target/sluice.jar; fi
fi
export SLUICE_JAR
NGINX=/usr/sbin/nginx
HAPROXY=/usr/sbin/haproxy
mkdir -p "$RUN"/{conf,pids,logs,www,tmp}

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
raise_nofile() { ulimit -n "$(ulimit -Hn)"; }   # hard limit is 20000 here (no CAP_SYS_RESOURCE to go higher)
on_cpu() { local c=$1; shift; taskset -c "$c" "$@"; }
loadgen() { taskset -c "$LOADGEN_CPU" "$@"; }

proxy_port() { case $1 in sluice) echo "$SLUICE_PORT" ;; haproxy) echo "$HAPROXY_PORT" ;; nginx) echo "$NGINX_PORT" ;; esac; }

# ---------------------------------------------------------------------------------------------- processes
pid_alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

port_listening() { ss -Hltn "sport = :$1" | grep -q LISTEN; }
wait_port() { # wait_port PORT [SECONDS]: until something listens on PORT
  local n=$(( ${2:-10} * 10 ))
  for _ in $(seq 1 "$n"); do port_listening "$1" && return 0; sleep 0.1; done
  log "port $1 did not come up"; return 1; }
require_free_port() { # refuse to start on a port someone else holds
  port_listening "$1" && die "port $1 is already in use by another process (ss -ltnp 'sport = :$1'); set the *_PORT variables"
  return 0; }

stop_pidfile() { # stop_pidfile PIDFILE: stop the process we started (by its PID only), wait for it to exit
  local f=$1 p
  [ -s "$f" ] || { rm -f "$f"; return 0; }
  p=$(cat "$f")
  if kill -0 "$p" 2>/dev/null; then
    kill -TERM "$p" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$p" 2>/dev/null && { log "pid $p ($f) ignored TERM for 10 s; KILL"; kill -KILL "$p" 2>/dev/null; sleep 0.2; }
  fi
  rm -f "$f"
}

# variant file: which configuration variant a running proxy was started with ("default", "sndbuf64k", ...)
variant_of() { cat "$RUN/pids/$1.variant" 2>/dev/null || echo none; }

start_backends() {
  raise_nofile
  local port
  for port in $BACKEND_PORTS; do
    pid_alive "$RUN/pids/backend$port.pid" && continue
    require_free_port "$port"
    on_cpu "$BACKEND_CPU" "$NGINX" -p "$RUN/tmp/backend$port" -c "$RUN/conf/backend$port.conf" -e "$RUN/logs/backend$port.err"
    wait_port "$port" || die "backend $port did not start (see $RUN/logs/backend$port.err)"
  done
}
stop_backends() { local port; for port in $BACKEND_PORTS; do stop_pidfile "$RUN/pids/backend$port.pid"; done; }

# the TCP sink of scenario 6: an iperf3 server (reads and discards), pinned with the backends
start_tcp_sink() {
  pid_alive "$RUN/pids/iperf3.pid" && return 0
  require_free_port "$TCP_SINK_PORT"
  rm -f "$RUN/pids/iperf3.pid"
  on_cpu "$BACKEND_CPU" iperf3 -s -B 127.0.0.1 -p "$TCP_SINK_PORT" -D -I "$RUN/pids/iperf3.pid" \
    --logfile "$RUN/logs/iperf3.log" || die "iperf3 server did not start (see $RUN/logs/iperf3.log)"
  wait_port "$TCP_SINK_PORT" || die "iperf3 server did not listen on $TCP_SINK_PORT (see $RUN/logs/iperf3.log)"
  for _ in $(seq 1 20); do [ -s "$RUN/pids/iperf3.pid" ] && break; sleep 0.1; done
}

# start_proxy NAME [VARIANT]: start (or keep, if already running with that variant) one proxy, pinned to PROXY_CPU
start_proxy() {
  local name=$1 variant=${2:-default} port
  port=$(proxy_port "$name")
  if pid_alive "$RUN/pids/$name.pid"; then
    [ "$(variant_of "$name")" = "$variant" ] && return 0
    stop_proxy "$name"
  fi
  raise_nofile
  require_free_port "$port"
  case $name in
    haproxy)
      on_cpu "$PROXY_CPU" "$HAPROXY" -D -p "$RUN/pids/haproxy.pid" -f "$RUN/conf/haproxy-$variant.cfg" \
        >> "$RUN/logs/haproxy.log" 2>&1 || die "haproxy did not start (see $RUN/logs/haproxy.log)"
      ;;
    nginx)
      on_cpu "$PROXY_CPU" "$NGINX" -p "$RUN/tmp/nginx-proxy" -c "$RUN/conf/nginx-proxy-$variant.conf" \
        -e "$RUN/logs/nginx-proxy.err" || die "nginx proxy did not start (see $RUN/logs/nginx-proxy.err)"
      ;;
    sluice)
      require_free_port "$SLUICE_ADMIN_PORT"
      # taskset and bin/sluice both exec, so $! is the JVM's PID (checked below)
      taskset -c "$PROXY_CPU" "$REPO_DIR/bin/sluice" run -c "$RUN/conf/sluice-$variant.yaml" >> "$RUN/logs/sluice.log" 2>&1 &
      echo $! > "$RUN/pids/sluice.pid"
      ;;
  esac
  echo "$variant" > "$RUN/pids/$name.variant"
  wait_port "$port" 30 || die "$name did not listen on $port (logs in $RUN/logs/)"
  if [ "$name" = sluice ]; then
    wait_port "$SLUICE_ADMIN_PORT" 10 || die "sluice admin did not listen on $SLUICE_ADMIN_PORT"
    case $(readlink -f "/proc/$(cat "$RUN/pids/sluice.pid")/exe") in */java) ;; *) die "pid in $RUN/pids/sluice.pid is not the JVM" ;; esac
    [ "${SLUICE_NO_WARMUP:-0}" = 1 ] || warm_sluice
  fi
}
stop_proxy() { stop_pidfile "$RUN/pids/$1.pid"; rm -f "$RUN/pids/$1.variant"; }
stop_all() { # proxies first (so no proxy request meets a dead backend), then the backends, then anything else
  local f
  for f in "$RUN"/pids/sluice.pid "$RUN"/pids/haproxy.pid "$RUN"/pids/nginx.pid "$RUN"/pids/backend*.pid "$RUN"/pids/*.pid; do
    [ -e "$f" ] && stop_pidfile "$f"
  done
  rm -f "$RUN"/pids/*.variant
}

# JIT warm-up of a freshly started Sluice: SLUICE_WARMUP_S of 1 KiB, then of 100 KiB (not recorded)
warm_sluice() {
  local s=$SLUICE_WARMUP_S f
  [ "$s" -gt 0 ] || return 0
  log "warming Sluice's JIT: ${s}s 1k + ${s}s 100k keep-alive, 40,000 new connections"
  for f in 1k 100k; do
    loadgen timeout --foreground $((s + 20)) wrk -t1 -c50 -d"${s}s" "http://127.0.0.1:$SLUICE_PORT/$f" >> "$RUN/logs/sluice-warmup.log" 2>&1
  done
  # the accept/close path: a fresh JVM needs ~40k new connections before it runs at speed (measured)
  loadgen timeout --foreground 60 ab -q -n 40000 -c 50 "http://127.0.0.1:$SLUICE_PORT/1k" >> "$RUN/logs/sluice-warmup.log" 2>&1
}

# PIDs whose CPU / RSS is "the proxy": Sluice = the JVM; HAProxy = its single process; nginx = master + workers
proxy_pids() {
  local m
  case $1 in
    sluice|haproxy) cat "$RUN/pids/$1.pid" ;;
    nginx) m=$(cat "$RUN/pids/nginx.pid"); echo "$m $(pgrep -P "$m" | tr '\n' ' ')" ;;
  esac
}
proxy_pids_csv() { proxy_pids "$1" | tr -s ' ' ',' | sed 's/^,//; s/,$//'; }

# ---------------------------------------------------------------------------------------------- measurement
# cpu_snapshot -> lines "cpuN busy_jiffies total_jiffies steal_jiffies" (busy = user+nice+system+irq+softirq, as
# the anchors; total also counts idle, iowait and steal)
cpu_snapshot() { awk '/^cpu[0-9]/{busy=$2+$3+$4+$7+$8; tot=busy+$5+$6+$9; printf "%s %d %d %d\n",$1,busy,tot,$9}' /proc/stat; }
# cpu_field SNAP CPU busy|total|steal
cpu_field() { echo "$1" | awk -v c="cpu$2" -v f="$3" '$1==c{print (f=="busy"?$2:(f=="total"?$3:$4))}'; }
# proc_jiffies PID... -> utime+stime summed over the processes (all their threads), in clock ticks
proc_jiffies() {
  local p t=0 v
  for p in "$@"; do
    v=$(awk '{s=$0; sub(/^.*\) /,"",s); split(s,a," "); print a[12]+a[13]}' "/proc/$p/stat" 2>/dev/null || echo 0)
    t=$((t + v))
  done
  echo "$t"
}
CLK_TCK=$(getconf CLK_TCK)
rss_kib() { local p t=0; for p in "$@"; do t=$((t + $(awk '/^VmRSS:/{print $2}' "/proc/$p/status"))); done; echo "$t"; }

# backend_accepts -> sum of stub_status 'accepts' over all backends
backend_accepts() { python3 "$TOOLS/stub.py" --accepts $BACKEND_PORTS; }
# backend_requests -> sum of stub_status 'requests' over all backends (each query counts itself once per backend)
backend_requests() { python3 "$TOOLS/stub.py" --requests $BACKEND_PORTS; }

# foreign CPU (other people's processes on this VM) during a measurement: foreign_begin TAG; ...; foreign_end TAG
bench_roots() { echo "${BENCH_ROOT_PID:-$$}" $(awk 1 "$RUN"/pids/*.pid 2>/dev/null); }   # awk: iperf3's pid file has no newline
foreign_begin() { python3 "$TOOLS/foreign_cpu.py" snap "$RUN/tmp/foreign-$1.json" $(bench_roots); }
foreign_end() { python3 "$TOOLS/foreign_cpu.py" diff "$RUN/tmp/foreign-$1.json" $(bench_roots); }

# Noise control (this VM is shared with other people's jobs):
#   wait_quiet          before a measurement, wait up to QUIET_WAIT_S for a 1 s window in which foreign processes
#                       used at most QUIET_MAX_PCT % of one CPU (returns 1 if it gave up; the measurement goes on)
#   noisy SECONDS WALL  true if foreign CPU during a measurement exceeded NOISY_MAX_PCT % of one CPU
#   take_retry SECONDS  true (and debits the budget) if RETRY_BUDGET_S still allows a redo of that length
QUIET_WAIT_S=${QUIET_WAIT_S:-20}; QUIET_MAX_PCT=${QUIET_MAX_PCT:-5}; NOISY_MAX_PCT=${NOISY_MAX_PCT:-10}
MAX_REDOS=${MAX_REDOS:-2}
wait_quiet() { # also bounded overall by QUIET_BUDGET_S (file $RUN/tmp/quiet-budget, set by bench/run)
  local waited=0 f b="$RUN/tmp/quiet-budget"
  [ -s "$b" ] || echo "${QUIET_BUDGET_S:-120}" > "$b"
  while :; do
    foreign_begin q; sleep 1; f=$(foreign_end q | cut -f1)
    awk -v f="$f" -v m="$QUIET_MAX_PCT" 'BEGIN{exit !(f*100 <= m)}' && return 0
    [ "$(cat "$b")" -gt 0 ] || return 1
    echo $(( $(cat "$b") - 1 )) > "$b"
    waited=$((waited + 1))
    [ "$waited" -eq 1 ] && log "other processes busy (${f} CPU-s/s); waiting up to ${QUIET_WAIT_S}s for quiet (budget left $(cat "$b") s)"
    [ "$waited" -ge "$QUIET_WAIT_S" ] && { log "still busy after ${waited}s; measuring anyway"; return 1; }
  done
}
# noisy FOREIGN_S WALL_S [CPU1_NOT_PROXY_PCT]: the scan of /proc misses processes that start and exit during a run
# (compilers, test forks), so the share of CPU1 not used by the proxy is checked too (≈ 0-3 % when quiet)
NOISY_CPU1_PCT=${NOISY_CPU1_PCT:-5}
noisy() { awk -v f="$1" -v w="$2" -v m="$NOISY_MAX_PCT" -v np="${3:-0}" -v nm="$NOISY_CPU1_PCT" \
            'BEGIN{exit !(f > m/100*w || np > nm)}'; }
take_retry() {
  local f="$RUN/tmp/retry-budget" left
  [ -s "$f" ] || echo "${RETRY_BUDGET_S:-120}" > "$f"
  left=$(cat "$f")
  [ "$left" -ge "$1" ] || return 1
  echo $((left - $1)) > "$f"
}

sluice_stats() { python3 - "$SLUICE_ADMIN_PORT" <<'P'
import sys, urllib.request
try: print(urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/stats", timeout=5).read().decode())
except Exception as e: print('{"error": "%s"}' % e)
P
}
# jcmd of the JDK that runs the Sluice JVM (the jcmd on PATH may be an older JDK's and cannot attach)
sluice_jcmd() { local pid; pid=$(cat "$RUN/pids/sluice.pid"); loadgen "$(dirname "$(readlink -f "/proc/$pid/exe")")/jcmd" "$pid" "$@"; }

# capture what Sluice is doing when a run misbehaves: /stats, thread dump, log tail -> DIR
sluice_diag() {
  local dir=$1; mkdir -p "$dir"
  pid_alive "$RUN/pids/sluice.pid" || { echo "sluice not running" > "$dir/README"; return 0; }
  local pid jc; pid=$(cat "$RUN/pids/sluice.pid"); jc="$(dirname "$(readlink -f "/proc/$pid/exe")")/jcmd"
  sluice_stats > "$dir/stats.json"
  loadgen timeout --foreground 30 "$jc" "$pid" Thread.print > "$dir/jstack.txt" 2>&1
  loadgen timeout --foreground 30 "$jc" "$pid" GC.heap_info > "$dir/heap_info.txt" 2>&1
  tail -n 200 "$RUN/logs/sluice.log" > "$dir/sluice.log.tail"
  ss -tanp "( sport = :$SLUICE_PORT or dport = :$SLUICE_PORT )" 2>/dev/null | awk '{print $1}' | sort | uniq -c > "$dir/ss_states.txt"
  log "Sluice diagnostics captured in $dir"
}
