package io.sluice.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Store and forward for routes with {@code deliver: deferred}: where the journal lives and how hard the background
 * sender tries.
 *
 * @param journalDir      directory of journal segments, acknowledgement files and the dead-letter file (default: the
 *                        system temporary directory + {@code /sluice-deferred}); never emptied by Sluice
 * @param maxAttempts     deliveries tried per record before it is dead-lettered; 0: no limit by count (default 0)
 * @param giveUpAfter     age of a record past which a failed delivery dead-letters it (default 24h)
 * @param backoffInitial  wait after the first failed delivery of a record (default 1s); doubled after each failure
 * @param backoffMax      longest wait between two deliveries of a record (default 60s)
 * @param maxJournalBytes most bytes the journal may hold (records not yet delivered); beyond, requests get 503
 *                        (default 256 MiB)
 * @param segmentBytes    size past which the journal starts a new segment file (default 16 MiB)
 */
public record DeferredConfig(Path journalDir, int maxAttempts, Duration giveUpAfter, Duration backoffInitial,
                             Duration backoffMax, long maxJournalBytes, long segmentBytes) {
    public static final DeferredConfig DEFAULTS = new DeferredConfig(
            Path.of(System.getProperty("java.io.tmpdir"), "sluice-deferred"), 0, Duration.ofHours(24),
            Duration.ofSeconds(1), Duration.ofSeconds(60), 256L << 20, 16L << 20);
}
