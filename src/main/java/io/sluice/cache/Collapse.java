package io.sluice.cache;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * One request fetching a URL from the server while other requests for it wait (request collapsing): when the fetch
 * ends, stored or not, every waiter is woken on its own event loop, to look in the cache again. Shared by the loops.
 */
public final class Collapse {
    private final ResponseCache cache;
    final String key;
    /** Guarded by {@code this}; {@code null} once ended. */
    private List<Waiter> waiters = new ArrayList<>();
    /** The fetch ended because its own client left, before its response was known: worth one more collapse. */
    private volatile boolean leaderLeft;

    private record Waiter(Executor loop, Runnable wake) {
    }

    Collapse(ResponseCache cache, String key) {
        this.cache = cache;
        this.key = key;
    }

    /** @return whether {@code wake} will run on {@code loop} when the fetch ends; false: it ended already */
    synchronized boolean await(Executor loop, Runnable wake) {
        if (waiters == null) {
            return false;
        }
        waiters.add(new Waiter(loop, wake));
        return true;
    }

    /**
     * Whether the fetch ended because its client left before the response's cacheability was known: a woken
     * request may then wait for another fetch rather than every one going to the server.
     */
    public boolean leaderLeft() {
        return leaderLeft;
    }

    /** Whether the fetch ended (else a waiter woken now was woken by its lock_timeout). */
    public synchronized boolean ended() {
        return waiters == null;
    }

    /**
     * The fetch ended: later requests for the URL no longer wait for it, and those waiting are woken.
     *
     * @param clientLeft it ended because its client left before the response's cacheability was known
     */
    void end(boolean clientLeft) {
        List<Waiter> woken;
        synchronized (this) {
            if (waiters == null) {
                return;
            }
            leaderLeft = clientLeft;
            woken = waiters;
            waiters = null;
        }
        cache.ended(key, this);
        for (Waiter w : woken) {
            try {
                w.loop.execute(w.wake);
            } catch (RejectedExecutionException e) {
                // the loop is shutting down, and its connection with it
            }
        }
    }
}
