package io.sluice.config;

/** How a cluster picks a server. */
public enum Balance {
    /** Smooth weighted round robin: weights respected exactly over each cycle. */
    ROUND_ROBIN,
    /** Power of two choices on outstanding requests (counted over all event loops), divided by weight. */
    LEAST_REQUEST,
    /**
     * A ring of server points keyed by {@link HashOn}: the same key reaches the same server. Slow start does not
     * apply (a changing weight would move keys).
     */
    CONSISTENT_HASH,
    /** Weighted random (by effective weight, so slow start applies). */
    RANDOM
}
