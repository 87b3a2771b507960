package io.sluice.config;

import java.nio.file.Path;

/**
 * Memory and disk that buffered exchanges (route options {@code buffer_request}, {@code buffer_response}) and
 * held pipelined responses may use, for the whole process.
 *
 * @param memoryBudget   bytes all exchanges together may hold in memory (default 64 MiB); when short, each
 *                       buffering exchange gets a fair share and the rest spills to disk or waits
 * @param exchangeMemory most bytes one exchange holds in memory before it spills (default 1 MiB)
 * @param spillDir       directory of spill files (default: the system temporary directory + {@code /sluice-spill});
 *                       emptied at start-up
 * @param maxSpill       most bytes one exchange may spill (default 1 GiB); beyond, the response streams with
 *                       backpressure instead
 * @param preallocate    warm the buffer pool at start-up instead of on first use (default false)
 * @param maxSpillTotal  most bytes all exchanges together may have in spill files at once (default 16 GiB);
 *                       beyond, held responses stream with backpressure instead
 */
public record BuffersConfig(long memoryBudget, int exchangeMemory, Path spillDir, long maxSpill, boolean preallocate,
                            long maxSpillTotal) {
    public static final long DEFAULT_MAX_SPILL_TOTAL = 16L << 30;
    public static final BuffersConfig DEFAULTS = new BuffersConfig(64L << 20, 1 << 20,
            Path.of(System.getProperty("java.io.tmpdir"), "sluice-spill"), 1L << 30, false, DEFAULT_MAX_SPILL_TOTAL);

    public BuffersConfig(long memoryBudget, int exchangeMemory, Path spillDir, long maxSpill, boolean preallocate) {
        this(memoryBudget, exchangeMemory, spillDir, maxSpill, preallocate, DEFAULT_MAX_SPILL_TOTAL);
    }
}
