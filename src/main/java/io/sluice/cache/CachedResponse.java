package io.sluice.cache;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A stored response (immutable): status, end-to-end header fields, body, and what RFC 9111 §4.2 needs to tell its
 * age and freshness. Its body is in memory, or in a file of the disk tier.
 */
public final class CachedResponse {
    /** Statuses a cache understands well enough to store (RFC 9110 §15.1's heuristically cacheable ones, 302, 307). */
    private static final Set<Integer> STORABLE_STATUSES = Set.of(200, 203, 204, 300, 301, 302, 307, 308, 404, 405,
            410, 414, 501);
    /** Fields never stored: hop-by-hop (RFC 9110 §7.6.1) and framing, which each answer gets anew. */
    private static final Set<String> NOT_STORED = Set.of("connection", "keep-alive", "proxy-connection", "te",
            "trailer", "transfer-encoding", "upgrade", "content-length", "age", "proxy-authenticate",
            "proxy-authentication-info");
    /** Bytes counted per entry besides its fields and body: the objects holding them. */
    private static final int OVERHEAD = 256;

    public final int status;
    public final String reason;
    /** End-to-end fields as the server sent them, without {@link #NOT_STORED}. */
    public final List<Field> fields;
    /** The body in memory, or {@code null} when it is in {@link #file}. */
    public final byte[] body;
    /** The body's file in the disk tier, or {@code null}. */
    public final Path file;
    public final long bodyLength;
    /**
     * How an answer made from it begins, ISO-8859-1: status line, stored fields and (but for a 204) Content-Length;
     * rendered once, as every hit sends the same bytes there.
     */
    public final byte[] head;
    /** When the response was received (System.currentTimeMillis). */
    final long responseTime;
    final long correctedInitialAge;
    final long freshnessLifetime;
    final String etag;
    final String lastModified;
    /** Every use needs the server's confirmation first (no-cache). */
    final boolean noCache;
    /** Lower-case names of the request fields the response varies on. */
    final List<String> varyNames;
    /** The storing request's values of {@link #varyNames}. */
    final List<String> varyValues;

    private CachedResponse(int status, String reason, List<Field> fields, byte[] body, Path file, long bodyLength,
                           long responseTime, long correctedInitialAge, List<String> varyNames,
                           List<String> varyValues) {
        this.status = status;
        this.reason = reason;
        this.fields = List.copyOf(fields);
        this.body = body;
        this.file = file;
        this.bodyLength = bodyLength;
        this.responseTime = responseTime;
        this.correctedInitialAge = correctedInitialAge;
        this.varyNames = varyNames;
        this.varyValues = varyValues;
        CacheControl cc = CacheControl.parse(Field.joined(fields, "cache-control"));
        this.freshnessLifetime = freshnessLifetime(cc, fields, responseTime);
        this.noCache = cc.noCache;
        this.etag = Field.first(fields, "etag");
        this.lastModified = Field.first(fields, "last-modified");
        this.head = render(status, reason, this.fields, bodyLength);
    }

    private static byte[] render(int status, String reason, List<Field> fields, long bodyLength) {
        StringBuilder sb = new StringBuilder(256);
        sb.append("HTTP/1.1 ").append(status).append(' ').append(reason).append("\r\n");
        for (Field f : fields) {
            sb.append(f.name()).append(": ").append(f.value()).append("\r\n");
        }
        if (status != 204) {
            sb.append("Content-Length: ").append(bodyLength).append("\r\n");
        }
        return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * Why a shared cache must not store this response to {@code request} (RFC 9111 §3), or {@code null} when it may.
     * Choices beyond the RFC: no response with Set-Cookie is stored (as nginx and HAProxy), and a response that would
     * be stale at once with nothing to revalidate it by is not worth storing (no heuristic freshness).
     */
    static String refusal(CacheRequest request, int status, List<Field> fields) {
        if (!STORABLE_STATUSES.contains(status)) {
            return "status";
        }
        CacheControl cc = CacheControl.parse(Field.joined(fields, "cache-control"));
        if (cc.noStore || request.noStore()) {
            return "no-store";
        }
        if (cc.isPrivate) {
            return "private";
        }
        if (request.hasAuthorization() && !cc.isPublic && cc.sMaxAge == CacheControl.ABSENT && !cc.mustRevalidate) {
            return "authorization";
        }
        for (String name : varyNames(fields)) {
            if (name.equals("*")) {
                return "vary";
            }
        }
        if (Field.first(fields, "set-cookie") != null) {
            return "set-cookie";
        }
        String coding = Field.joined(fields, "transfer-encoding");
        if (coding != null && !coding.trim().equalsIgnoreCase("chunked")) {
            return "transfer-coding"; // the payload is stored without its chunks, not decoded: gzip would be lost
        }
        boolean validator = Field.first(fields, "etag") != null || Field.first(fields, "last-modified") != null;
        if (!validator && (cc.noCache || freshnessLifetime(cc, fields, System.currentTimeMillis()) <= 0)) {
            return "stale";
        }
        return null;
    }

    /**
     * The stored form of a response to {@code request}, sent at {@code requestTime} and received at {@code
     * responseTime} (System.currentTimeMillis).
     */
    static CachedResponse of(CacheRequest request, int status, String reason, List<Field> received, byte[] body,
                             long requestTime, long responseTime) {
        List<Field> kept = endToEnd(received);
        List<String> names = varyNames(kept);
        List<String> values = new ArrayList<>(names.size());
        for (String name : names) {
            values.add(request.varyValue(name));
        }
        return new CachedResponse(status, reason, kept, body, null, body.length, responseTime,
                initialAge(received, requestTime, responseTime), names, List.copyOf(values));
    }

    /**
     * This response refreshed by a 304 Not Modified to a revalidation (RFC 9111 §4.3.4): the 304's fields replace
     * the stored ones of the same names, and its times start the age anew.
     */
    CachedResponse refreshed(List<Field> notModified, long requestTime, long responseTime) {
        List<Field> update = endToEnd(notModified);
        Set<String> replaced = new HashSet<>();
        for (Field f : update) {
            replaced.add(f.name().toLowerCase(Locale.ROOT));
        }
        replaced.remove("content-range"); // RFC 9111 §3.2: not for a 304 to change
        List<Field> merged = new ArrayList<>(fields.size() + update.size());
        for (Field f : fields) {
            if (!replaced.contains(f.name().toLowerCase(Locale.ROOT))) {
                merged.add(f);
            }
        }
        for (Field f : update) {
            if (replaced.contains(f.name().toLowerCase(Locale.ROOT))) {
                merged.add(f);
            }
        }
        if (!replaced.contains("date")) {
            // the age starts anew now: an old Date left in place would make an Expires count from back then
            merged.removeIf(f -> f.is("date"));
            merged.add(new Field("Date", HttpDates.format(responseTime)));
        }
        return new CachedResponse(status, reason, merged, body, file, bodyLength, responseTime,
                initialAge(notModified, requestTime, responseTime), varyNames, varyValues);
    }

    /** The same response with its body in {@code file} of the disk tier instead of memory. */
    CachedResponse onDisk(Path file) {
        return new CachedResponse(status, reason, fields, null, file, bodyLength, responseTime, correctedInitialAge,
                varyNames, varyValues);
    }

    /** Its current age in seconds (RFC 9111 §4.2.3). */
    public long ageSeconds(long nowMillis) {
        return correctedInitialAge + Math.max(0, nowMillis - responseTime) / 1000;
    }

    /** Seconds of freshness left (negative once stale). */
    public long ttlSeconds(long nowMillis) {
        return freshnessLifetime - ageSeconds(nowMillis);
    }

    boolean fresh(long nowMillis) {
        return !noCache && ttlSeconds(nowMillis) > 0;
    }

    /** Whether a revalidation can confirm it: it has an ETag or a Last-Modified. */
    boolean hasValidator() {
        return etag != null || lastModified != null;
    }

    /** The conditions that ask the server whether this response is still current, as request field lines. */
    public String validators() {
        StringBuilder sb = new StringBuilder();
        if (etag != null) {
            sb.append("If-None-Match: ").append(etag).append("\r\n");
        }
        if (lastModified != null) {
            sb.append("If-Modified-Since: ").append(lastModified).append("\r\n");
        }
        return sb.toString();
    }

    /** Whether {@code request} selects this response among the variants of its URL (RFC 9111 §4.1). */
    boolean matches(CacheRequest request) {
        for (int i = 0; i < varyNames.size(); i++) {
            if (!request.varyValue(varyNames.get(i)).equals(varyValues.get(i))) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code other} is the same variant (same values of the same Vary names). */
    boolean sameVariant(CachedResponse other) {
        return varyNames.equals(other.varyNames) && varyValues.equals(other.varyValues);
    }

    /** Bytes it takes in memory, for the memory tier's bound. */
    long weight() {
        long w = OVERHEAD + (body == null ? 0 : body.length) + head.length;
        for (Field f : fields) {
            w += f.name().length() + f.value().length() + 32;
        }
        return w;
    }

    /** Freshness lifetime in seconds (RFC 9111 §4.2.1): s-maxage, else max-age, else Expires minus Date; else 0. */
    private static long freshnessLifetime(CacheControl cc, List<Field> fields, long responseTime) {
        if (cc.sMaxAge != CacheControl.ABSENT) {
            return Math.max(0, cc.sMaxAge);
        }
        if (cc.maxAge != CacheControl.ABSENT) {
            return Math.max(0, cc.maxAge);
        }
        String expires = Field.first(fields, "expires");
        if (expires != null) {
            long at = HttpDates.parse(expires);
            return at == HttpDates.INVALID ? 0 : Math.max(0, at - dateValue(fields, responseTime));
        }
        return 0;
    }

    private static long dateValue(List<Field> fields, long responseTime) {
        long date = HttpDates.parse(Field.first(fields, "date"));
        return date == HttpDates.INVALID ? responseTime / 1000 : date;
    }

    /** corrected_initial_age of RFC 9111 §4.2.3, in seconds. */
    private static long initialAge(List<Field> fields, long requestTime, long responseTime) {
        long apparentAge = Math.max(0, responseTime / 1000 - dateValue(fields, responseTime));
        long ageValue = Math.max(0, CacheControl.deltaSeconds(Field.first(fields, "age")));
        long responseDelay = Math.max(0, responseTime - requestTime) / 1000;
        return Math.max(apparentAge, ageValue + responseDelay);
    }

    private static List<Field> endToEnd(List<Field> received) {
        Set<String> named = new HashSet<>();
        String connection = Field.joined(received, "connection");
        if (connection != null) {
            for (String name : connection.split(",")) {
                named.add(name.trim().toLowerCase(Locale.ROOT));
            }
        }
        List<Field> kept = new ArrayList<>(received.size());
        for (Field f : received) {
            String lower = f.name().toLowerCase(Locale.ROOT);
            if (!NOT_STORED.contains(lower) && !named.contains(lower)) {
                kept.add(f);
            }
        }
        return kept;
    }

    private static List<String> varyNames(List<Field> fields) {
        String vary = Field.joined(fields, "vary");
        if (vary == null) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        for (String name : vary.split(",")) {
            String n = name.trim().toLowerCase(Locale.ROOT);
            if (!n.isEmpty() && !names.contains(n)) {
                names.add(n);
            }
        }
        return List.copyOf(names);
    }
}
