#!/usr/bin/env bash
# Scenario 7: cache hits, keep-alive clients: wrk -t1 -c50 -d${DUR}s --latency on /cached/1k (the backends' /cached/
# location serves the same 1 KiB file with Cache-Control: max-age=3600), which every proxy answers from its own cache:
# variant `cache` (lib/setup.sh): nginx proxy_cache, HAProxy `cache` section, Sluice route `cache: {}`.
# Before the rounds each proxy's cache is filled and checked: two curl requests, the second must not reach a backend
# (stub_status `requests` Δ over both backends) -> $RES/cache-check.tsv, headers in raw/cache/<proxy>_check.txt.
# Per run as scenario 1 (lib/keepalive.sh wrk_once: CPU1 µs/req, process µs/req, req/s, p50, p99, errors, noise),
# plus the requests that reached a backend during the run (stub_status `requests` Δ minus the queries' own: ≈ 0
# when every response was a hit) and, for Sluice, the Δ of /stats routes[].cache.hits.
# Sluice gets its usual JIT warm-up at (re)start plus SLUICE_WARMUP_S of /cached/1k (the hit path); every proxy gets
# the 2 s unrecorded wrk run of scenarios 1-2 on /cached/1k. Noise control as in lib/keepalive.sh.
# -> $RES/cache.tsv, $RES/cache-check.tsv
source "$(dirname "$0")/../lib/common.sh"; source "$BENCH_DIR/lib/keepalive.sh"
scen=cache; file=cached/1k; raw="$RES/raw/$scen"; out="$RES/$scen.tsv"; chk="$RES/cache-check.tsv"
mkdir -p "$raw"
nb=$(echo $BACKEND_PORTS | wc -w)
proxies=""
for p in $PROXIES; do
  [ "$p" = sluice ] && [ "$(cat "$RUN/conf/sluice-cache.supported" 2>/dev/null)" != yes ] && { log "cache: this Sluice build has no route cache: no Sluice rows"; continue; }
  proxies="$proxies $p"
done
echo "$scen: taskset -c $LOADGEN_CPU wrk -t1 -c50 -d${DUR}s --latency http://127.0.0.1:PORT/$file   (proxies in variant cache; backend requests: Δ stub_status requests on $BACKEND_PORTS)" >> "$RES/commands.txt"
start_backends; for p in $proxies; do start_proxy "$p" cache; done

# sluice_cache_hits STATS_JSON -> hits of the routes with a cache (NA if /stats did not answer)
sluice_cache_hits() { python3 - "$1" <<'P'
import json, sys
try:
    s = json.load(open(sys.argv[1]))
    print(sum(r["cache"]["hits"] for l in s["listeners"] for r in (l.get("routes") or []) if "cache" in r))
except Exception:
    print("NA")
P
}

# fill each cache and check that the second request is answered from it (no backend request)
[ -s "$chk" ] || printf "proxy\tfirst_backend_requests\tsecond_backend_requests\tsecond_status\tsecond_cache_fields\n" > "$chk"
for p in $proxies; do
  f="$raw/${p}_check.txt"; url="http://127.0.0.1:$(proxy_port "$p")/$file"
  r0=$(backend_requests)
  { echo "# 1st request: $url"; loadgen curl -s -S -o /dev/null -D - "$url"; } > "$f" 2>&1
  r1=$(backend_requests)
  { echo "# 2nd request: $url"; loadgen curl -s -S -o /dev/null -D - "$url"; } >> "$f" 2>&1
  r2=$(backend_requests)
  first=$((r1 - r0 - nb)); second=$((r2 - r1 - nb))
  status=$(awk '/^# 2nd/{s=1; next} s && /^HTTP\//{print $2; exit}' "$f")
  fields=$(awk '/^# 2nd/{s=1; next} s' "$f" | tr -d '\r' | grep -iE '^(cache-status|age|x-cache[^:]*):' | paste -sd ';' -)
  echo "# backend requests: 1st $first, 2nd $second" >> "$f"
  printf "%s\t%s\t%s\t%s\t%s\n" "$p" "$first" "$second" "${status:-NA}" "${fields:-–}" | tee -a "$chk" >&2
  [ "$second" = 0 ] && [ "$status" = 200 ] || log "cache: $p did NOT answer the second request from its cache (status ${status:-none}, $second backend requests): its rows measure something else"
done

[ -s "$out" ] || printf "scenario\tproxy\tround\trequests\treq_s\tp50_ms\tp99_ms\tsocket_errors\tnon2xx\tcpu1_us_per_req\tproc_us_per_req\tcpu1_busy_pct\tcpu0_busy_pct\tcpu1_steal_pct\tcpu1_not_proxy_pct\tforeign_cpu_s\tforeign_top\twall_s\twrk_rc\tbackend_requests\tcache_hits\tredos\n" > "$out"
if [[ " $proxies " == *" sluice "* ]] && [ "$SLUICE_WARMUP_S" -gt 0 ]; then   # JIT warm-up of the hit path, not recorded
  log "warming Sluice's cache-hit path: ${SLUICE_WARMUP_S}s of /$file"
  loadgen timeout --foreground $((SLUICE_WARMUP_S + 20)) wrk -t1 -c50 -d"${SLUICE_WARMUP_S}s" "http://127.0.0.1:$SLUICE_PORT/$file" >> "$RUN/logs/sluice-warmup.log" 2>&1
fi
for p in $proxies; do   # warm-up per proxy, not recorded (the anchors' 2 s)
  loadgen timeout --foreground 30 wrk -t1 -c50 -d2s "http://127.0.0.1:$(proxy_port "$p")/$file" > /dev/null 2>&1
done
for round in $(seq 1 "$ROUNDS"); do
  for p in $proxies; do
    f="$raw/${p}_$round.txt"; redo=0
    while :; do
      wait_quiet
      [ "$p" = sluice ] && sluice_stats > "$raw/${p}_${round}.stats-before.json"
      r0=$(backend_requests)
      row=$(wrk_once "$scen" "$p" "$round" "$file" "$f")
      r1=$(backend_requests)
      [ "$p" = sluice ] && sluice_stats > "$raw/${p}_${round}.stats-after.json"
      fs=$(echo "$row" | cut -f16); wall=$(echo "$row" | cut -f18); np=$(echo "$row" | cut -f15)
      if noisy "$fs" "$wall" "$np" && [ "$redo" -lt "$MAX_REDOS" ] && take_retry $((DUR + 3)); then
        redo=$((redo + 1)); mv "$f" "$f.noisy$redo"
        log "$scen $p round $round: ${fs} CPU-s of other processes seen, CPU1 ${np}% not the proxy; redo $redo"
        continue
      fi
      break
    done
    breq=$((r1 - r0 - nb)); hits=NA
    if [ "$p" = sluice ]; then
      h0=$(sluice_cache_hits "$raw/${p}_${round}.stats-before.json"); h1=$(sluice_cache_hits "$raw/${p}_${round}.stats-after.json")
      [ "$h0" != NA ] && [ "$h1" != NA ] && hits=$((h1 - h0))
    fi
    printf "%s\t%s\t%s\t%s\n" "$row" "$breq" "$hits" "$redo" | tee -a "$out" >&2
    read -r reqs rps p50 p99 serr non2xx < <(echo "$row" | cut -f4-9)
    rc=$(echo "$row" | cut -f19)
    [ "$reqs" != NA ] && [ "$breq" -gt $((reqs / 100)) ] && log "cache: $p round $round: $breq of $reqs requests reached a backend (not hits)"
    if [ "$p" = sluice ] && { [ "$rc" != 0 ] || [ "$reqs" = NA ] || [ "${serr:-0}" != 0 ] || [ "${non2xx:-0}" != 0 ]; }; then
      log "Sluice misbehaved in $scen round $round (wrk rc=$rc, socket errors=$serr, non-2xx=$non2xx)"
      sluice_diag "$RES/diag/${scen}_$round"
    fi
  done
done
