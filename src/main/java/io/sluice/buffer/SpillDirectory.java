package io.sluice.buffer;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where buffered exchanges spill what does not fit their share of memory: one file per exchange, in a directory
 * of this process's own ({@code spill_dir/sluice-PID}), deleted when its bytes are sent or the exchange ends
 * otherwise. At start-up the directories of processes that no longer run are deleted; those of a live one (the
 * old process of a restart) are left alone.
 */
public final class SpillDirectory {
    private static final String PREFIX = "sluice-";
    private static final String SUFFIX = ".spill";

    private final Path parent;
    private final Path dir;
    private final long maxPerExchange;
    private final long maxTotal;
    /** Bytes in this process's spill files now. */
    private final AtomicLong onDisk = new AtomicLong();
    private final AtomicLong spilled = new AtomicLong();
    private final AtomicLong files = new AtomicLong();

    public SpillDirectory(Path spillDir, long maxPerExchange, long maxTotal) {
        this.parent = spillDir;
        this.dir = spillDir.resolve(PREFIX + ProcessHandle.current().pid());
        this.maxPerExchange = maxPerExchange;
        this.maxTotal = maxTotal;
    }

    /** Takes room for {@code n} more bytes on disk, if {@code buffers.max_spill_total} allows. */
    boolean tryTake(long n) {
        for (;;) {
            long used = onDisk.get();
            if (used + n > maxTotal) {
                return false;
            }
            if (onDisk.compareAndSet(used, used + n)) {
                return true;
            }
        }
    }

    /** Gives back the room of a deleted file's bytes. */
    void give(long n) {
        onDisk.addAndGet(-n);
    }

    /** Creates this process's directory and deletes what processes that died left behind. */
    public void prepare() throws IOException {
        Files.createDirectories(parent);
        try (DirectoryStream<Path> others = Files.newDirectoryStream(parent, PREFIX + "*")) {
            for (Path p : others) {
                if (Files.isDirectory(p) && !running(p.getFileName().toString().substring(PREFIX.length()))) {
                    deleteFiles(p);
                    Files.deleteIfExists(p);
                }
            }
        }
        Files.createDirectories(dir);
        deleteFiles(dir);
    }

    private static boolean running(String pid) {
        try {
            return ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false);
        } catch (NumberFormatException e) {
            return true; // not one of ours: leave it
        }
    }

    private static void deleteFiles(Path d) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(d, PREFIX + "*" + SUFFIX)) {
            for (Path p : files) {
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

    /** This process's directory of spill files. */
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
