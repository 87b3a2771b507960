package io.sluice.pool;

import io.netty.util.concurrent.ScheduledFuture;
import io.sluice.tcp.ProxiedConnection;

/** A lease waiting for a connection; {@link #cancel()} withdraws it (the client went away). */
public final class PendingLease {
    final ServerPool pool;
    final LeaseCallback callback;
    /** Wants a connection opened for it, never a pooled one (a retry after a stale pooled connection). */
    final boolean fresh;
    /** The client, for a server that gets PROXY headers; else {@code null}. */
    final ProxiedConnection client;
    /** A connection is being opened on behalf of this lease. */
    boolean connecting;
    boolean done;
    ScheduledFuture<?> timeout;

    PendingLease(ServerPool pool, LeaseCallback callback, boolean fresh, ProxiedConnection client) {
        this.pool = pool;
        this.callback = callback;
        this.fresh = fresh;
        this.client = client;
    }

    /** Withdraws the lease if it is still waiting; the callback is then never called. Call on the pool's loop. */
    public void cancel() {
        pool.cancel(this);
    }
}
