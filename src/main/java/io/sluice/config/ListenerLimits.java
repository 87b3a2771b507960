package io.sluice.config;

/**
 * Request size limits of a listener.
 *
 * @param requestLine longest request line in bytes (default 8 KiB) → 414
 * @param headerBytes largest request head in bytes, request line included (default 32 KiB) → 431
 * @param headers     most header fields in one request (default 100) → 431
 * @param maxPipeline most pipelined requests of one client connection in flight at once (default 16); 1 serves
 *                    them one after the other
 */
public record ListenerLimits(int requestLine, int headerBytes, int headers, int maxPipeline) {
    public static final int DEFAULT_MAX_PIPELINE = 16;
    public static final ListenerLimits DEFAULTS = new ListenerLimits(8 * 1024, 32 * 1024, 100, DEFAULT_MAX_PIPELINE);

    public ListenerLimits(int requestLine, int headerBytes, int headers) {
        this(requestLine, headerBytes, headers, DEFAULT_MAX_PIPELINE);
    }
}
