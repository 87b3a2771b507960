package io.sluice.cache;

import io.sluice.testing.Await;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
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
    void aWriteQueuedBeforeARemovalDoesNotLandAfterIt() {
        CacheStats stats = new CacheStats();
        DiskTier disk = DiskTier.open(dir, 1 << 20, stats);
        CachedResponse r = CachedResponse.of(get("/a"), 200, "OK", fields("Cache-Control", "max-age=60"),
                bytes("x".repeat(1000)), T, T);
        String key = get("/a").key();
        disk.offer(key, List.of(r));
        disk.remove(key);
        Await.until(() -> stats.diskWrites() + stats.diskDropped() == 1, Duration.ofSeconds(5),
                () -> "the write did not end");
        assertThat(disk.lookup(get("/a"))).isNull();
        assertThat(disk.entries()).isZero();
        // the lock file only, once the deletions queued behind the write are done
        Await.until(() -> regularFiles().size() == 1, Duration.ofSeconds(5), () -> "files: " + regularFiles());
    }

    private List<Path> regularFiles() {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).toList();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void eachTierHasADirectoryOfItsOwnAndOnlyAbandonedOnesAreDeleted() throws IOException {
        Path abandoned = Files.createDirectories(dir.resolve("cache-old"));
        Files.createFile(abandoned.resolve("lock"));
        Files.write(abandoned.resolve("0"), new byte[10]);
        Path settingUp = Files.createDirectories(dir.resolve("cache-new")); // no lock file yet, just made
        Path notOurs = Files.createDirectories(dir.resolve("other"));
        DiskTier a = DiskTier.open(dir, 1 << 20, new CacheStats());
        DiskTier b = DiskTier.open(dir, 1 << 20, new CacheStats());
        assertThat(a).isNotNull();
        assertThat(b).isNotNull();
        assertThat(abandoned).doesNotExist();
        assertThat(settingUp).exists();
        assertThat(notOurs).exists();
        try (Stream<Path> children = Files.list(dir)) {
            // a's directory survived b's clean-up: its lock is held
            assertThat(children.filter(p -> p.getFileName().toString().startsWith("cache-"))
                    .filter(p -> Files.exists(p.resolve("lock")))).hasSize(2);
        }
    }

    @Test
    void aDiskDirThatCannotBeMadeLeavesTheCacheInMemory() throws IOException {
        Path file = Files.createFile(dir.resolve("a-file"));
        assertThat(DiskTier.open(file.resolve("cache"), 1 << 20, new CacheStats())).isNull();
    }
}
