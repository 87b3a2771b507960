package io.sluice.listener;

/** What a listener remembers of one client (an IPv4 address, or an IPv6 /64): open connections and rates. */
public final class ClientState {
    final ClientTable.Key key;
    /** Guarded by the client's stripe of the table. */
    int connections;
    final TokenBucket connectRate;
    private final TokenBucket requestRate;

    ClientState(ClientTable.Key key, TokenBucket connectRate, TokenBucket requestRate) {
        this.key = key;
        this.connectRate = connectRate;
        this.requestRate = requestRate;
    }

    /**
     * Takes a request token at {@code nowNanos}.
     *
     * @return 0 when the client may send this request; otherwise the nanoseconds until it may
     */
    public long takeRequest(long nowNanos) {
        return requestRate == null ? 0 : requestRate.take(nowNanos);
    }

    /** Whether requests of this client are rate limited. */
    public boolean limitsRequests() {
        return requestRate != null;
    }
}
