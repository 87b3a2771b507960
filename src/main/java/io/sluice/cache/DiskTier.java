package io.sluice.cache;

import io.sluice.log.Log;

import java.io.IOException;
import java.lang.ref.Cleaner;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.StandardOpenOption;
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
import java.util.stream.Stream;

/**
 * The disk tier of a route's cache: responses the memory tier pushes out, their bodies in files (served with
 * sendfile), their heads in memory. Bounded by bytes of body ({@code disk_max}), least recently used first out.
 * Written by one thread of its own, through a bounded queue: when it is full, what memory pushes out is dropped.
 *
 * <p>Each cache writes in a directory of its own under {@code disk_dir} ({@code cache-*}, a unique name), locked
 * while it is used; at start, the directories nobody holds the lock of are deleted (a process that is gone: the
 * tier does not outlive its process, a restart starts empty). Processes sharing {@code disk_dir} (a new one started
 * next to the old, containers with the same PID) therefore never mix files. A tier no longer reachable (a reload
 * replaced its route) deletes its directory when it is collected.
 */
final class DiskTier {
    private static final int WRITE_QUEUE = 256;
    /** URLs whose removal is remembered while writes are queued; past it, the queued writes are dropped. */
    private static final int MAX_REMOVALS_KEPT = 4096;
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

    private static final String PREFIX = "cache-";
    private static final String LOCK = "lock";
    /** Directories without a lock file younger than this may be being set up by another process. */
    private static final long SETUP_GRACE_MILLIS = 60_000;

    /**
     * The disk tier in a new directory under {@code root}, after deleting the directories nobody uses any more; or
     * {@code null} (logged) when the directory cannot be made: the cache then works in memory only.
     */
    static DiskTier open(Path root, long maxBytes, CacheStats stats) {
        Path dir = null;
        FileChannel lockFile = null;
        try {
            Files.createDirectories(root);
            dir = Files.createTempDirectory(root, PREFIX);
            lockFile = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            if (lockFile.tryLock() == null) {
                throw new IOException("cannot lock " + dir.resolve(LOCK));
            }
        } catch (IOException e) {
            Log.event("cache disk tier off: cannot set up a directory in " + root + ": " + e.getMessage());
            closeQuietly(lockFile);
            if (dir != null) {
                deleteTree(dir);
            }
            return null;
        }
        deleteAbandoned(root, dir);
        return new DiskTier(dir, lockFile, maxBytes, stats);
    }

    private DiskTier(Path dir, FileChannel lockFile, long maxBytes, CacheStats stats) {
        this.dir = dir;
        this.maxBytes = maxBytes;
        this.stats = stats;
        this.writer = new ThreadPoolExecutor(1, 1, 10, TimeUnit.SECONDS, new ArrayBlockingQueue<>(WRITE_QUEUE), r -> {
            Thread t = new Thread(r, "sluice-cache-disk");
            t.setDaemon(true);
            return t;
        });
        writer.allowCoreThreadTimeOut(true); // an idle tier keeps no thread
        CLEANER.register(this, () -> {
            closeQuietly(lockFile);
            deleteTree(dir);
        });
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

    /**
     * Forgets the URL; its files are deleted on the writer's thread (callers are event loops). A response being sent
     * keeps its open file.
     */
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
        deleteLater(gone);
        return true;
    }

    private void deleteLater(List<Path> gone) {
        if (gone.isEmpty()) {
            return;
        }
        try {
            writer.execute(() -> gone.forEach(DiskTier::deleteQuietly));
        } catch (RejectedExecutionException e) {
            gone.forEach(DiskTier::deleteQuietly); // the queue is full: now, rather than never
        }
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
    /** Deletes the tier directories under {@code root} whose lock nobody holds, but {@code own}. */
    private static void deleteAbandoned(Path root, Path own) {
        try (Stream<Path> children = Files.list(root)) {
            for (Path child : children.toList()) {
                if (!child.equals(own) && child.getFileName().toString().startsWith(PREFIX) && abandoned(child)) {
                    deleteTree(child);
                }
            }
        } catch (IOException e) {
            Log.event("cache disk tier: cannot list " + root + ": " + e.getMessage());
        }
    }

    private static boolean abandoned(Path dir) throws IOException {
        Path lock = dir.resolve(LOCK);
        if (!Files.exists(lock)) {
            return System.currentTimeMillis() - Files.getLastModifiedTime(dir).toMillis() > SETUP_GRACE_MILLIS;
        }
        try (FileChannel c = FileChannel.open(lock, StandardOpenOption.WRITE)) {
            FileLock l = c.tryLock();
            if (l == null) {
                return false; // another process uses it
            }
            l.release();
            return true;
        } catch (OverlappingFileLockException e) {
            return false; // another cache of this process
        }
    }

    private static void closeQuietly(FileChannel c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException e) {
                Log.event("cache disk tier: cannot close a lock file: " + e.getMessage());
            }
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
