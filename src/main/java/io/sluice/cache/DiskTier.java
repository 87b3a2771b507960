package io.sluice.cache;

import io.sluice.log.Log;

import java.io.IOException;
import java.lang.ref.Cleaner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The disk tier of a route's cache: responses the memory tier pushes out, their bodies in files (served with
 * sendfile), their heads in memory. Bounded by bytes of body ({@code disk_max}), least recently used first out.
 * Written by one thread of its own, through a bounded queue: when it is full, what memory pushes out is dropped.
 *
 * <p>Each cache writes in a directory of its own under {@code disk_dir}, named after the process; directories of
 * processes that are gone are deleted at start. The tier does not outlive its process: a restart starts empty. A
 * tier no longer reachable (a reload replaced its route) deletes its directory when it is collected.
 */
final class DiskTier {
    private static final int WRITE_QUEUE = 256;
    /** URLs whose removal is remembered while writes are queued; past it, the queued writes are dropped. */
    private static final int MAX_REMOVALS_KEPT = 4096;
    private static final AtomicInteger INSTANCES = new AtomicInteger();
    private static final Cleaner CLEANER = Cleaner.create();

    private final Path dir;
    private final long maxBytes;
    private final CacheStats stats;
    private final ThreadPoolExecutor writer;
    /** URL → variants on disk, in least recently used order; guarded by {@code this}. */
    private final LinkedHashMap<String, List<CachedResponse>> index = new LinkedHashMap<>(64, 0.75f, true);
    private long bytes;
    private long files;
    private long nextFile;
    /** Removals so far; a write queued before a removal of its URL must not land after it. Guarded by {@code this}. */
    private long removals;
    /** URL → the removal count just after its last removal, for the writes still queued; guarded by {@code this}. */
    private final Map<String, Long> removedAt = new HashMap<>();
    /** Writes queued before this removal count are dropped: {@link #removedAt} was cleared since. */
    private long forgottenBefore;

    DiskTier(Path root, long maxBytes, CacheStats stats) {
        this.maxBytes = maxBytes;
        this.stats = stats;
        long pid = ProcessHandle.current().pid();
        deleteAbandoned(root, pid);
        this.dir = root.resolve(pid + "-" + INSTANCES.incrementAndGet());
        this.writer = new ThreadPoolExecutor(1, 1, 10, TimeUnit.SECONDS, new ArrayBlockingQueue<>(WRITE_QUEUE), r -> {
            Thread t = new Thread(r, "sluice-cache-disk");
            t.setDaemon(true);
            return t;
        });
        writer.allowCoreThreadTimeOut(true); // an idle tier keeps no thread
        Path own = dir;
        CLEANER.register(this, () -> deleteTree(own));
    }

    /** Takes the variants memory pushed out (called by Caffeine, on its executor): queued for the writer. */
    void offer(String key, List<CachedResponse> variants) {
        for (CachedResponse v : variants) {
            try {
                synchronized (this) {
                    long queuedAt = removals;
                    writer.execute(() -> write(key, v, queuedAt));
                }
            } catch (RejectedExecutionException e) {
                stats.diskDropped.increment();
            }
        }
    }

    private void write(String key, CachedResponse v, long queuedAt) {
        Path file;
        synchronized (this) {
            if (v.body.length > maxBytes) {
                stats.diskDropped.increment();
                return;
            }
            file = dir.resolve(Long.toString(nextFile++));
        }
        try {
            Files.createDirectories(dir);
            Files.write(file, v.body);
        } catch (IOException e) {
            Log.event("cache disk tier: cannot write " + file + ": " + e.getMessage());
            stats.diskDropped.increment();
            deleteQuietly(file);
            return;
        }
        List<Path> gone = new ArrayList<>();
        synchronized (this) {
            Long removed = removedAt.get(key);
            boolean stale = queuedAt < forgottenBefore || removed != null && removed > queuedAt;
            if (writer.getQueue().isEmpty()) {
                forgetRemovals(); // no write queued before now is left
            }
            if (stale) {
                // memory pushed it out before a request changed the URL (POST) or a newer response replaced it
                gone.add(file);
                stats.diskDropped.increment();
            } else {
                CachedResponse onDisk = v.onDisk(file);
                List<CachedResponse> variants = new ArrayList<>();
                variants.add(onDisk);
                List<CachedResponse> old = index.get(key);
                if (old != null) {
                    for (CachedResponse o : old) {
                        if (o.sameVariant(onDisk) || variants.size() >= ResponseCache.MAX_VARIANTS) {
                            forget(o, gone);
                        } else {
                            variants.add(o);
                        }
                    }
                }
                index.put(key, variants);
                bytes += onDisk.bodyLength;
                files++;
                evictOver(gone);
                stats.diskWrites.increment();
            }
        }
        gone.forEach(DiskTier::deleteQuietly);
    }

    /** The first variant on disk that {@code request} selects, or {@code null}. */
    synchronized CachedResponse lookup(CacheRequest request) {
        List<CachedResponse> variants = index.get(request.key);
        if (variants != null) {
            for (CachedResponse v : variants) {
                if (v.matches(request)) {
                    return v;
                }
            }
        }
        return null;
    }

    /** Forgets the URL and deletes its files (a response being sent keeps its open file). */
    boolean remove(String key) {
        List<Path> gone = new ArrayList<>();
        synchronized (this) {
            removals++;
            if (removedAt.size() >= MAX_REMOVALS_KEPT) {
                forgetRemovals();
            }
            removedAt.put(key, removals);
            List<CachedResponse> variants = index.remove(key);
            if (variants == null) {
                return false;
            }
            variants.forEach(v -> forget(v, gone));
        }
        gone.forEach(DiskTier::deleteQuietly);
        return true;
    }

    synchronized long entries() {
        return files;
    }

    synchronized long bytes() {
        return bytes;
    }

    /** Forgets which URLs were removed when: the writes queued before now are dropped instead. */
    private void forgetRemovals() {
        removedAt.clear();
        forgottenBefore = removals;
    }

    private void evictOver(List<Path> gone) {
        Iterator<Map.Entry<String, List<CachedResponse>>> it = index.entrySet().iterator();
        while (bytes > maxBytes && it.hasNext()) {
            it.next().getValue().forEach(v -> forget(v, gone));
            it.remove();
        }
    }

    private void forget(CachedResponse v, List<Path> gone) {
        bytes -= v.bodyLength;
        files--;
        gone.add(v.file);
    }

    /** Deletes the directories under {@code root} of Sluice processes that are not running any more. */
    private static void deleteAbandoned(Path root, long self) {
        if (!Files.isDirectory(root)) {
            return;
        }
        try (Stream<Path> children = Files.list(root)) {
            for (Path child : children.toList()) {
                String name = child.getFileName().toString();
                int dash = name.indexOf('-');
                if (dash <= 0 || !name.substring(0, dash).chars().allMatch(Character::isDigit)) {
                    continue; // not ours
                }
                long pid = Long.parseLong(name.substring(0, dash));
                if (pid != self && ProcessHandle.of(pid).isEmpty()) {
                    deleteTree(child);
                }
            }
        } catch (IOException e) {
            Log.event("cache disk tier: cannot list " + root + ": " + e.getMessage());
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(DiskTier::deleteQuietly);
        } catch (IOException e) {
            Log.event("cache disk tier: cannot delete " + dir + ": " + e.getMessage());
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            Log.event("cache disk tier: cannot delete " + file + ": " + e.getMessage());
        }
    }
}
