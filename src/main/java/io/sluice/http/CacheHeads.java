package io.sluice.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.sluice.cache.CacheRequest;
import io.sluice.cache.CachedResponse;
import io.sluice.cache.Field;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Between the parser's heads and the cache: a parsed head's fields as text for the cache to read, and the head of
 * an answer made from a stored response.
 */
final class CacheHeads {
    private static final byte[] CRLF = Ascii.bytes("\r\n");
    private static final byte[] AGE = Ascii.bytes("Age: ");
    private static final byte[] CACHE_STATUS = Ascii.bytes("\r\nCache-Status: ");
    private static final byte[] TTL = Ascii.bytes("; ttl=");
    private static final byte[] VIA = Ascii.bytes("Via: 1.1 sluice\r\n");
    private static final byte[] CONNECTION_CLOSE = Ascii.bytes("Connection: close\r\n");
    private static final byte[] CONNECTION_KEEP_ALIVE = Ascii.bytes("Connection: keep-alive\r\n");
    /** Room for the fields an answer adds besides Cache-Status's value: Age, ttl, Via, Connection, blank line. */
    private static final int ANSWER_FIELDS_ROOM = 128;
    /** What a 304 carries of the stored response (RFC 9110 §15.4.5), Last-Modified besides. */
    private static final Set<String> NOT_MODIFIED_FIELDS = Set.of("cache-control", "content-location", "date",
            "etag", "expires", "vary", "last-modified");

    private CacheHeads() {
    }

    /** The fields of the head the parser holds, as text. */
    static List<Field> fields(HeadParser p, ByteBuf buf) {
        int n = p.headerCount();
        List<Field> fields = new ArrayList<>(n);
        for (int h = 0; h < n; h++) {
            fields.add(new Field(text(buf, p.nameStart(h), p.nameEnd(h)), text(buf, p.valueStart(h), p.valueEnd(h))));
        }
        return fields;
    }

    /** The cache's view of the GET or HEAD request the parser holds: its host and path with query, and fields. */
    static CacheRequest request(HeadParser p, ByteBuf buf) {
        return new CacheRequest(host(p, buf), target(p, buf), p.method == Method.HEAD, fields(p, buf));
    }

    /** The cache key of the request the parser holds. */
    static String key(HeadParser p, ByteBuf buf) {
        return CacheRequest.key(host(p, buf), target(p, buf));
    }

    private static String host(HeadParser p, ByteBuf buf) {
        return p.routeHostStart() < 0 ? "" : text(buf, p.routeHostStart(), p.routeHostEnd());
    }

    private static String target(HeadParser p, ByteBuf buf) {
        return p.pathStart == p.targetEnd ? "/" : text(buf, p.pathStart, p.targetEnd);
    }

    /**
     * The head of an answer made from {@code stored}: its status and fields, a Content-Length, {@code Age}, {@code
     * Cache-Status}, Via, and the connection's fields as for any answer. A 304 (the client's own condition holds)
     * carries only the stored metadata. Written as bytes: a hit is the cache's hot path.
     *
     * @param notModified answer 304 Not Modified instead of the stored status
     * @param cacheStatus the Cache-Status value but its {@code ttl} parameter, which {@code ttlSeconds} gives
     */
    static ByteBuf answer(ByteBufAllocator alloc, CachedResponse stored, boolean notModified, long ageSeconds,
                          byte[] cacheStatus, long ttlSeconds, boolean close, boolean keepAlive10) {
        byte[] start = notModified ? notModifiedHead(stored) : stored.head;
        ByteBuf head = alloc.directBuffer(start.length + cacheStatus.length + ANSWER_FIELDS_ROOM);
        head.writeBytes(start);
        head.writeBytes(AGE);
        Ascii.writeDecimal(head, ageSeconds);
        head.writeBytes(CACHE_STATUS);
        head.writeBytes(cacheStatus);
        head.writeBytes(TTL);
        if (ttlSeconds < 0) {
            head.writeByte('-'); // stale (RFC 9211 §2.8): a revalidated no-cache response
        }
        Ascii.writeDecimal(head, Math.abs(ttlSeconds));
        head.writeBytes(CRLF);
        head.writeBytes(VIA);
        if (close) {
            head.writeBytes(CONNECTION_CLOSE);
        } else if (keepAlive10) {
            head.writeBytes(CONNECTION_KEEP_ALIVE);
        }
        head.writeBytes(CRLF);
        return head;
    }

    private static byte[] notModifiedHead(CachedResponse stored) {
        StringBuilder sb = new StringBuilder(128).append("HTTP/1.1 304 Not Modified\r\n");
        for (Field f : stored.fields) {
            if (NOT_MODIFIED_FIELDS.contains(f.name().toLowerCase(Locale.ROOT))) {
                sb.append(f.name()).append(": ").append(f.value()).append("\r\n");
            }
        }
        return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Whether an answer made from {@code stored} has a body: not to HEAD, not a 304, not a 204. */
    static boolean hasBody(CachedResponse stored, boolean notModified, boolean toHead) {
        return !toHead && !notModified && stored.status != 204 && stored.bodyLength > 0;
    }

    /** Adds a Cache-Status field to a complete response head (before its blank line). */
    static void addCacheStatus(ByteBuf head, String cacheStatus) {
        head.writerIndex(head.writerIndex() - CRLF.length);
        head.writeCharSequence("Cache-Status: " + cacheStatus + "\r\n\r\n", StandardCharsets.ISO_8859_1);
    }

    private static String text(ByteBuf buf, int start, int end) {
        return buf.toString(start, end - start, StandardCharsets.ISO_8859_1);
    }
}
