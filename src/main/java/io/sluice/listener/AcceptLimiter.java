package io.sluice.listener;

import io.netty.channel.Channel;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Enforces a listener's {@code max_connections} by pausing accept (the listening socket stops being read, so
 * further clients wait in the kernel's backlog) and resuming it when a connection closes.
 */
public final class AcceptLimiter {
    private final int max;
    private final ListenerStats stats;
    private final AtomicBoolean paused = new AtomicBoolean();
    private volatile Channel acceptor;

    public AcceptLimiter(int max, ListenerStats stats) {
        this.max = max;
        this.stats = stats;
    }

    public void bind(Channel acceptor) {
        this.acceptor = acceptor;
    }

    public ListenerStats stats() {
        return stats;
    }

    /** A client connection was accepted (any thread). */
    public void accepted() {
        if (stats.opened() >= max && paused.compareAndSet(false, true)) {
            acceptor.config().setAutoRead(false);
            // a close may have slipped in between the count and the pause
            if (stats.connections() < max && paused.compareAndSet(true, false)) {
                acceptor.config().setAutoRead(true);
            }
        }
    }

    /** A client connection closed (any thread). */
    public void closed() {
        if (stats.closed() < max && paused.compareAndSet(true, false)) {
            acceptor.config().setAutoRead(true);
        }
    }
}
