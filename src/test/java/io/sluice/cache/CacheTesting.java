package io.sluice.cache;

import io.netty.buffer.Unpooled;
import io.sluice.config.RouteCache;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Heads, requests and fetches for the cache's unit tests, written as name/value pairs. */
final class CacheTesting {
    /** A fixed time for what takes its times as arguments (CachedResponse.of, ages): 2023-11-14T22:13:20Z. */
    static final long T = 1_700_000_000_000L;

    private CacheTesting() {
    }

    static List<Field> fields(String... nameValues) {
        List<Field> fields = new ArrayList<>();
        for (int i = 0; i < nameValues.length; i += 2) {
            fields.add(new Field(nameValues[i], nameValues[i + 1]));
        }
        return fields;
    }

    static CacheRequest get(String target, String... nameValues) {
        return new CacheRequest("example.org", target, false, fields(nameValues));
    }

    static CacheRequest head(String target, String... nameValues) {
        return new CacheRequest("example.org", target, true, fields(nameValues));
    }

    static String httpDate(long millis) {
        return DateTimeFormatter.RFC_1123_DATE_TIME.format(Instant.ofEpochMilli(millis).atZone(ZoneOffset.UTC));
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    static String text(byte[] body) {
        return new String(body, StandardCharsets.ISO_8859_1);
    }

    /** A 200 to {@code request} sent and received at {@link #T}. */
    static CachedResponse stored(CacheRequest request, String... nameValues) {
        return CachedResponse.of(request, 200, "OK", fields(nameValues), bytes("body"), T, T);
    }

    static ResponseCache cache(long maxMemory, long maxObject) {
        return new ResponseCache(new RouteCache(maxMemory, maxObject, Duration.ofSeconds(5), null, 0));
    }

    static ResponseCache cache() {
        return cache(RouteCache.DEFAULT_MAX_MEMORY, RouteCache.DEFAULT_MAX_OBJECT);
    }

    /** The fetch {@code request} leads, not yet answered. */
    static CacheFill lead(ResponseCache cache, CacheRequest request) {
        CacheDecision d = cache.decide(request, System.currentTimeMillis(), Runnable::run, () -> { });
        assertThat(d.kind).isEqualTo(CacheDecision.Kind.FETCH);
        return d.fill;
    }

    /** The server's whole answer to {@code fill}'s request, its body in one piece with a Content-Length. */
    static void answer(CacheFill fill, int status, List<Field> fields, String body) {
        byte[] b = bytes(body);
        fill.responseHead(status, "OK", fields, b.length);
        fill.body(Unpooled.wrappedBuffer(b), 0, b.length);
        fill.complete();
    }

    /** Fetches {@code request} as its leader and stores the server's 200 with {@code nameValues} and {@code body}. */
    static CacheFill fetched(ResponseCache cache, CacheRequest request, String body, String... nameValues) {
        CacheFill fill = lead(cache, request);
        answer(fill, 200, fields(nameValues), body);
        return fill;
    }
}
