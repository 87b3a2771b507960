package io.sluice.buffer;

import io.sluice.config.BuffersConfig;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes all buffering exchanges together may hold in memory ({@code buffers.memory_budget}), shared by every
 * event loop. When it is short, each holder gets a fair share: at most {@code budget / holders} (and never more
 * than {@code buffers.exchange_memory}, never less than {@link #MIN_SHARE}); a holder past its share spills to
 * disk or stops reading its server, so the budget is never exceeded and nothing waits without bound.
 */
public final class BufferBudget {
    /** A holder may always keep this much, so that a crowd of holders still makes progress. */
    static final int MIN_SHARE = 64 * 1024;

    private final long total;
    private final int perHolder;
    private final AtomicLong used = new AtomicLong();
    private final AtomicInteger holders = new AtomicInteger();

    public BufferBudget(BuffersConfig config) {
        this.total = config.memoryBudget();
        this.perHolder = config.exchangeMemory();
    }

    /** Counts a new holder (an exchange that starts holding bytes); pair with {@link #leave}. */
    public void join() {
        holders.incrementAndGet();
    }

    public void leave() {
        holders.decrementAndGet();
    }

    /**
     * Reserves {@code n} more bytes for a holder that has {@code held} already, if its fair share and the budget
     * allow.
     */
    public boolean tryReserve(long held, int n) {
        long share = Math.min(perHolder, Math.max(MIN_SHARE, total / Math.max(1, holders.get())));
        if (held + n > share) {
            return false;
        }
        for (;;) {
            long u = used.get();
            if (u + n > total) {
                return false;
            }
            if (used.compareAndSet(u, u + n)) {
                return true;
            }
        }
    }

    /** Counts {@code n} bytes a holder keeps beyond its share (one read at most: its source then pauses). */
    void force(long n) {
        used.addAndGet(n);
    }

    public void release(long n) {
        used.addAndGet(-n);
    }

    /** Bytes held in memory now, over all holders. */
    public long used() {
        return used.get();
    }

    public long total() {
        return total;
    }

    public int holders() {
        return holders.get();
    }
}
