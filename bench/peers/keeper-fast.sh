# keeper's 1 s profile: keepalive_time = 250ms, keepalive_count = 4 (a 1 s detection window) on both nodes, no
# third node; otherwise keeper's own runs (bench/peers/keeper.sh). Used by the part fast (bench/parts.sh).
# Sourced after bench/lib.sh.
source "$BENCH_DIR/peers/keeper.sh"
TOOL_FREEZE_MS=500             # half of keepalive_time 250ms x keepalive_count 4
KEEPER_SETTINGS="keepalive_time = 250ms
keepalive_count = 4"
