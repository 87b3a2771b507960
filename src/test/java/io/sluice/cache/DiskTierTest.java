package io.sluice.cache;

import io.sluice.testing.Await;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static io.sluice.cache.CacheTesting.T;
import static io.sluice.cache.CacheTesting.bytes;
import static io.sluice.cache.CacheTesting.fields;
import static io.sluice.cache.CacheTesting.get;
import static org.assertj.core.api.Assertions.assertThat;

/** The disk tier's writer against removals: what a request changed must not come back from disk. */
class DiskTierTest {
    @TempDir
    Path dir;

    /**
     * A removal right after the response was queued for writing: whichever comes first on the writer's thread, the
     * response is not on disk afterwards (a write that lands after the removal is dropped).
     */
    @RepeatedTest(5)
    void aWriteQueuedBeforeARemovalDoesNotLandAfterIt() throws IOException {
        CacheStats stats = new CacheStats();
        DiskTier disk = new DiskTier(dir, 1 << 20, stats);
        CachedResponse r = CachedResponse.of(get("/a"), 200, "OK", fields("Cache-Control", "max-age=60"),
                bytes("x".repeat(1000)), T, T);
        String key = get("/a").key();
        disk.offer(key, List.of(r));
        disk.remove(key);
        Await.until(() -> stats.diskWrites() + stats.diskDropped() == 1, Duration.ofSeconds(5),
                () -> "the write did not end");
        assertThat(disk.lookup(get("/a"))).isNull();
        assertThat(disk.entries()).isZero();
        try (Stream<Path> files = Files.walk(dir)) {
            assertThat(files.filter(Files::isRegularFile)).isEmpty();
        }
    }
}
