#!/usr/bin/env bash
# Scenario 5: slow clients: $SLOW_N clients x GET /1m (Connection: close) read at ~100 KiB/s each
# (client SO_RCVBUF 64 KiB). Reported: backend connection-seconds held and max backend connections held (a backend
# connection is "held" while bytes of its response sit in the backend's send queue or the proxy's receive queue,
# sampled with `ss` ~every 0.1-0.3 s).
# Variants (SLOW_VARIANTS, default "sndbuf64k"): the proxies' client-side SO_SNDBUF pinned to 64 KiB, as the
# anchors' run_sndbuf_variant.sh, so the kernel cannot absorb a whole 1 MiB response; "default" = kernel autotuning.
# Sluice runs the sndbuf64k variant only if `bin/sluice check` accepts listeners[].socket.send_buffer; until
# then it runs as is (default), and the table says so.
# -> $RES/slow.jsonl
source "$(dirname "$0")/../lib/common.sh"
scen=slow; raw="$RES/raw/$scen"; out="$RES/$scen.jsonl"; N=${SLOW_N:-200}; RATE=${SLOW_RATE:-102400}
mkdir -p "$raw"; raise_nofile; start_backends
echo "$scen: taskset -c $LOADGEN_CPU python3 bench/tools/slow_clients.py PORT $N $RATE   (variants: ${SLOW_VARIANTS:-sndbuf64k}; sluice send_buffer supported: $(cat "$RUN/conf/sluice-sndbuf.supported"))" >> "$RES/commands.txt"
export BACKEND_PORTS
for v in ${SLOW_VARIANTS:-sndbuf64k}; do
  pairs=""
  for p in $PROXIES; do
    pv=$v
    [ "$p" = sluice ] && [ "$v" = sndbuf64k ] && [ "$(cat "$RUN/conf/sluice-sndbuf.supported")" != yes ] && pv=default
    # with both variants requested and no Sluice sndbuf support, run Sluice's default only once
    [ "$p" = sluice ] && [ "$pv" != "$v" ] && [[ " ${SLOW_VARIANTS:-sndbuf64k} " == *" default "* ]] && continue
    pairs="$pairs $p:$pv"
  done
  for round in $(seq 1 "$ROUNDS"); do
    for pp in $pairs; do
      p=${pp%%:*}; pv=${pp#*:}
      start_proxy "$p" "$pv"
      wait_quiet
      [ "$p" = sluice ] && sluice_stats > "$raw/${p}_${pv}_${round}.stats-before.json"
      foreign_begin slow
      r=$(loadgen timeout --foreground 120 python3 "$TOOLS/slow_clients.py" "$(proxy_port "$p")" "$N" "$RATE")
      read -r fs ft <<< "$(foreign_end slow)"
      [ -n "$r" ] || r='{"error": "slow_clients.py failed"}'
      [ "$p" = sluice ] && sluice_stats > "$raw/${p}_${pv}_${round}.stats-after.json"
      echo "{\"scenario\":\"$scen\",\"proxy\":\"$p\",\"variant\":\"$pv\",\"round\":$round,\"foreign_cpu_s\":${fs:-null},\"result\":$r}" | tee -a "$out" | cut -c1-400 >&2
      if [ "$p" = sluice ] && ! python3 -c "import json,sys; sys.exit(0 if json.loads(sys.argv[1]).get('complete')==$N else 1)" "$r"; then
        log "Sluice: not all $N slow clients got the whole 1 MiB (round $round)"; sluice_diag "$RES/diag/${scen}_${pv}_$round"
      fi
    done
  done
done
