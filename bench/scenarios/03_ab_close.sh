#!/usr/bin/env bash
# Scenario 3: a new client connection per request: ab -n $AB_N -c 50 (no -k) on /1k.
# Reports req/s and the TCP connections the backends accepted during the run (Δ of stub_status 'accepts' over
# both backends, minus the stub queries' own connections), scaled to per-20,000-requests; plus proxy CPU µs/req.
# Noise control as in lib/keepalive.sh (wait_quiet, redo when other processes were busy).
# Note: 20,000 connections per run exceed what the ephemeral port range recycles in TIME_WAIT's 60 s, so runs
# after the first reuse TIME_WAIT ports (net.ipv4.tcp_tw_reuse=2 allows it on loopback): the same for every proxy.
# -> $RES/ab_close.tsv
source "$(dirname "$0")/../lib/common.sh"
scen=ab_close; raw="$RES/raw/$scen"; out="$RES/$scen.tsv"; N=${AB_N:-20000}; C=50
mkdir -p "$raw"
nb=$(echo $BACKEND_PORTS | wc -w)
echo "$scen: taskset -c $LOADGEN_CPU ab -n $N -c $C http://127.0.0.1:PORT/1k   (backend accepts: Δ stub_status accepts on $BACKEND_PORTS)" >> "$RES/commands.txt"
start_backends; for p in $PROXIES; do start_proxy "$p" default; done
[ -s "$out" ] || printf "scenario\tproxy\tround\tcomplete\treq_s\tfailed\tnon2xx\tbackend_accepts\taccepts_per_20k\tcpu1_us_per_req\tproc_us_per_req\tcpu1_busy_pct\tcpu0_busy_pct\tforeign_cpu_s\tforeign_top\twall_s\tab_rc\tcpu1_not_proxy_pct\tredos\n" > "$out"
for p in $PROXIES; do loadgen timeout --foreground 60 ab -q -n 2000 -c "$C" "http://127.0.0.1:$(proxy_port "$p")/1k" > /dev/null 2>&1; done  # warm-up

ab_once() { # ab_once PROXY ROUND OUTFILE -> one TSV row (without 'redos')
  local p=$1 round=$2 f=$3 port pids a0 a1 s0 s1 j0 j1 t0 t1 rc fr complete rps failed non2xx acc
  port=$(proxy_port "$p"); read -r -a pids <<< "$(proxy_pids "$p")"
  a0=$(backend_accepts); foreign_begin ab; s0=$(cpu_snapshot); j0=$(proc_jiffies "${pids[@]}"); t0=$(date +%s.%N)
  loadgen timeout --foreground 180 ab -n "$N" -c "$C" "http://127.0.0.1:$port/1k" > "$f" 2>&1; rc=$?
  s1=$(cpu_snapshot); j1=$(proc_jiffies "${pids[@]}"); t1=$(date +%s.%N); fr=$(foreign_end ab); a1=$(backend_accepts)
  complete=$(awk '/^Complete requests/{print $3}' "$f"); complete=${complete:-0}
  rps=$(awk '/^Requests per second/{printf "%.0f",$4}' "$f"); rps=${rps:-NA}
  failed=$(awk '/^Failed requests/{print $3}' "$f"); failed=${failed:-NA}
  non2xx=$(awk '/^Non-2xx responses/{print $3}' "$f"); non2xx=${non2xx:-0}
  acc=$((a1 - a0 - nb))
  awk -v s="$scen" -v p="$p" -v r="$round" -v n="$complete" -v rps="$rps" -v fl="$failed" -v nx="$non2xx" -v acc="$acc" \
      -v rc="$rc" -v tck="$CLK_TCK" -v j0="$j0" -v j1="$j1" -v fr="$fr" -v w0="$t0" -v w1="$t1" \
      -v b0="$(cpu_field "$s0" "$PROXY_CPU" busy)" -v b1="$(cpu_field "$s1" "$PROXY_CPU" busy)" \
      -v t0_="$(cpu_field "$s0" "$PROXY_CPU" total)" -v t1_="$(cpu_field "$s1" "$PROXY_CPU" total)" \
      -v c0="$(cpu_field "$s0" "$LOADGEN_CPU" busy)" -v c1="$(cpu_field "$s1" "$LOADGEN_CPU" busy)" \
      -v ct0="$(cpu_field "$s0" "$LOADGEN_CPU" total)" -v ct1="$(cpu_field "$s1" "$LOADGEN_CPU" total)" 'BEGIN{
        ok = (n+0 > 0)
        printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.0f\t%.0f\t%s\t%.2f\t%s\t%.0f", s, p, r, n, rps, fl, nx, acc,
          ok ? sprintf("%.0f", acc*20000/n) : "NA", ok ? sprintf("%.1f", (b1-b0)*1e6/tck/n) : "NA",
          ok ? sprintf("%.1f", (j1-j0)*1e6/tck/n) : "NA", 100*(b1-b0)/(t1_-t0_), 100*(c1-c0)/(ct1-ct0), fr, w1-w0, rc,
          100*((b1-b0)-(j1-j0))/(t1_-t0_) }'
}

for round in $(seq 1 "$ROUNDS"); do
  for p in $PROXIES; do
    f="$raw/${p}_$round.txt"; redo=0
    while :; do
      wait_quiet
      [ "$p" = sluice ] && sluice_stats > "$raw/${p}_${round}.stats-before.json"
      row=$(ab_once "$p" "$round" "$f")
      [ "$p" = sluice ] && sluice_stats > "$raw/${p}_${round}.stats-after.json"
      fs=$(echo "$row" | cut -f14); wall=$(echo "$row" | cut -f16); np=$(echo "$row" | cut -f18)
      # a 20,000-request ab run lasts ~0.5 s (~40 jiffies of proxy CPU), so its CPU1 share is only good to ±5 %
      if NOISY_CPU1_PCT=${AB_NOISY_CPU1_PCT:-10} noisy "$fs" "$wall" "$np" && [ "$redo" -lt "$MAX_REDOS" ] && take_retry 5; then
        redo=$((redo + 1)); mv "$f" "$f.noisy$redo"
        log "$scen $p round $round: ${fs} CPU-s of other processes seen, CPU1 ${np}% not the proxy; redo $redo"
        continue
      fi
      break
    done
    printf "%s\t%s\n" "$row" "$redo" | tee -a "$out" >&2
    failed=$(echo "$row" | cut -f6); non2xx=$(echo "$row" | cut -f7); rc=$(echo "$row" | cut -f17)
    if [ "$p" = sluice ] && { [ "$rc" != 0 ] || [ "$failed" != 0 ] || [ "$non2xx" != 0 ]; }; then
      log "Sluice misbehaved in $scen round $round (ab rc=$rc, failed=$failed, non-2xx=$non2xx)"
      sluice_diag "$RES/diag/${scen}_$round"
    fi
  done
done
