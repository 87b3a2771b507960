package io.sluice.telemetry;

import io.sluice.config.HostPort;

import java.net.InetSocketAddress;

/**
 * What the access log says about one exchange (or one TCP session). Created only when the access log is on, filled
 * on the exchange's event loop as the exchange goes, then handed to {@link AccessLog#offer}: from then on only the
 * writer thread reads it, and nobody writes it (the queue's hand-over makes the writes visible). The fields are
 * plain so that filling them costs no call and no allocation; what needs formatting is formatted by the writer.
 */
public final class AccessRecord {
    /** Most bytes of a request target kept; a longer one is cut there. */
    public static final int MAX_TARGET = 2048;
    /** Most bytes of a Host value kept. */
    public static final int MAX_HOST = 256;
    /** Most bytes of a method name kept (an unknown method is copied as received). */
    public static final int MAX_METHOD = 32;

    /** Wall-clock time of the request's start, in milliseconds since the epoch. */
    public long startMillis;
    public String listener;
    /** The client's address and port (the one a PROXY header named, if any). */
    public InetSocketAddress client;
    /** {@code null}: the head was never parsed (TCP, or a head refused before). */
    public String method;
    /** The request target as received (at most {@link #MAX_TARGET} bytes), or {@code null}. */
    public byte[] target;
    /** The Host value as received (at most {@link #MAX_HOST} bytes), or {@code null}. */
    public byte[] host;
    /** {@code HTTP/1.1}, {@code HTTP/1.0}, {@code TCP}, or {@code null} when the head was never parsed. */
    public String protocol;
    /** The status sent to the client; 0 when none was. */
    public int status;
    public long bytesIn;
    public long bytesOut;
    /** The cluster the request was routed to, or {@code null}. */
    public String route;
    /** The server last tried, or {@code null}. */
    public HostPort server;
    /** The request went out on a server connection that had carried an exchange before. */
    public boolean reused;
    /** Tries after the first: another server, or a fresh connection after a stale pooled one. */
    public int retries;
    public long queueNanos;
    public long connectNanos;
    /** From the start to the first byte of the server's response; -1 when none came. */
    public long firstByteNanos = -1;
    public long totalNanos;
    /** Termination code, first letter ({@link Termination}). */
    public char endedBy = Termination.NONE;
    /** Termination code, second letter. */
    public char phase = Termination.NONE;
    /**
     * What the route's cache did: {@code hit}, {@code miss} (sent to the server), {@code revalidated} (a stored
     * response the server confirmed), {@code bypass} (passed through); {@code null} on a route without a cache.
     */
    public String cache;

    /**
     * Fills what every exchange has when it ends: when it started (from its length), its length, status, bytes and
     * route (the cluster's name, or {@code null} for none).
     */
    public void finish(long total, int answerStatus, long in, long out, String routeCluster) {
        startMillis = System.currentTimeMillis() - total / 1_000_000;
        totalNanos = total;
        status = answerStatus;
        bytesIn = in;
        bytesOut = out;
        route = routeCluster;
    }

    /** Sets the termination code; the last one set is the one logged. */
    public void ended(char by, char inPhase) {
        endedBy = by;
        phase = inPhase;
    }
}
