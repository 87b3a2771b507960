package io.sluice.cache;

import io.sluice.config.RouteCache;
import io.sluice.testing.Await;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static io.sluice.cache.CacheTesting.fetched;
import static io.sluice.cache.CacheTesting.get;
import static org.assertj.core.api.Assertions.assertThat;

/** A response memory pushed out to the disk tier: served from its file while fresh, fetched again once stale. */
class ResponseCacheDiskTest {
    @TempDir
    Path dir;

    private ResponseCache cache;

    @BeforeEach
    void storeOneResponseOnDisk() {
        // memory smaller than the response: Caffeine pushes it out, to the disk tier, as soon as it is stored
        cache = new ResponseCache(new RouteCache(1024, 1 << 20, Duration.ofSeconds(5), dir, 1 << 20));
        fetched(cache, get("/a"), "x".repeat(4096), "Cache-Control", "max-age=60", "ETag", "\"v1\"");
        // the disk tier writes on a thread of its own
        Await.until(() -> cache.diskEntries() == 1, Duration.ofSeconds(5), () -> "nothing written to disk");
    }

    @Test
    void aFreshResponseOnDiskIsAHitFromItsFile() {
        CacheDecision d = cache.decide(get("/a"), System.currentTimeMillis(), null, null);
        assertThat(d.kind).isEqualTo(CacheDecision.Kind.HIT);
        assertThat(d.stored.body).isNull();
        assertThat(d.stored.file).exists().hasSize(4096);
        assertThat(cache.stats().diskHits()).isEqualTo(1);
    }

    @Test
    void aStaleResponseOnDiskIsFetchedWholeNotRevalidated() {
        CacheDecision d = cache.decide(get("/a"), System.currentTimeMillis() + 3_600_000, null, null);
        assertThat(d.kind).isEqualTo(CacheDecision.Kind.FETCH);
        // a 304 would refresh a response whose body is only in its file, which storing the refreshed response
        // deletes (the older copy on disk goes); and the exchange sends a refreshed body from memory only
        assertThat(d.fill.requestFields()).isEmpty();
    }
}
