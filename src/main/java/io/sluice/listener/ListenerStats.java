package io.sluice.listener;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** Counters of one listener, updated from every event loop. */
public final class ListenerStats {
    private final AtomicInteger open = new AtomicInteger();
    private final LongAdder accepted = new LongAdder();
    private final LongAdder requests = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final LongAdder denied = new LongAdder();
    private final LongAdder clientLimited = new LongAdder();
    private final LongAdder rateLimited = new LongAdder();

    /** Counts an accepted connection and returns how many are open now. */
    public int opened() {
        accepted.increment();
        return open.incrementAndGet();
    }

    /** Counts a closed connection and returns how many are open now. */
    public int closed() {
        return open.decrementAndGet();
    }

    /** Counts a connection closed at accept because the listener was at {@code max_connections}. */
    public void refused() {
        refused.increment();
    }

    public long refusedCount() {
        return refused.sum();
    }

    /** Counts a connection refused by the screen's allowed and denied address blocks. */
    public void denied() {
        denied.increment();
    }

    /** Counts a connection refused as over its client's connection limit or connection rate. */
    public void clientLimited() {
        clientLimited.increment();
    }

    /** Counts a request answered 429, over its client's or its route's request rate. */
    public void rateLimited() {
        rateLimited.increment();
    }

    public long deniedCount() {
        return denied.sum();
    }

    public long clientLimitedCount() {
        return clientLimited.sum();
    }

    public long rateLimitedCount() {
        return rateLimited.sum();
    }

    public void countRequest() {
        requests.increment();
    }

    public int connections() {
        return open.get();
    }

    public long accepted() {
        return accepted.sum();
    }

    public long requests() {
        return requests.sum();
    }
}
