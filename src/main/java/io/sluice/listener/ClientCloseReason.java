package io.sluice.listener;

import java.util.Locale;

/**
 * Why a client connection closed; every close of an accepted connection is counted once, by reason, per listener
 * ({@link ListenerStats#countClose}). The table of what leads to each is in docs/operations.md ("Close reasons").
 */
public enum ClientCloseReason {
    /** Idle between requests for {@code timeouts.keepalive_idle}. */
    IDLE_TIMEOUT,
    /**
     * The client was too slow: no complete head within {@code timeouts.request_header} (a new connection that sent
     * nothing included), or a body or a response not moving for {@code timeouts.body_idle}.
     */
    REQUEST_TIMEOUT,
    /**
     * The client closed between requests, asked for the close ({@code Connection: close}, HTTP/1.0), or half-closed
     * after its requests.
     */
    CLIENT_CLOSE,
    /** The client closed in the middle of a request or an exchange. */
    CLIENT_ABORT,
    /** The connection failed with a transport error (a reset, a broken pipe). */
    RESET,
    /** Sluice answered 4xx and closed: a malformed, oversized or refused request, or a bad PROXY header. */
    PROTOCOL_ERROR,
    /** The connection carried {@code limits.requests_per_connection} requests. */
    MAX_REQUESTS,
    /**
     * The server's response made the close necessary: its body ended at the server's close (and could not be given a
     * length), or it came before the whole request was read; on a TCP listener or a tunnel, the server closed first.
     */
    SERVER_CLOSE,
    /**
     * The server failed: a 5xx of Sluice's that closes, or a response cut off midway; on a TCP listener, no server
     * could be reached, or the server's connection was reset.
     */
    SERVER_ERROR,
    /** A TCP session or a tunnel (WebSocket) was idle for {@code tunnel_idle} or lasted {@code tunnel_max}. */
    TUNNEL_TIMEOUT,
    /** Sluice is shutting down. */
    SHUTDOWN,
    /** A reload retired the listener's old configuration. */
    RELOAD;

    /** The snake_case name used in /stats. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
