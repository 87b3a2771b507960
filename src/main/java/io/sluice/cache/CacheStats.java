package io.sluice.cache;

import java.util.concurrent.atomic.LongAdder;

/** What a route's cache did, for /stats and /metrics. Counters only grow. */
public final class CacheStats {
    final LongAdder hits = new LongAdder();
    final LongAdder misses = new LongAdder();
    final LongAdder revalidations = new LongAdder();
    final LongAdder revalidated = new LongAdder();
    final LongAdder stored = new LongAdder();
    final LongAdder notStored = new LongAdder();
    final LongAdder collapsed = new LongAdder();
    final LongAdder bypassed = new LongAdder();
    final LongAdder invalidations = new LongAdder();
    final LongAdder diskHits = new LongAdder();
    final LongAdder diskWrites = new LongAdder();
    final LongAdder diskDropped = new LongAdder();

    /** Requests answered from the cache, memory or disk. */
    public long hits() {
        return hits.sum();
    }

    /** Requests sent to the server because nothing stored could answer them (misses, refreshes the client asked for). */
    public long misses() {
        return misses.sum();
    }

    /** Stored responses sent to the server to confirm (conditional requests). */
    public long revalidations() {
        return revalidations.sum();
    }

    /** Revalidations the server confirmed with 304: the stored body was served. */
    public long revalidated() {
        return revalidated.sum();
    }

    public long stored() {
        return stored.sum();
    }

    /** Responses the server sent that could not be stored (no-store, private, too large, ...). */
    public long notStored() {
        return notStored.sum();
    }

    /** Requests that waited for another request's fetch of the same URL instead of going to the server. */
    public long collapsed() {
        return collapsed.sum();
    }

    /** Requests the cache passed through (HEAD misses, Range, no-store requests). */
    public long bypassed() {
        return bypassed.sum();
    }

    /** Stored URLs dropped because a request changed them (POST, PUT, DELETE, PATCH). */
    public long invalidations() {
        return invalidations.sum();
    }

    public long diskHits() {
        return diskHits.sum();
    }

    /** Responses written to the disk tier as memory pushed them out. */
    public long diskWrites() {
        return diskWrites.sum();
    }

    /** Responses memory pushed out that the disk tier did not take (its writer busy, or a write failed). */
    public long diskDropped() {
        return diskDropped.sum();
    }
}
