package io.sluice.telemetry;

/**
 * The two letters of a termination code, after HAProxy's termination state: the first says who or what ended the
 * exchange (or {@code -} for a normal end), the second in which phase it was then (or {@code -}). The table of every
 * way an exchange or a TCP session ends, with its code, is in docs/operations.md ("Close reasons").
 */
public final class Termination {
    /** Normal end (first letter), or no particular phase (second letter). */
    public static final char NONE = '-';
    /** The client closed or reset its connection. */
    public static final char CLIENT = 'C';
    /** A client-side timeout expired: request_header, body_idle, or (TCP) tunnel_idle / tunnel_max. */
    public static final char CLIENT_TIMEOUT = 'c';
    /** The server refused the connection, closed it, reset it or sent something that is not HTTP; or no server. */
    public static final char SERVER = 'S';
    /** A server-side timeout expired: connect, or timeouts.response. */
    public static final char SERVER_TIMEOUT = 's';
    /** Sluice refused the request (bad, oversized, unauthorized, over a rate) or its surge queue was full. */
    public static final char PROXY = 'P';
    /**
     * Sluice answered itself, as configured: no route (404, phase {@link #PHASE_REQUEST}); a route's respond or
     * redirect, or the listener's monitor_uri (phase {@link #NONE}: nothing went wrong).
     */
    public static final char LOCAL = 'L';
    /** A resource of Sluice ran out: the pool's waiting list for a server was full. */
    public static final char RESOURCE = 'R';
    /** Sluice was shutting down. */
    public static final char KILLED = 'K';

    /** Reading the request: its head, or a body buffered before a server is chosen. */
    public static final char PHASE_REQUEST = 'R';
    /** Waiting in the cluster's surge queue. */
    public static final char PHASE_QUEUE = 'Q';
    /** Waiting for a server connection: leasing one, or connecting. */
    public static final char PHASE_CONNECT = 'C';
    /** Request sent, waiting for the response head. */
    public static final char PHASE_HEADERS = 'H';
    /** Data: the request body streaming to the server, or the response body streaming to the client. */
    public static final char PHASE_DATA = 'D';
    /** The server was done; the held response (buffer_response, pipelining) was still going to the client. */
    public static final char PHASE_LAST = 'L';

    private Termination() {
    }
}
