#!/usr/bin/env bash
# Keep-alive throughput / CPU scenario body, shared by scenarios 01 (1 KiB) and 02 (100 KiB).
# keepalive_scenario NAME FILE: wrk -t1 -c50 -d${DUR}s --latency against every proxy, rounds interleaved
# (round loop outermost: A B C A B C ...). Per run: proxy CPU per request from /proc/stat (CPU1 busy jiffies ÷
# requests) and from the proxy's own utime+stime (÷ requests), req/s, p50, p99, errors, foreign CPU.
# Each measurement waits for a quiet machine first (wait_quiet) and is redone (at most MAX_REDOS times, within
# RETRY_BUDGET_S) when other people's processes used more than NOISY_MAX_PCT % of a CPU during it.

# wrk_once SCEN PROXY ROUND FILE OUTFILE -> one TSV row (without the trailing 'redos' column) on stdout
wrk_once() {
  local scen=$1 p=$2 round=$3 file=$4 f=$5 port pids s0 s1 j0 j1 t0 t1 rc line fr
  port=$(proxy_port "$p"); read -r -a pids <<< "$(proxy_pids "$p")"
  foreign_begin ka; s0=$(cpu_snapshot); j0=$(proc_jiffies "${pids[@]}"); t0=$(date +%s.%N)
  loadgen timeout --foreground $((DUR + 30)) wrk -t1 -c50 -d"${DUR}s" --latency "http://127.0.0.1:$port/$file" > "$f" 2>&1; rc=$?
  s1=$(cpu_snapshot); j1=$(proc_jiffies "${pids[@]}"); t1=$(date +%s.%N); fr=$(foreign_end ka)
  line=$(python3 "$TOOLS/parse_wrk.py" "$f")
  awk -v s="$scen" -v p="$p" -v r="$round" -v line="$line" -v rc="$rc" -v tck="$CLK_TCK" \
      -v b0="$(cpu_field "$s0" "$PROXY_CPU" busy)" -v b1="$(cpu_field "$s1" "$PROXY_CPU" busy)" \
      -v t0_="$(cpu_field "$s0" "$PROXY_CPU" total)" -v t1_="$(cpu_field "$s1" "$PROXY_CPU" total)" \
      -v st0="$(cpu_field "$s0" "$PROXY_CPU" steal)" -v st1="$(cpu_field "$s1" "$PROXY_CPU" steal)" \
      -v c0="$(cpu_field "$s0" "$LOADGEN_CPU" busy)" -v c1="$(cpu_field "$s1" "$LOADGEN_CPU" busy)" \
      -v ct0="$(cpu_field "$s0" "$LOADGEN_CPU" total)" -v ct1="$(cpu_field "$s1" "$LOADGEN_CPU" total)" \
      -v j0="$j0" -v j1="$j1" -v w0="$t0" -v w1="$t1" -v fr="$fr" 'BEGIN{
        split(line, a, "\t"); req=a[1]
        us1 = (req+0 > 0) ? sprintf("%.1f", (b1-b0)*1e6/tck/req) : "NA"
        usp = (req+0 > 0) ? sprintf("%.1f", (j1-j0)*1e6/tck/req) : "NA"
        printf "%s\t%s\t%s\t%s\t%s\t%s\t%.0f\t%.0f\t%.1f\t%.0f\t%s\t%.2f\t%s", s, p, r, line, us1, usp,
          100*(b1-b0)/(t1_-t0_), 100*(c1-c0)/(ct1-ct0), 100*(st1-st0)/(t1_-t0_), 100*((b1-b0)-(j1-j0))/(t1_-t0_),
          fr, w1-w0, rc }'
}

keepalive_scenario() {
  local scen=$1 file=$2 raw="$RES/raw/$1" out="$RES/$1.tsv" p round f row redo fs wall np reqs rps p50 p99 serr non2xx rc
  mkdir -p "$raw"
  echo "$scen: taskset -c $LOADGEN_CPU wrk -t1 -c50 -d${DUR}s --latency http://127.0.0.1:PORT/$file" >> "$RES/commands.txt"
  start_backends; for p in $PROXIES; do start_proxy "$p" default; done
  [ -s "$out" ] || printf "scenario\tproxy\tround\trequests\treq_s\tp50_ms\tp99_ms\tsocket_errors\tnon2xx\tcpu1_us_per_req\tproc_us_per_req\tcpu1_busy_pct\tcpu0_busy_pct\tcpu1_steal_pct\tcpu1_not_proxy_pct\tforeign_cpu_s\tforeign_top\twall_s\twrk_rc\tredos\n" > "$out"
  for p in $PROXIES; do   # warm-up per proxy at this size, not recorded (the anchors' 2 s)
    loadgen timeout --foreground 30 wrk -t1 -c50 -d2s "http://127.0.0.1:$(proxy_port "$p")/$file" > /dev/null 2>&1
  done
  for round in $(seq 1 "$ROUNDS"); do
    for p in $PROXIES; do
      f="$raw/${p}_$round.txt"; redo=0
      while :; do
        wait_quiet
        [ "$p" = sluice ] && sluice_stats > "$raw/${p}_${round}.stats-before.json"
        row=$(wrk_once "$scen" "$p" "$round" "$file" "$f")
        [ "$p" = sluice ] && sluice_stats > "$raw/${p}_${round}.stats-after.json"
        fs=$(echo "$row" | cut -f16); wall=$(echo "$row" | cut -f18); np=$(echo "$row" | cut -f15)
        if noisy "$fs" "$wall" "$np" && [ "$redo" -lt "$MAX_REDOS" ] && take_retry $((DUR + 3)); then
          redo=$((redo + 1)); mv "$f" "$f.noisy$redo"
          log "$scen $p round $round: ${fs} CPU-s of other processes seen, CPU1 ${np}% not the proxy; redo $redo"
          continue
        fi
        break
      done
      printf "%s\t%s\n" "$row" "$redo" | tee -a "$out" >&2
      read -r reqs rps p50 p99 serr non2xx < <(echo "$row" | cut -f4-9)
      rc=$(echo "$row" | cut -f19)
      if [ "$p" = sluice ] && { [ "$rc" != 0 ] || [ "$reqs" = NA ] || [ "${serr:-0}" != 0 ] || [ "${non2xx:-0}" != 0 ]; }; then
        log "Sluice misbehaved in $scen round $round (wrk rc=$rc, socket errors=$serr, non-2xx=$non2xx)"
        sluice_diag "$RES/diag/${scen}_$round"
      fi
    done
  done
}
