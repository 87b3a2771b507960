#!/usr/bin/env bash
# Scenario 5: slow clients: $SLOW_N clients x GET /1m (Connection: close) read at ~100 KiB/s each
# (client SO_RCVBUF 64 KiB). Reported: backend connection-seconds held and max backend connections held (a backend
# connection is "held" while bytes of its response sit in the backend's send queue or the proxy's receive queue,
# sampled with `ss` ~every 0.1-0.3 s), and the proxy's RSS growth during the run.
# Variants (SLOW_VARIANTS, default "sndbuf64k"): the proxies' client-side SO_SNDBUF pinned to 64 KiB, as the
# anchors' run_sndbuf_variant.sh, so the kernel cannot absorb a whole 1 MiB response; "default" = kernel autotuning.
# Sluice runs the sndbuf64k variant only if `bin/sluice check` accepts listeners[].socket.send_buffer; until
# then it runs as is (default), and the table says so.
# Sluice also runs each variant a second time with `buffer_response: true` (variant "<v>-buffered": whole responses
# held in memory within a 64 MiB budget, then spill files in $RUN/spill; the server connection released when the
# response is complete), if `bin/sluice check` accepts it; SLOW_BUFFERED=0 turns that off. Its /stats is sampled
# during the run (buffers.memory_used / spilled_bytes / spill_files, servers' active connections).
# -> $RES/slow.jsonl
source "$(dirname "$0")/../lib/common.sh"
scen=slow; raw="$RES/raw/$scen"; out="$RES/$scen.jsonl"; N=${SLOW_N:-200}; RATE=${SLOW_RATE:-102400}
mkdir -p "$raw"; raise_nofile; start_backends
BUFFERED=no
[ "${SLOW_BUFFERED:-1}" = 1 ] && [ "$(cat "$RUN/conf/sluice-buffered.supported" 2>/dev/null)" = yes ] && BUFFERED=yes
echo "$scen: taskset -c $LOADGEN_CPU python3 bench/tools/slow_clients.py PORT $N $RATE   (variants: ${SLOW_VARIANTS:-sndbuf64k}; sluice send_buffer supported: $(cat "$RUN/conf/sluice-sndbuf.supported"); Sluice also with buffer_response: $BUFFERED; env PROXY_PIDS=proxy pids, SLUICE_STATS_PORT=$SLUICE_ADMIN_PORT for Sluice)" >> "$RES/commands.txt"
export BACKEND_PORTS
for v in ${SLOW_VARIANTS:-sndbuf64k}; do
  pairs=""
  for p in $PROXIES; do
    pv=$v
    [ "$p" = sluice ] && [ "$v" = sndbuf64k ] && [ "$(cat "$RUN/conf/sluice-sndbuf.supported")" != yes ] && pv=default
    # with both variants requested and no Sluice sndbuf support, run Sluice's default only once
    [ "$p" = sluice ] && [ "$pv" != "$v" ] && [[ " ${SLOW_VARIANTS:-sndbuf64k} " == *" default "* ]] && continue
    pairs="$pairs $p:$pv"
    [ "$p" = sluice ] && [ "$BUFFERED" = yes ] && pairs="$pairs $p:$pv-buffered"
  done
  for round in $(seq 1 "$ROUNDS"); do
    # Sluice's two variants are adjacent and swap order every other round, so that one of the two runs on the
    # process the round before left running (each restart costs a JIT warm-up)
    rp=$pairs
    if [ $((round % 2)) = 0 ]; then
      rp=""; sl=""
      for pp in $pairs; do case $pp in sluice:*) sl="$pp $sl" ;; *) rp="$rp $pp" ;; esac; done
      rp="$sl$rp"
    fi
    for pp in $rp; do
      p=${pp%%:*}; pv=${pp#*:}
      start_proxy "$p" "$pv"
      wait_quiet
      [ "$p" = sluice ] && sluice_stats > "$raw/${p}_${pv}_${round}.stats-before.json"
      foreign_begin slow
      r=$(PROXY_PIDS=$(proxy_pids_csv "$p") SLUICE_STATS_PORT=$([ "$p" = sluice ] && echo "$SLUICE_ADMIN_PORT") \
          loadgen timeout --foreground 120 python3 "$TOOLS/slow_clients.py" "$(proxy_port "$p")" "$N" "$RATE")
      read -r fs ft <<< "$(foreign_end slow)"
      [ -n "$r" ] || r='{"error": "slow_clients.py failed"}'
      if [ "$p" = sluice ]; then
        sluice_stats > "$raw/${p}_${pv}_${round}.stats-after.json"
        case $pv in *-buffered)   # spill files left behind after every client is done?
          f="$raw/${p}_${pv}_${round}.spill-dir-after.txt"
          # regular files at any depth (a Sluice may keep its spill files in a directory of its own under spill_dir)
          (cd "$(cat "$RUN/conf/sluice-spill-dir")" && find . -type f -printf '%s %P\n') > "$f" 2>&1
          [ -s "$f" ] && { log "Sluice: $(wc -l < "$f") spill file(s) left after round $round ($pv)"; sluice_diag "$RES/diag/${scen}_${pv}_${round}_spill"; } ;;
        esac
      fi
      echo "{\"scenario\":\"$scen\",\"proxy\":\"$p\",\"variant\":\"$pv\",\"round\":$round,\"foreign_cpu_s\":${fs:-null},\"result\":$r}" | tee -a "$out" | cut -c1-400 >&2
      if [ "$p" = sluice ] && ! python3 -c "import json,sys; sys.exit(0 if json.loads(sys.argv[1]).get('complete')==$N else 1)" "$r"; then
        log "Sluice: not all $N slow clients got the whole 1 MiB (round $round, $pv)"; sluice_diag "$RES/diag/${scen}_${pv}_$round"
      fi
    done
  done
done
