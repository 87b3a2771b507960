package io.sluice.pool;

import io.netty.channel.ChannelFuture;

/**
 * Opens server connections for a pool. The protocol layer implements it so that each new channel carries its
 * handler, which knows the {@link PooledConnection} it belongs to; the pool itself knows nothing of HTTP.
 */
public interface Connector {
    /** Starts connecting {@code connection}'s channel on the pool's event loop. */
    ChannelFuture connect(PooledConnection connection);
}
