package io.sluice.buffer;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where buffered exchanges spill what does not fit their share of memory: one file per exchange, named
 * {@code sluice-*.spill}, deleted when its bytes are sent or the exchange ends otherwise, and at start-up (files
 * left by a process that died).
 */
public final class SpillDirectory {
    private static final String PREFIX = "sluice-";
    private static final String SUFFIX = ".spill";

    private final Path dir;
    private final long maxPerExchange;
    private final AtomicLong spilled = new AtomicLong();
    private final AtomicLong files = new AtomicLong();

    public SpillDirectory(Path dir, long maxPerExchange) {
        this.dir = dir;
        this.maxPerExchange = maxPerExchange;
    }

    /** Creates the directory if needed and deletes the spill files a previous process left behind. */
    public void prepare() throws IOException {
        Files.createDirectories(dir);
        try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(dir, PREFIX + "*" + SUFFIX)) {
            for (Path p : leftovers) {
                Files.deleteIfExists(p);
            }
        }
    }

    Path newFile() throws IOException {
        Path p = Files.createTempFile(dir, PREFIX, SUFFIX);
        files.incrementAndGet();
        return p;
    }

    void deleted() {
        files.decrementAndGet();
    }

    void countSpilled(long n) {
        spilled.addAndGet(n);
    }

    long maxPerExchange() {
        return maxPerExchange;
    }

    public Path path() {
        return dir;
    }

    /** Bytes written to spill files since start. */
    public long spilledBytes() {
        return spilled.get();
    }

    /** Spill files that exist now. */
    public long openFiles() {
        return files.get();
    }
}
