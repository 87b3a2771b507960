package io.sluice;

import io.sluice.config.SluiceConfig;

import java.net.InetSocketAddress;

/** A running Sluice: event loops, listeners, pools and the admin listener of one configuration. */
public final class Sluice implements AutoCloseable {
    /** Binds every listener of {@code config} and starts serving; fails if a listener cannot bind. */
    public static Sluice start(SluiceConfig config) {
        throw new UnsupportedOperationException("TODO");
    }

    /** The bound address of the named listener (the real port when the config said port 0). */
    public InetSocketAddress listenerAddress(String name) {
        throw new UnsupportedOperationException("TODO");
    }

    /** The bound admin address, or {@code null} when the config has no admin listener. */
    public InetSocketAddress adminAddress() {
        throw new UnsupportedOperationException("TODO");
    }

    /** Server connections currently leased to exchanges, over all event loops and servers. */
    public long outstandingLeases() {
        throw new UnsupportedOperationException("TODO");
    }

    /** Closes listeners and connections and stops the event loops; waits until they have stopped. */
    @Override
    public void close() {
        throw new UnsupportedOperationException("TODO");
    }
}
