#!/usr/bin/env bash
# Scenario 2: keep-alive clients, 100 KiB responses: wrk -t1 -c50 -d${DUR}s --latency. -> $RES/wrk_100k.tsv
source "$(dirname "$0")/../lib/common.sh"; source "$BENCH_DIR/lib/keepalive.sh"
keepalive_scenario wrk_100k 100k
