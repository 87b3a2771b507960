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
    private final String key;
    /** Guarded by {@code this}; {@code null} once ended. */
    private List<Waiter> waiters = new ArrayList<>();

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

    /** The fetch ended: later requests for the URL no longer wait for it, and those waiting are woken. */
    void end() {
        List<Waiter> woken;
        synchronized (this) {
            if (waiters == null) {
                return;
            }
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
