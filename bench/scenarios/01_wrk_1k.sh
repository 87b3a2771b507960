#!/usr/bin/env bash
# Scenario 1: keep-alive clients, 1 KiB responses: wrk -t1 -c50 -d${DUR}s --latency. -> $RES/wrk_1k.tsv
source "$(dirname "$0")/../lib/common.sh"; source "$BENCH_DIR/lib/keepalive.sh"
keepalive_scenario wrk_1k 1k
