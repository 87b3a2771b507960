package io.sluice.cache;

/**
 * What the cache makes of a request: answer it with a stored response, fetch it from the server (storing the
 * answer if it may), wait for another request's fetch of the same URL, or pass it through untouched.
 */
public final class CacheDecision {
    public enum Kind {
        /** {@link #stored} answers the request. */
        HIT,
        /** The request goes to the server; {@link #fill} stores the answer. */
        FETCH,
        /** Another request fetches the URL; the request waits to be woken (request collapsing). */
        WAIT,
        /** The request goes to the server and its answer is not stored ({@link #cacheStatus} says why). */
        PASS,
        /** Nothing stored answers an {@code only-if-cached} request: 504 (RFC 9111 §5.2.1.7). */
        UNAVAILABLE
    }

    static final CacheDecision UNAVAILABLE = new CacheDecision(Kind.UNAVAILABLE, null, null, null, null);

    public final Kind kind;
    public final CachedResponse stored;
    public final CacheFill fill;
    /** The Cache-Status value of a passed request's response. */
    public final String cacheStatus;
    /** The fetch a waiting request waits for. */
    public final Collapse collapse;

    private CacheDecision(Kind kind, CachedResponse stored, CacheFill fill, String cacheStatus, Collapse collapse) {
        this.kind = kind;
        this.stored = stored;
        this.fill = fill;
        this.cacheStatus = cacheStatus;
        this.collapse = collapse;
    }

    static CacheDecision waitFor(Collapse collapse) {
        return new CacheDecision(Kind.WAIT, null, null, null, collapse);
    }

    static CacheDecision hit(CachedResponse stored) {
        return new CacheDecision(Kind.HIT, stored, null, null, null);
    }

    static CacheDecision fetch(CacheFill fill) {
        return new CacheDecision(Kind.FETCH, null, fill, null, null);
    }

    static CacheDecision pass(String forward) {
        return new CacheDecision(Kind.PASS, null, null, "sluice; fwd=" + forward, null);
    }
}
