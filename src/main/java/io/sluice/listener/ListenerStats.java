package io.sluice.listener;

import io.sluice.telemetry.LatencyHistogram;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one listener, updated from every event loop. What each exchange adds is added once, when it ends
 * ({@link #exchangeEnded}); a TCP session adds its bytes when it ends ({@link #sessionEnded}).
 */
public final class ListenerStats {
    /** Status classes 1xx to 5xx. */
    public static final int STATUS_CLASSES = 5;

    private final AtomicInteger open = new AtomicInteger();
    private final LongAdder accepted = new LongAdder();
    private final LongAdder requests = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final LongAdder denied = new LongAdder();
    private final LongAdder clientLimited = new LongAdder();
    private final LongAdder rateLimited = new LongAdder();
    private final LongAdder[] responses = adders(STATUS_CLASSES);
    private final LongAdder bytesIn = new LongAdder();
    private final LongAdder bytesOut = new LongAdder();
    private final LatencyHistogram latency = new LatencyHistogram();
    private final LongAdder[] closes = adders(ClientCloseReason.values().length);
    /** The routes of an HTTP listener, in table order; set when its route table is built. */
    private volatile List<RouteStats> routes = List.of();

    private static LongAdder[] adders(int n) {
        LongAdder[] a = new LongAdder[n];
        for (int i = 0; i < n; i++) {
            a[i] = new LongAdder();
        }
        return a;
    }

    /** Counts an accepted connection and returns how many are open now. */
    public int opened() {
        accepted.increment();
        return open.incrementAndGet();
    }

    /** Counts a closed connection and returns how many are open now. */
    public int closed() {
        return open.decrementAndGet();
    }

    /** Counts a connection closed at accept because the listener was at {@code max_connections}. */
    public void refused() {
        refused.increment();
    }

    public long refusedCount() {
        return refused.sum();
    }

    /** Counts a connection refused by the screen's allowed and denied address blocks. */
    public void denied() {
        denied.increment();
    }

    /** Counts a connection refused as over its client's connection limit or connection rate. */
    public void clientLimited() {
        clientLimited.increment();
    }

    /** Counts a request answered 429, over its client's or its route's request rate. */
    public void rateLimited() {
        rateLimited.increment();
    }

    public long deniedCount() {
        return denied.sum();
    }

    public long clientLimitedCount() {
        return clientLimited.sum();
    }

    public long rateLimitedCount() {
        return rateLimited.sum();
    }

    public void countRequest() {
        requests.increment();
    }

    public int connections() {
        return open.get();
    }

    public long accepted() {
        return accepted.sum();
    }

    public long requests() {
        return requests.sum();
    }

    /**
     * Counts an HTTP exchange that ended: its status's class (none for 0, no response, or a status outside
     * 100..599), the request and response bytes it moved on the client connection, and its duration from the
     * request's start to its end.
     */
    public void exchangeEnded(int status, long requestBytes, long responseBytes, long totalNanos) {
        int statusClass = status / 100;
        if (statusClass >= 1 && statusClass <= STATUS_CLASSES) {
            responses[statusClass - 1].increment();
        }
        bytesIn.add(requestBytes);
        bytesOut.add(responseBytes);
        latency.record(totalNanos);
    }

    /** Counts the bytes of a TCP session that ended: from the client, and to it. */
    public void sessionEnded(long fromClient, long toClient) {
        bytesIn.add(fromClient);
        bytesOut.add(toClient);
    }

    /** Responses of class {@code n}xx ({@code n} 1 to 5). */
    public long responses(int n) {
        return responses[n - 1].sum();
    }

    /** Bytes received from clients: requests (heads and bodies) or, on TCP, everything. */
    public long bytesIn() {
        return bytesIn.sum();
    }

    /** Bytes sent to clients: responses (heads and bodies) or, on TCP, everything. */
    public long bytesOut() {
        return bytesOut.sum();
    }

    /** Durations of exchanges, from the request's start to the end of the exchange. */
    public LatencyHistogram latency() {
        return latency;
    }

    /**
     * Counts a client connection that closed. Each accepted connection is counted once, by its handler when the
     * channel closes, with the reason decided when the close began (the first decided wins); call this directly
     * only for a connection no handler counts.
     */
    public void countClose(ClientCloseReason reason) {
        closes[reason.ordinal()].increment();
    }

    public long closes(ClientCloseReason reason) {
        return closes[reason.ordinal()].sum();
    }

    /** Sets the counters of the listener's routes, in table order. */
    public void routes(List<RouteStats> table) {
        routes = List.copyOf(table);
    }

    public List<RouteStats> routes() {
        return routes;
    }
}
