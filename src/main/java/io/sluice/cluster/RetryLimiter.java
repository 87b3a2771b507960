package io.sluice.cluster;

import io.sluice.config.RetryBudget;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * A cluster's retry budget, shared by all event loops: a retry may start while the retries in flight stay below
 * {@code ratio} of the requests in flight (the servers' {@link Server#inFlight()}), or below {@code min_retries}.
 * During an outage most requests fail, and without the budget each would add its retries to the load.
 */
public final class RetryLimiter {
    private final double ratio;
    private final int minRetries;
    private final List<Server> servers;
    private final AtomicInteger retriesInFlight = new AtomicInteger();
    private final LongAdder granted = new LongAdder();

    public RetryLimiter(RetryBudget budget, List<Server> servers) {
        this.ratio = budget.ratio();
        this.minRetries = budget.minRetries();
        this.servers = servers;
    }

    /** Takes a retry from the budget, or returns false when it is spent; a taken one is given back with {@link #retryEnded}. */
    public boolean tryStartRetry() {
        long active = 0;
        for (Server server : servers) {
            active += server.inFlight();
        }
        int allowed = Math.max(minRetries, (int) (ratio * active));
        for (;;) {
            int n = retriesInFlight.get();
            if (n >= allowed) {
                return false;
            }
            if (retriesInFlight.compareAndSet(n, n + 1)) {
                granted.increment();
                return true;
            }
        }
    }

    public void retryEnded() {
        retriesInFlight.decrementAndGet();
    }

    public int retriesInFlight() {
        return retriesInFlight.get();
    }

    /**
     * Retries taken from the budget since start. An exchange takes one however often it retries, so this counts
     * requests that were retried, not attempts.
     */
    public long retriesGranted() {
        return granted.sum();
    }
}
