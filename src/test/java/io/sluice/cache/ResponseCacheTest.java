package io.sluice.cache;

import io.sluice.testing.Await;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

import static io.sluice.cache.CacheTesting.cache;
import static io.sluice.cache.CacheTesting.fetched;
import static io.sluice.cache.CacheTesting.fields;
import static io.sluice.cache.CacheTesting.get;
import static io.sluice.cache.CacheTesting.head;
import static io.sluice.cache.CacheTesting.lead;
import static io.sluice.cache.CacheTesting.text;
import static org.assertj.core.api.Assertions.assertThat;

/** How the cache answers a request (hit, fetch, wait, pass, 504), request collapsing, variants and its bounds. */
class ResponseCacheTest {
    private static final long HOUR = 3_600_000;

    private final ResponseCache cache = cache();
    /** Wakes queued on an event loop, run when the test says. */
    private final List<Runnable> loop = new ArrayList<>();
    private final Executor queueing = loop::add;

    private static long now() {
        return System.currentTimeMillis();
    }

    private CacheDecision decide(CacheRequest request) {
        return cache.decide(request, now(), queueing, () -> { });
    }

    @Test
    void aMissIsFetchedAndStoredThenHit() {
        CacheFill fill = fetched(cache, get("/a"), "hello", "Cache-Control", "max-age=60");
        assertThat(fill.cacheStatus()).isEqualTo("sluice; fwd=miss; fwd-status=200; stored");
        CacheDecision d = decide(get("/a"));
        assertThat(d.kind).isEqualTo(CacheDecision.Kind.HIT);
        assertThat(text(d.stored.body)).isEqualTo("hello");
        assertThat(cache.stats().hits()).isEqualTo(1);
        assertThat(cache.stats().misses()).isEqualTo(1);
        assertThat(cache.stats().stored()).isEqualTo(1);
    }

    @Test
    void aHeadMissPassesAndAHeadIsAnsweredFromAStoredGet() {
        CacheDecision miss = decide(head("/a"));
        assertThat(miss.kind).isEqualTo(CacheDecision.Kind.PASS);
        assertThat(miss.cacheStatus).isEqualTo("sluice; fwd=method");
        fetched(cache, get("/a"), "hello", "Cache-Control", "max-age=60");
        assertThat(decide(head("/a")).kind).isEqualTo(CacheDecision.Kind.HIT);
    }

    @Test
    void aRangeRequestPassesEvenWhenTheUrlIsStored() {
        fetched(cache, get("/a"), "hello", "Cache-Control", "max-age=60");
        CacheDecision d = decide(get("/a", "Range", "bytes=0-1"));
        assertThat(d.kind).isEqualTo(CacheDecision.Kind.PASS);
        assertThat(d.cacheStatus).isEqualTo("sluice; fwd=bypass");
        assertThat(cache.stats().bypassed()).isEqualTo(1);
    }

    @Test
    void onlyIfCachedIsAnsweredFromWhatIsStoredOrElse504() {
        CacheRequest onlyIfCached = get("/a", "Cache-Control", "only-if-cached");
        assertThat(decide(onlyIfCached).kind).isEqualTo(CacheDecision.Kind.UNAVAILABLE);
        fetched(cache, get("/a"), "hello", "Cache-Control", "max-age=60");
        assertThat(decide(onlyIfCached).kind).isEqualTo(CacheDecision.Kind.HIT);
        assertThat(cache.decide(onlyIfCached, now() + HOUR, queueing, () -> { }).kind)
                .isEqualTo(CacheDecision.Kind.UNAVAILABLE);
    }

    @Test
    void aStaleResponseWithAValidatorIsRevalidated() {
        fetched(cache, get("/a"), "hello", "Cache-Control", "max-age=60", "ETag", "\"v1\"");
        CacheDecision d = cache.decide(get("/a"), now() + HOUR, queueing, () -> { });
        assertThat(d.kind).isEqualTo(CacheDecision.Kind.FETCH);
        assertThat(d.fill.requestFields()).isEqualTo("If-None-Match: \"v1\"\r\n");
        assertThat(cache.stats().revalidations()).isEqualTo(1);
    }

    @Test
    void theCacheAddsNoConditionToARequestWithItsOwn() {
        fetched(cache, get("/a"), "hello", "Cache-Control", "max-age=60", "ETag", "\"v1\"");
        CacheDecision d = cache.decide(get("/a", "If-None-Match", "\"v0\""), now() + HOUR, queueing, () -> { });
        assertThat(d.kind).isEqualTo(CacheDecision.Kind.FETCH);
        assertThat(d.fill.requestFields()).isEmpty();
    }

    @Test
    void aSecondMissOnTheSameUrlWaitsAndIsWokenOnItsLoopWhenTheFirstIsStored() {
        CacheFill leader = lead(cache, get("/a"));
        AtomicInteger woken = new AtomicInteger();
        assertThat(cache.decide(get("/a"), now(), queueing, woken::incrementAndGet).kind)
                .isEqualTo(CacheDecision.Kind.WAIT);
        assertThat(decide(get("/b")).kind).as("another URL").isEqualTo(CacheDecision.Kind.FETCH);

        CacheTesting.answer(leader, 200, fields("Cache-Control", "max-age=60"), "hello");
        assertThat(woken).hasValue(0); // queued on the waiter's own loop, not run on the leader's
        assertThat(loop).hasSize(1);
        loop.forEach(Runnable::run);
        assertThat(woken).hasValue(1);
        assertThat(cache.decide(get("/a"), now(), null, null).kind).isEqualTo(CacheDecision.Kind.HIT);
        assertThat(cache.stats().collapsed()).isEqualTo(1);
    }

    @Test
    void waitersAreWokenWhenTheLeaderAbandonsAndThenFetchThemselves() {
        CacheFill leader = lead(cache, get("/a"));
        assertThat(decide(get("/a")).kind).isEqualTo(CacheDecision.Kind.WAIT);
        assertThat(decide(get("/a")).kind).isEqualTo(CacheDecision.Kind.WAIT);
        leader.responseHead(200, "OK", fields("Cache-Control", "max-age=60"), 5);
        leader.abandon();
        assertThat(loop).hasSize(2);
        assertThat(cache.decide(get("/a"), now(), null, null).kind).isEqualTo(CacheDecision.Kind.FETCH);
    }

    @Test
    void waitersAreWokenAsSoonAsTheHeadSaysItWillNotBeStored() {
        CacheFill leader = lead(cache, get("/a"));
        assertThat(decide(get("/a")).kind).isEqualTo(CacheDecision.Kind.WAIT);
        leader.responseHead(200, "OK", fields("Cache-Control", "no-store"), 1_000);
        assertThat(loop).hasSize(1);
    }

    @Test
    void aWokenRequestNeverWaitsAgain() {
        lead(cache, get("/a"));
        CacheDecision d = cache.decide(get("/a"), now(), null, null);
        assertThat(d.kind).isEqualTo(CacheDecision.Kind.FETCH);
        assertThat(cache.stats().collapsed()).isZero();
    }

    @Test
    void aRequestForAFreshAnswerDoesNotWaitForAnotherFetch() {
        lead(cache, get("/a"));
        assertThat(decide(get("/a", "Cache-Control", "no-cache")).kind).isEqualTo(CacheDecision.Kind.FETCH);
        assertThat(decide(get("/a", "Cache-Control", "no-store")).kind).isEqualTo(CacheDecision.Kind.FETCH);
    }

    @Test
    void aNewFetchLeadsOnceTheLastOneEnded() {
        lead(cache, get("/a")).abandon();
        assertThat(decide(get("/a")).kind).isEqualTo(CacheDecision.Kind.FETCH);
        assertThat(decide(get("/a")).kind).isEqualTo(CacheDecision.Kind.WAIT);
    }

    @Test
    void variantsOfAUrlAreKeptApartAndBoundedOldestOut() {
        for (int i = 0; i <= ResponseCache.MAX_VARIANTS; i++) {
            fetched(cache, get("/a", "Accept-Language", "l" + i), "body " + i,
                    "Cache-Control", "max-age=60", "Vary", "Accept-Language");
        }
        CacheDecision oldest = cache.decide(get("/a", "Accept-Language", "l0"), now(), null, null);
        assertThat(oldest.kind).isEqualTo(CacheDecision.Kind.FETCH);
        oldest.fill.abandon();
        for (int i = 1; i <= ResponseCache.MAX_VARIANTS; i++) {
            CacheDecision d = decide(get("/a", "Accept-Language", "l" + i));
            assertThat(d.kind).as("variant %d", i).isEqualTo(CacheDecision.Kind.HIT);
            assertThat(text(d.stored.body)).isEqualTo("body " + i);
        }
        assertThat(cache.memoryEntries()).isEqualTo(1);
    }

    @Test
    void aMissOfAnotherVariantSaysSo() {
        fetched(cache, get("/a", "Accept-Language", "en"), "en", "Cache-Control", "max-age=60",
                "Vary", "Accept-Language");
        CacheFill fill = lead(cache, get("/a", "Accept-Language", "de"));
        CacheTesting.answer(fill, 200, fields("Cache-Control", "max-age=60", "Vary", "Accept-Language"), "de");
        assertThat(fill.cacheStatus()).startsWith("sluice; fwd=vary-miss;");
    }

    @Test
    void aNewerResponseReplacesTheSameVariant() {
        fetched(cache, get("/a"), "one", "Cache-Control", "max-age=60");
        fetched(cache, get("/a", "Cache-Control", "no-cache"), "two", "Cache-Control", "max-age=60");
        assertThat(text(decide(get("/a")).stored.body)).isEqualTo("two");
    }

    @Test
    void invalidatingAUrlDropsWhatIsStoredForIt() {
        fetched(cache, get("/a"), "hello", "Cache-Control", "max-age=60");
        fetched(cache, get("/b"), "hello", "Cache-Control", "max-age=60");
        cache.invalidate(get("/a").key());
        cache.invalidate(get("/unknown").key());
        assertThat(decide(get("/a")).kind).isEqualTo(CacheDecision.Kind.FETCH);
        assertThat(decide(get("/b")).kind).isEqualTo(CacheDecision.Kind.HIT);
        assertThat(cache.stats().invalidations()).as("only what was stored counts").isEqualTo(1);
    }

    @Test
    void memoryStaysWithinMaxMemory() {
        ResponseCache small = cache(1 << 20, 1 << 20);
        String body = "x".repeat(100 * 1024);
        for (int i = 0; i < 40; i++) {
            fetched(small, get("/" + i), body, "Cache-Control", "max-age=60");
        }
        // Caffeine evicts in its maintenance, which may run after the last store returned
        Await.until(() -> small.memoryBytes() <= 1 << 20, Duration.ofSeconds(5),
                () -> "memory bytes " + small.memoryBytes());
        // which responses stay is W-TinyLFU's choice (possibly none of URLs requested once each); never more than fit
        assertThat(small.memoryEntries()).isLessThanOrEqualTo(10);
    }
}
