#!/usr/bin/env bash
# Generate content files and every proxy/backend configuration under $RUN (default /tmp/sluice-bench). Idempotent.
# Variants (one config file per proxy and variant):
#   default    kernel defaults everywhere (tcp_wmem autotuning on the proxies' client sockets)
#   sndbuf64k  the proxies' client-side SO_SNDBUF pinned to 64 KiB (no autotuning on that side), so a 1 MiB
#              response cannot vanish into the kernel: HAProxy tune.sndbuf.client, nginx listen sndbuf=, Sluice
#              listeners[].socket.send_buffer once `bin/sluice check` accepts it (else no Sluice variant).
#   Sluice only, each of the above plus `-buffered`: the route holds whole responses (`buffer_response: true`,
#   buffers: 64 MiB budget, 1 MiB per exchange, spill files in $RUN/spill), if `bin/sluice check` accepts it.
#   cache      (scenario 7) default plus a 64 MiB response cache on /cached/ (the backends' /cached/ location adds
#              Cache-Control: max-age=3600): nginx proxy_cache, HAProxy cache section, Sluice route `cache: {}`
#              if `bin/sluice check` accepts it (conf/sluice-cache.supported).
# Connection limits follow IDLE_N (default 10,000 idle connections) when it asks for more than they allow.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
set -e
W=$RUN/www
[ "$(stat -c %s "$W/1k" 2>/dev/null)" = 1024 ]      || head -c 1024    /dev/urandom > "$W/1k"
[ "$(stat -c %s "$W/100k" 2>/dev/null)" = 102400 ]  || head -c 102400  /dev/urandom > "$W/100k"
[ "$(stat -c %s "$W/1m" 2>/dev/null)" = 1048576 ]   || head -c 1048576 /dev/urandom > "$W/1m"
read -r B1 B2 <<< "$BACKEND_PORTS"
# Connection limits: sized for 10,000 idle connections (the fd hard limit here is 20,000); a larger IDLE_N raises
# them (it also needs a higher open-files limit and more local ports: see README, scenario 4)
IDLE_N=${IDLE_N:-10000}
SLUICE_MAXCONN=15000; HAP_MAXCONN=12000; NGX_WORKER_CONNS=19000
if [ "$IDLE_N" -gt 10000 ]; then
  SLUICE_MAXCONN=$((IDLE_N + 5000)); HAP_MAXCONN=$((IDLE_N + 2000)); NGX_WORKER_CONNS=$((IDLE_N + 9000))
fi
SPILL_DIR=$RUN/spill
# nginx's proxy_cache (variant cache) lives on disk and would outlive a restart: every run starts it empty, as the
# other two proxies' in-memory caches (bench/run stops every proxy before it runs this)
rm -rf "$RUN/tmp/nginx-proxy/cache"

# ------------------------------------------------------------------ backends: nginx, 1 worker each, on CPU0
for port in $BACKEND_PORTS; do
  mkdir -p "$RUN/tmp/backend$port"
  cat > "$RUN/conf/backend$port.conf" <<C
# backend origin $port: 1 worker, static files, sendfile, very long keep-alive (as the anchors)
worker_processes 1;
pid $RUN/pids/backend$port.pid;
error_log $RUN/logs/backend$port.err warn;
events { worker_connections 16384; }
http {
  access_log off;
  default_type application/octet-stream;
  sendfile on; tcp_nopush on; tcp_nodelay on;
  keepalive_requests 100000000;
  keepalive_timeout 600s;
  client_body_temp_path $RUN/tmp/backend$port/body;
  server {
    listen 127.0.0.1:$port backlog=4096;
    root $W;
    location / { }
    location /cached/ { alias $W/; add_header Cache-Control "max-age=3600"; }   # scenario 7: the proxies may cache it
    location = /stub { stub_status; }
  }
}
C
done

# TCP pass-through (scenario 6), default variant only: nginx stream needs its dynamic module (libnginx-mod-stream).
# HAProxy's splicing listener: HAPROXY_TCP_SPLICE=forced (default: `option splice-request` + `option splice-response`)
# or auto (`option splice-auto`, whose heuristic never spliced here: 0 splice(2) calls over 4 GiB, 1 or 8 connections,
# counted with perf stat -e syscalls:sys_enter_splice; so it measured the same as HAProxy's default)
case ${HAPROXY_TCP_SPLICE:-forced} in
  forced) HAP_SPLICE_OPTS="  option splice-request            # splice(2) client -> server (LINUX_SPLICE: haproxy -vv)
  option splice-response           # and server -> client; pipes of the kernel's default size (64 KiB)" ;;
  auto)   HAP_SPLICE_OPTS="  option splice-auto               # HAProxy decides per direction (heuristic)" ;;
  *) die "HAPROXY_TCP_SPLICE must be forced or auto" ;;
esac
echo "${HAPROXY_TCP_SPLICE:-forced}" > "$RUN/conf/haproxy-tcp-splice.mode"
if [ -f "$NGINX_STREAM_MODULE" ]; then echo yes > "$RUN/conf/nginx-stream.supported"; else echo no > "$RUN/conf/nginx-stream.supported"; fi
# cache variant (scenario 7): the same as default (without the TCP listeners) plus a cache for /cached/ only; the
# sizes are Sluice's `cache: {}` defaults (max_memory 64 MiB, max_object 1 MiB)
for variant in default sndbuf64k cache; do
  NGX_CACHE_PATH=""; NGX_CACHE_LOC=""; HAP_CACHE=""; HAP_CACHE_RULES=""
  if [ $variant = cache ]; then
    NGX_CACHE_PATH="  proxy_cache_path $RUN/tmp/nginx-proxy/cache levels=1:2 keys_zone=bench:10m max_size=64m inactive=60m use_temp_path=off;
"
    NGX_CACHE_LOC="    location /cached/ {             # scenario 7: answered from proxy_cache (fresh for the backend's max-age=3600)
      proxy_cache bench;             # key: the default \$scheme\$proxy_host\$request_uri
      proxy_pass http://be;
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
    }
"
    HAP_CACHE="
# scenario 7: the response cache (HAProxy's is in memory only)
cache bench
  total-max-size 64                # MB
  max-object-size 1048576          # bytes
  max-age 3600                     # s, at most (the backend says max-age=3600)
"
    HAP_CACHE_RULES="  http-request cache-use bench if { path_beg /cached/ }
  http-response cache-store bench
"
  fi
  if [ $variant = sndbuf64k ]; then NGX_SNDBUF=" sndbuf=65536"; HAP_SNDBUF="  tune.sndbuf.client 65536"
  else NGX_SNDBUF=""; HAP_SNDBUF="  # tune.sndbuf.client: kernel default (autotuning)"; fi
  NGX_LOAD=""; NGX_STREAM=""; HAP_TCP=""
  if [ $variant = default ]; then
    if [ "$(cat "$RUN/conf/nginx-stream.supported")" = yes ]; then
      NGX_LOAD="load_module $NGINX_STREAM_MODULE;   # TCP pass-through (scenario 6)"
      NGX_STREAM="stream {                           # TCP pass-through (scenario 6): to the iperf3 sink, buffers copied
  server {
    listen 127.0.0.1:$NGINX_TCP_PORT backlog=4096;
    proxy_pass 127.0.0.1:$TCP_SINK_PORT;            # proxy_buffer_size 16k (default)
    proxy_timeout 600s;
  }
}"
    fi
    HAP_TCP="
# TCP pass-through (scenario 6): mode tcp to the iperf3 sink, without and with kernel splicing
defaults
  mode tcp
  timeout connect 5s
  timeout client 600s
  timeout server 600s
  maxconn $HAP_MAXCONN

listen tcp_copy
  bind 127.0.0.1:$HAPROXY_TCP_PORT backlog 4096
  server sink 127.0.0.1:$TCP_SINK_PORT

listen tcp_splice
  bind 127.0.0.1:$HAPROXY_TCP_SPLICE_PORT backlog 4096
$HAP_SPLICE_OPTS
  server sink 127.0.0.1:$TCP_SINK_PORT"
  fi

  # ---------------------------------------------------------------- nginx reverse proxy, 1 worker, on CPU1
  mkdir -p "$RUN/tmp/nginx-proxy"
  cat > "$RUN/conf/nginx-proxy-$variant.conf" <<C
# nginx reverse proxy ($variant), as the anchors' nginx-proxy.conf
$NGX_LOAD
worker_processes 1;
pid $RUN/pids/nginx.pid;
error_log $RUN/logs/nginx-proxy.err warn;
events { worker_connections $NGX_WORKER_CONNS; }   # fd hard limit on this machine is 20000 (more only for IDLE_N > 10000)
http {
  access_log off;
  sendfile on; tcp_nopush on; tcp_nodelay on;
  keepalive_timeout 600s;          # long, so the idle-connection scenario is not cut short
  keepalive_requests 100000000;    # the default 1000 would make wrk reconnect; HAProxy and Sluice have no such limit
  client_body_temp_path $RUN/tmp/nginx-proxy/body;
  proxy_temp_path $RUN/tmp/nginx-proxy/proxy;
${NGX_CACHE_PATH}  upstream be {
    server 127.0.0.1:$B1;
    server 127.0.0.1:$B2;          # round robin (default)
    keepalive 64;
    keepalive_requests 100000000;
    keepalive_timeout 600s;
  }
  server {
    listen 127.0.0.1:$NGINX_PORT backlog=4096$NGX_SNDBUF;
${NGX_CACHE_LOC}    location / {
      proxy_pass http://be;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      # proxy_buffering on (default): 8 x 4k/8k memory buffers, then a temp file
    }
  }
}
$NGX_STREAM
C

  # ---------------------------------------------------------------- HAProxy, 1 thread, on CPU1
  cat > "$RUN/conf/haproxy-$variant.cfg" <<C
# HAProxy ($variant), as the anchors' haproxy.cfg (http-reuse always frontend only)
global
  nbthread 1
  maxconn $HAP_MAXCONN
  no strict-limits     # fd hard limit on this machine is 20000; HAProxy would want 2*maxconn
$HAP_SNDBUF
  # no logging (nginx access_log is off too; Sluice has no access log)

defaults
  mode http
  option http-keep-alive
  timeout connect 5s
  timeout client 600s
  timeout server 600s
  timeout http-request 30s
  timeout http-keep-alive 600s     # long, so the idle-connection scenario is not cut short
  maxconn $HAP_MAXCONN

frontend fe_http
  bind 127.0.0.1:$HAPROXY_PORT backlog 4096
  default_backend be_http

backend be_http
  balance roundrobin
  http-reuse always
${HAP_CACHE_RULES}  server s1 127.0.0.1:$B1
  server s2 127.0.0.1:$B2
$HAP_TCP$HAP_CACHE
C
done

# ------------------------------------------------------------------ Sluice, workers: 1, on CPU1
sluice_conf() { # sluice_conf EXTRA_LISTENER_LINES [EXTRA_ROUTE_LINES] [TOP_LEVEL_LINES] [MORE_LISTENERS] [MORE_CLUSTERS]
               #             [ROUTES_BEFORE_THE_CATCH_ALL]
  cat <<C
# Sluice, equivalent to the HAProxy/nginx configs: one event loop, round robin over both backends,
# long client keep-alive and pool idle timeouts (the idle scenario holds connections), generous limits.
workers: 1
${3:-}listeners:
  - name: bench
    address: 127.0.0.1:$SLUICE_PORT
    protocol: http
    max_connections: $SLUICE_MAXCONN
    routes:
${6:-}      - match: { path_prefix: / }
        cluster: be
${2:-}    timeouts: { request_header: 10s, body_idle: 30s, keepalive_idle: 10m }
$1
${4:-}clusters:
  - name: be
    balance: round_robin
    servers:
      - { address: 127.0.0.1:$B1, max_connections: 1000 }
      - { address: 127.0.0.1:$B2, max_connections: 1000 }
    pool: { max_idle: 64, idle_timeout: 10m, prewarm: 0 }
    timeouts: { connect: 5s, response: 30s }
${5:-}admin:
  address: 127.0.0.1:$SLUICE_ADMIN_PORT
C
}
# TCP pass-through (scenario 6), default config only: the same Sluice process, two more listeners to the iperf3 sink
TCP_LISTENERS="  - name: tcp-splice
    address: 127.0.0.1:$SLUICE_TCP_PORT
    protocol: tcp
    cluster: sink
    splice: true
  - name: tcp-copy
    address: 127.0.0.1:$SLUICE_TCP_COPY_PORT
    protocol: tcp
    cluster: sink
    splice: false
"
TCP_CLUSTERS="  - name: sink
    servers: [ { address: 127.0.0.1:$TCP_SINK_PORT, max_connections: 1000 } ]
"
sluice_conf "" "" "" "$TCP_LISTENERS" "$TCP_CLUSTERS" > "$RUN/conf/sluice-default.yaml"
# Does this Sluice build have tcp listeners (issue 6)? If not, the default config goes without them (no scenario 6)
if "$REPO_DIR/bin/sluice" check -c "$RUN/conf/sluice-default.yaml" > "$RUN/logs/sluice-check-tcp.log" 2>&1; then
  echo yes > "$RUN/conf/sluice-tcp.supported"
else
  echo no > "$RUN/conf/sluice-tcp.supported"; sluice_conf "" > "$RUN/conf/sluice-default.yaml"
fi
sluice_conf "    socket: { send_buffer: 64KiB }" > "$RUN/conf/sluice-sndbuf64k.yaml"
# held responses (issue 5): the whole response is read at server speed (memory within a fair share of the budget,
# then a spill file), the server connection released when it is complete, the client fed at its own speed
BUF_ROUTE="        buffer_response: true
"
BUF_TOP="buffers: { memory_budget: 64MiB, exchange_memory: 1MiB, spill_dir: $SPILL_DIR, max_spill: 1GiB }
"
sluice_conf "" "$BUF_ROUTE" "$BUF_TOP" > "$RUN/conf/sluice-default-buffered.yaml"
sluice_conf "    socket: { send_buffer: 64KiB }" "$BUF_ROUTE" "$BUF_TOP" > "$RUN/conf/sluice-sndbuf64k-buffered.yaml"
echo "$SPILL_DIR" > "$RUN/conf/sluice-spill-dir"
# response cache (scenario 7): a /cached/ route with every default (max_memory 64MiB, max_object 1MiB), before the
# catch-all route (routes match first-wins in table order)
CACHE_ROUTE="      - match: { path_prefix: /cached/ }
        cluster: be
        cache: {}
"
sluice_conf "" "" "" "" "" "$CACHE_ROUTE" > "$RUN/conf/sluice-cache.yaml"

# ------------------------------------------------------------------ validate
"$NGINX" -t -q -p "$RUN/tmp/backend$B1" -c "$RUN/conf/backend$B1.conf" -e "$RUN/logs/test.err"
for variant in default sndbuf64k cache; do
  "$NGINX" -t -q -p "$RUN/tmp/nginx-proxy" -c "$RUN/conf/nginx-proxy-$variant.conf" -e "$RUN/logs/test.err"
  "$HAPROXY" -c -q -f "$RUN/conf/haproxy-$variant.cfg" 2>&1 | grep -v "FD limit\|maxconn" >&2 || true
done
"$REPO_DIR/bin/sluice" check -c "$RUN/conf/sluice-default.yaml" > "$RUN/logs/sluice-check.log" 2>&1 \
  || { cat "$RUN/logs/sluice-check.log" >&2; die "sluice check rejected $RUN/conf/sluice-default.yaml"; }
# Does this Sluice build know listeners[].socket.send_buffer yet? (the lead adds it)
if "$REPO_DIR/bin/sluice" check -c "$RUN/conf/sluice-sndbuf64k.yaml" > "$RUN/logs/sluice-check-sndbuf.log" 2>&1; then
  echo yes > "$RUN/conf/sluice-sndbuf.supported"
else
  echo no > "$RUN/conf/sluice-sndbuf.supported"; rm -f "$RUN/conf/sluice-sndbuf64k.yaml" "$RUN/conf/sluice-sndbuf64k-buffered.yaml"
fi
# ... and buffer_response / buffers (issue 5)?
if "$REPO_DIR/bin/sluice" check -c "$RUN/conf/sluice-default-buffered.yaml" > "$RUN/logs/sluice-check-buffered.log" 2>&1; then
  echo yes > "$RUN/conf/sluice-buffered.supported"
else
  echo no > "$RUN/conf/sluice-buffered.supported"; rm -f "$RUN/conf/sluice-"*-buffered.yaml
fi
# ... and the route cache?
if "$REPO_DIR/bin/sluice" check -c "$RUN/conf/sluice-cache.yaml" > "$RUN/logs/sluice-check-cache.log" 2>&1; then
  echo yes > "$RUN/conf/sluice-cache.supported"
else
  echo no > "$RUN/conf/sluice-cache.supported"; rm -f "$RUN/conf/sluice-cache.yaml"
fi
log "configs in $RUN/conf (sluice socket.send_buffer supported: $(cat "$RUN/conf/sluice-sndbuf.supported"); buffer_response: $(cat "$RUN/conf/sluice-buffered.supported"); tcp listeners: $(cat "$RUN/conf/sluice-tcp.supported"); route cache: $(cat "$RUN/conf/sluice-cache.supported"); nginx stream: $(cat "$RUN/conf/nginx-stream.supported"))"
