package io.sluice.cache;

import java.util.List;
import java.util.Locale;

/**
 * What the cache needs of a GET or HEAD request: its key (host and target) and its header fields, for Vary,
 * Cache-Control, Authorization, Range and the client's own conditions.
 */
public final class CacheRequest {
    final String key;
    final boolean head;
    final List<Field> fields;
    final CacheControl control;
    private final boolean pragmaNoCache;

    /**
     * @param host   the host the request was routed on (case is ignored), or {@code ""}
     * @param target the request target as sent (path and query)
     * @param head   a HEAD request (answered from a stored GET response, but never stored itself)
     */
    public CacheRequest(String host, String target, boolean head, List<Field> fields) {
        this.key = key(host, target);
        this.head = head;
        this.fields = fields;
        String cc = Field.joined(fields, "cache-control");
        this.control = CacheControl.parse(cc);
        // Pragma: no-cache counts only without Cache-Control (RFC 9111 §5.4)
        String pragma = cc == null ? Field.joined(fields, "pragma") : null;
        this.pragmaNoCache = pragma != null && pragma.toLowerCase(Locale.ROOT).contains("no-cache");
    }

    /** The cache key of a request for {@code target} on {@code host}: one per URL. */
    public static String key(String host, String target) {
        return host.toLowerCase(Locale.ROOT) + ' ' + target;
    }

    public String key() {
        return key;
    }

    public boolean isHead() {
        return head;
    }

    /**
     * Why this request cannot be answered from, nor stored in, the cache, as an RFC 9211 {@code fwd} value; {@code
     * null} when it can. A Range request is passed through: the cache stores whole responses only.
     */
    public String bypass() {
        if (Field.first(fields, "range") != null) {
            return "bypass";
        }
        return null;
    }

    /** The client asked not to store the response (it may still be answered from what is stored). */
    boolean noStore() {
        return control.noStore;
    }

    /** The client wants nothing from the cache that the server did not confirm now. */
    boolean requiresValidation() {
        return control.noCache || pragmaNoCache || control.maxAge == 0;
    }

    /** The client takes only a stored response (RFC 9111 §5.2.1.7): a miss is a 504. */
    public boolean onlyIfCached() {
        return control.onlyIfCached;
    }

    boolean hasAuthorization() {
        return Field.first(fields, "authorization") != null;
    }

    /** The client sent a condition of its own: a 304 from the server is its answer, not the cache's. */
    boolean conditional() {
        return Field.first(fields, "if-none-match") != null || Field.first(fields, "if-modified-since") != null;
    }

    /** Whether {@code stored}, fresh, may answer this request, given the client's max-age and min-fresh. */
    boolean accepts(CachedResponse stored, long nowMillis) {
        if (requiresValidation() || !stored.fresh(nowMillis)) {
            return false;
        }
        long age = stored.ageSeconds(nowMillis);
        if (control.maxAge >= 0 && age > control.maxAge) {
            return false;
        }
        return control.minFresh < 0 || stored.freshnessLifetime - age >= control.minFresh;
    }

    /**
     * Whether the client's own condition holds for {@code stored}, so that it gets 304 Not Modified (RFC 9110 §13.1):
     * If-None-Match by weak comparison of entity tags, else If-Modified-Since against Last-Modified.
     */
    public boolean notModified(CachedResponse stored) {
        if (stored.status < 200 || stored.status >= 300) {
            return false; // conditions apply to a 2xx only (RFC 9110 §13.2.1): a stored 404 stays a 404
        }
        String ifNoneMatch = Field.joined(fields, "if-none-match");
        if (ifNoneMatch != null) {
            return stored.etag != null && EntityTags.matchesWeakly(ifNoneMatch, stored.etag);
        }
        long since = HttpDates.parse(Field.first(fields, "if-modified-since"));
        if (since == HttpDates.INVALID) {
            return false;
        }
        // without Last-Modified, the Date it was sent at (RFC 9111 §4.3.2)
        long modified = HttpDates.parse(stored.lastModified != null ? stored.lastModified
                : Field.first(stored.fields, "date"));
        return modified != HttpDates.INVALID && modified <= since;
    }

    /**
     * The value the request's {@code name} fields give, normalised for Vary (RFC 9111 §4.1); {@link #ABSENT} when
     * it has none, which matches only a request without it too (an empty field is not an absent one).
     */
    String varyValue(String name) {
        String v = Field.joined(fields, name);
        return v == null ? ABSENT : v.replaceAll("[ \t]*,[ \t]*", ",").trim();
    }

    /** The Vary value of an absent field: a NUL, which no field value can hold. */
    static final String ABSENT = "\0";
}
