package io.sluice.pool;

import io.netty.channel.Channel;
import io.sluice.cluster.CloseReason;
import io.sluice.cluster.Server;
import io.sluice.tcp.ProxiedConnection;

import java.net.InetAddress;

/**
 * A server connection owned by one event loop's pool. Its life is one state machine: CONNECTING → (IDLE ⇄ LEASED)
 * → CLOSED, changed only by the pool. A leased connection goes back with exactly one {@link #release()} or
 * {@link #close(CloseReason)}; both are idempotent once the connection is closed.
 */
public final class PooledConnection {
    /** Where a connection is in its life. */
    public enum State { CONNECTING, IDLE, LEASED, CLOSED }

    final ServerPool pool;
    Channel channel;
    State state = State.CONNECTING;
    /** Exchanges this connection carried, the current one included. */
    int uses;
    long idleSinceNanos;
    /** When the connect began (System.nanoTime), then how long it took once connected. */
    long connectNanos;
    /** The lease this connection is being opened for, while CONNECTING. */
    PendingLease owner;
    /** The client address its PROXY header named, for a server that gets one; it serves only that client. */
    InetAddress clientAddress;
    /** The client whose PROXY header is still to be written, while CONNECTING. */
    ProxiedConnection proxyHeaderFor;
    private Object protocolState;

    PooledConnection(ServerPool pool) {
        this.pool = pool;
    }

    /** Attaches the protocol layer's per-connection state (its channel handler), once, before connecting. */
    public void attach(Object state) {
        protocolState = state;
    }

    /** What {@link #attach} attached. */
    @SuppressWarnings("unchecked")
    public <T> T attachment() {
        return (T) protocolState;
    }

    /** The client this connection belongs to, on a server whose connections are per client; else {@code null}. */
    public InetAddress clientAddress() {
        return clientAddress;
    }

    public Channel channel() {
        return channel;
    }

    public Server server() {
        return pool.server();
    }

    public State state() {
        return state;
    }

    /** How long opening the connection took (TCP connect; the PROXY header is written with the first request). */
    public long connectNanos() {
        return connectNanos;
    }

    /** Whether this lease got a connection that already carried an exchange (so it may have gone stale). */
    public boolean reused() {
        return uses > 1;
    }

    /** Returns a cleanly finished connection to the pool (or closes it if the pool does not want it). */
    public void release() {
        pool.release(this);
    }

    /** Closes the connection and counts {@code reason}, whatever its state. */
    public void close(CloseReason reason) {
        pool.close(this, reason);
    }

    /** Tells the pool the channel closed underneath it (the server or the network closed it). */
    public void channelClosed() {
        pool.close(this, CloseReason.SERVER_CLOSE);
    }
}
