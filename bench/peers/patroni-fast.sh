# Patroni below the minimum it documents: ttl 5, loop_wait 1, retry_timeout 2 (loop_wait + 2 x retry_timeout
# = ttl, the rule its documentation gives). Patroni 3.0.2 does not enforce its documented minimum ttl of 20, so
# a user can run it this fast; otherwise as bench/peers/patroni.sh. Used by the part fast (bench/parts.sh).
# Sourced after bench/lib.sh.
source "$BENCH_DIR/peers/patroni.sh"
TOOL_FREEZE_MS=2500            # half of ttl 5
PATRONI_DCS="ttl: 5
loop_wait: 1
retry_timeout: 2
maximum_lag_on_failover: 16777216"
PATRONI_DCS_MD="These are below the minimum Patroni documents (\`ttl\` ≥ 20, \`retry_timeout\` ≥ 3);
Patroni 3.0.2 does not enforce that minimum, so a user can run them; they keep the rule its
documentation gives (\`loop_wait + 2 × retry_timeout ≤ ttl\`)."
