#!/usr/bin/env bash
# Scenario 4: $IDLE_N idle keep-alive client connections (one GET /1k each, response read, then held $IDLE_HOLD s).
# Fresh proxy per round (a used proxy keeps pools and arenas). Per proxy:
#   RSS delta (VmRSS before/after; nginx = master + worker) ÷ connections, as the anchors;
#   Sluice also: live-heap delta ÷ connections, from `jcmd PID GC.class_histogram` totals before/after (each forces
#   a full GC, so only live objects count), taken while the connections are still open.
# A fresh Sluice gets its JIT warm-up (like every Sluice start); HAProxy and nginx start cold, as in the anchors.
# -> $RES/idle.jsonl
source "$(dirname "$0")/../lib/common.sh"
scen=idle; raw="$RES/raw/$scen"; out="$RES/$scen.jsonl"; N=${IDLE_N:-10000}; HOLD=${IDLE_HOLD:-3}
mkdir -p "$raw"; raise_nofile; start_backends
echo "$scen: taskset -c $LOADGEN_CPU python3 bench/tools/idle_conns.py PORT PIDS $N $HOLD   (fresh proxy per round; Sluice: jcmd PID GC.class_histogram before/after via IDLE_HOOK_BEFORE/AFTER)" >> "$RES/commands.txt"
histo_total() { awk '/^Total/{print $3}' "$1"; }   # "Total  instances  bytes"
for round in $(seq 1 "$ROUNDS"); do
  for p in $PROXIES; do
    stop_proxy "$p"; start_proxy "$p" default
    # let a fresh JVM settle after its warm-up (C2 queue drains, compiler arenas are freed), else the non-heap RSS
    # falls during the measurement (seen: -400 to -900 B per connection with a 0.5 s pause)
    if [ "$p" = sluice ]; then sleep "${IDLE_SETTLE_S:-5}"; else sleep 0.5; fi
    port=$(proxy_port "$p"); pids=$(proxy_pids_csv "$p")
    hb=""; ha=""
    if [ "$p" = sluice ]; then
      jc="$(dirname "$(readlink -f "/proc/$pids/exe")")/jcmd"
      hb="taskset -c $LOADGEN_CPU $jc $pids GC.class_histogram > $raw/sluice_${round}.histo-before.txt 2>&1"
      ha="taskset -c $LOADGEN_CPU $jc $pids GC.class_histogram > $raw/sluice_${round}.histo-after.txt 2>&1"
    fi
    r=$(IDLE_HOOK_BEFORE="$hb" IDLE_HOOK_AFTER="$ha" loadgen timeout --foreground 400 python3 "$TOOLS/idle_conns.py" "$port" "$pids" "$N" "$HOLD")
    [ -n "$r" ] || r='{"error": "idle_conns.py failed"}'
    heap=""
    if [ "$p" = sluice ]; then
      sluice_stats > "$raw/sluice_${round}.stats.json"
      h0=$(histo_total "$raw/sluice_${round}.histo-before.txt"); h1=$(histo_total "$raw/sluice_${round}.histo-after.txt")
      nopen=$(python3 -c "import json,sys; print(json.loads(sys.argv[1]).get('n_open',0))" "$r")
      if [ -n "$h0" ] && [ -n "$h1" ] && [ "$nopen" -gt 0 ]; then
        heap=",\"live_heap_before_bytes\":$h0,\"live_heap_after_bytes\":$h1,\"live_heap_bytes_per_conn\":$(( (h1 - h0) / nopen ))"
      else
        log "Sluice idle round $round: no class histogram (see $raw/sluice_${round}.histo-*.txt)"; sluice_diag "$RES/diag/${scen}_$round"
      fi
      [ -n "$h0" ] && [ -n "$h1" ] && [ "$nopen" -gt 0 ] && python3 "$TOOLS/histo_diff.py" \
        "$raw/sluice_${round}.histo-before.txt" "$raw/sluice_${round}.histo-after.txt" "$nopen" 25 > "$raw/sluice_${round}.histo-diff.md"
      # keep the files small: the 40 biggest classes + the total
      for f in "$raw"/sluice_"$round".histo-*.txt; do { head -n 43 "$f"; grep '^Total' "$f"; } > "$f.tmp" && mv "$f.tmp" "$f"; done
    fi
    echo "{\"scenario\":\"$scen\",\"proxy\":\"$p\",\"round\":$round,\"result\":$r$heap}" | tee -a "$out" | cut -c1-300 >&2
    python3 -c "import json,sys; r=json.loads(sys.argv[1]); sys.exit(0 if r.get('n_open')==$N and r.get('closed_by_proxy')==0 else 1)" "$r" \
      || { log "$p: not all $N idle connections stayed open: $(echo "$r" | cut -c1-200)"; [ "$p" = sluice ] && sluice_diag "$RES/diag/${scen}_$round"; }
  done
done
# leave fresh proxies behind (a later scenario would otherwise run on processes that held 10,000 connections)
for p in $PROXIES; do stop_proxy "$p"; done
