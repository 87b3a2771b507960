package io.sluice.cache;

import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static io.sluice.cache.CacheTesting.cache;
import static io.sluice.cache.CacheTesting.fetched;
import static io.sluice.cache.CacheTesting.fields;
import static io.sluice.cache.CacheTesting.get;
import static io.sluice.cache.CacheTesting.lead;
import static io.sluice.cache.CacheTesting.text;
import static org.assertj.core.api.Assertions.assertThat;

/** One fetch on a cached route: what its response head decides, the body it copies, and a 304 to a revalidation. */
class CacheFillTest {
    private static final long HOUR = 3_600_000;
    private static final int MAX_OBJECT = 1024;

    private final ResponseCache cache = cache(1 << 20, MAX_OBJECT);

    private CacheDecision decideLater(CacheRequest request) {
        return cache.decide(request, System.currentTimeMillis() + HOUR, null, null);
    }

    private static void body(CacheFill fill, byte[] bytes, int from, int to) {
        fill.body(Unpooled.wrappedBuffer(bytes), from, to - from);
    }

    @Test
    void aResponseDeclaredLargerThanMaxObjectIsNotCaptured() {
        CacheFill fill = lead(cache, get("/a"));
        assertThat(fill.responseHead(200, "OK", fields("Cache-Control", "max-age=60"), MAX_OBJECT + 1)).isNull();
        assertThat(fill.capturing()).isFalse();
        assertThat(fill.cacheStatus()).isEqualTo("sluice; fwd=miss; fwd-status=200; detail=too-large");
        assertThat(cache.stats().notStored()).isEqualTo(1);
    }

    @Test
    void aRefusedResponseSaysWhyInItsCacheStatus() {
        CacheFill fill = lead(cache, get("/a"));
        fill.responseHead(200, "OK", fields("Cache-Control", "private, max-age=60"), 10);
        assertThat(fill.cacheStatus()).isEqualTo("sluice; fwd=miss; fwd-status=200; detail=private");
    }

    @Test
    void aChunkedBodyIsCopiedWholeAcrossPieces() {
        ResponseCache roomy = cache(1 << 20, 1 << 20);
        byte[] bytes = new byte[40_000]; // past the first 16 KiB buffer
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) i;
        }
        CacheFill fill = lead(roomy, get("/a"));
        fill.responseHead(200, "OK", fields("Cache-Control", "max-age=60"), -1);
        body(fill, bytes, 0, 10_000);
        body(fill, bytes, 10_000, 30_000);
        body(fill, bytes, 30_000, 40_000);
        fill.complete();
        assertThat(roomy.decide(get("/a"), System.currentTimeMillis(), null, null).stored.body).isEqualTo(bytes);
    }

    @Test
    void aChunkedBodyGrowingPastMaxObjectIsNotStored() {
        byte[] bytes = new byte[MAX_OBJECT + 1];
        CacheFill fill = lead(cache, get("/a"));
        fill.responseHead(200, "OK", fields("Cache-Control", "max-age=60"), -1);
        body(fill, bytes, 0, MAX_OBJECT);
        assertThat(fill.capturing()).isTrue();
        body(fill, bytes, MAX_OBJECT, MAX_OBJECT + 1);
        assertThat(fill.capturing()).isFalse();
        fill.complete();
        assertThat(cache.decide(get("/a"), System.currentTimeMillis(), null, null).kind)
                .isEqualTo(CacheDecision.Kind.FETCH);
        assertThat(cache.stats().stored()).isZero();
        assertThat(cache.stats().notStored()).isEqualTo(1);
    }

    @Test
    void aBodyOfExactlyMaxObjectIsStored() {
        byte[] bytes = new byte[MAX_OBJECT];
        Arrays.fill(bytes, (byte) 'x');
        fetched(cache, get("/a"), text(bytes), "Cache-Control", "max-age=60");
        assertThat(cache.decide(get("/a"), System.currentTimeMillis(), null, null).stored.body).isEqualTo(bytes);
    }

    @Test
    void anAbandonedFetchStoresNothing() {
        CacheFill fill = lead(cache, get("/a"));
        fill.responseHead(200, "OK", fields("Cache-Control", "max-age=60"), 10);
        body(fill, new byte[10], 0, 5);
        fill.abandon();
        fill.complete(); // an exchange may end both ways: the first wins
        assertThat(cache.stats().stored()).isZero();
        assertThat(cache.decide(get("/a"), System.currentTimeMillis(), null, null).kind)
                .isEqualTo(CacheDecision.Kind.FETCH);
    }

    @Test
    void aNotModifiedToARevalidationAnswersWithTheStoredResponseRefreshed() {
        fetched(cache, get("/a"), "hello", "Cache-Control", "max-age=60", "ETag", "\"v1\"", "X-Version", "1");
        CacheFill fill = decideLater(get("/a")).fill;
        CachedResponse refreshed = fill.responseHead(304, "Not Modified",
                fields("Cache-Control", "max-age=7200", "X-Version", "2"), -1);
        assertThat(refreshed).isNotNull();
        assertThat(text(refreshed.body)).isEqualTo("hello");
        assertThat(refreshed.status).isEqualTo(200);
        assertThat(Field.first(refreshed.fields, "x-version")).isEqualTo("2");
        assertThat(fill.cacheStatus()).isEqualTo("sluice; fwd=stale; fwd-status=304");
        assertThat(cache.stats().revalidated()).isEqualTo(1);
        // the refreshed response is what is stored now: fresh an hour later with the 304's max-age
        CacheDecision later = decideLater(get("/a"));
        assertThat(later.kind).isEqualTo(CacheDecision.Kind.HIT);
        assertThat(later.stored).isSameAs(refreshed);
    }

    @Test
    void aFreshResponseTheClientWouldNotTakeIsForwardedForTheRequest() {
        fetched(cache, get("/a"), "hello", "Cache-Control", "max-age=60", "ETag", "\"v1\"");
        // RFC 9211 fwd=request: a fresh response was there, the request's directives did not allow it
        CacheFill noCache = lead(cache, get("/a", "Cache-Control", "no-cache"));
        noCache.responseHead(304, "Not Modified", fields(), -1);
        assertThat(noCache.cacheStatus()).isEqualTo("sluice; fwd=request; fwd-status=304");
        CacheFill maxAge = cache.decide(get("/a", "Cache-Control", "max-age=5"), System.currentTimeMillis() + 10_000,
                null, null).fill;
        maxAge.responseHead(200, "OK", fields("Cache-Control", "max-age=60"), 0);
        assertThat(maxAge.cacheStatus()).isEqualTo("sluice; fwd=request; fwd-status=200; stored");
    }

    @Test
    void aNotModifiedThatForbidsStoringDropsTheStoredResponse() {
        fetched(cache, get("/a"), "hello", "Cache-Control", "max-age=60", "ETag", "\"v1\"");
        CacheFill fill = decideLater(get("/a")).fill;
        assertThat(fill.responseHead(304, "Not Modified", fields("Cache-Control", "no-store"), -1)).isNotNull();
        assertThat(cache.decide(get("/a", "Cache-Control", "only-if-cached"), System.currentTimeMillis(), null, null)
                .kind).isEqualTo(CacheDecision.Kind.UNAVAILABLE);
    }

    @Test
    void aNotModifiedToTheClientsOwnConditionIsPassedOnUnstored() {
        fetched(cache, get("/a"), "hello", "Cache-Control", "max-age=60", "ETag", "\"v1\"");
        CacheFill fill = decideLater(get("/a", "If-None-Match", "\"v1\"")).fill;
        assertThat(fill.requestFields()).isEmpty();
        assertThat(fill.responseHead(304, "Not Modified", fields("ETag", "\"v1\""), -1)).isNull();
        assertThat(fill.cacheStatus()).isEqualTo("sluice; fwd=stale; fwd-status=304; detail=status");
    }
}
