package io.sluice.cluster;

import java.util.Locale;

/** Why a server connection was closed; every close is counted by reason, per server. */
public enum CloseReason {
    /** Idle in the pool longer than {@code pool.idle_timeout}. */
    IDLE_TIMEOUT,
    /** The server closed it, or said {@code Connection: close}, or ended a response by closing. */
    SERVER_CLOSE,
    /** A transport error, or a server that broke the protocol. */
    ERROR,
    /** The client went away while the exchange could not be finished cleanly. */
    CLIENT_ABORT,
    /** The server sent bytes nobody asked for (while idle, or after a response). */
    UNEXPECTED_DATA,
    /** Closed to give its slot of {@code max_connections} to an event loop that had none. */
    REBALANCE,
    /** No response within {@code timeouts.response}. */
    RESPONSE_TIMEOUT,
    /** The server answered before the whole request was sent, so the connection's state is unknown. */
    EARLY_RESPONSE,
    /** The pool already held {@code pool.max_idle} idle connections. */
    POOL_FULL,
    /** Closed to open one for another client: servers that get PROXY headers have a connection per client. */
    OTHER_CLIENT,
    /** An upgraded connection (a WebSocket tunnel) ended. */
    TUNNEL_END,
    /** A reload removed or changed the server's cluster: its pools keep no idle connection. */
    RELOAD,
    /** Sluice is shutting down. */
    SHUTDOWN,
    /** The client ended a TCP session (closed, or reset): the server connection closes with it. */
    CLIENT_CLOSE,
    /** A TCP session was idle for {@code tunnel_idle} or lasted {@code tunnel_max}. */
    TUNNEL_TIMEOUT;

    /** The snake_case name used in /stats. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
