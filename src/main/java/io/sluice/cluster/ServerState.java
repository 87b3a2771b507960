package io.sluice.cluster;

import java.util.Locale;

/** A server's state as /stats shows it: the first that applies of disabled, draining, down, ejected, up. */
public enum ServerState {
    /** Takes requests. */
    UP,
    /** Failed its active health checks ({@code fall} in a row); back after {@code rise} passed ones. */
    DOWN,
    /** Failed too many requests in a row (passive check); back when a health check passes after the ejection. */
    EJECTED,
    /** Set by the admin: no new requests, requests in flight finish. */
    DRAINING,
    /**
     * Set by the admin: no new requests, requests in flight finish (like {@link #DRAINING}; the two differ in what
     * the operator means: taken out for maintenance rather than on its way out).
     */
    DISABLED;

    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
