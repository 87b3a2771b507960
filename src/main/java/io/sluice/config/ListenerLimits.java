package io.sluice.config;

/**
 * Request size limits of a listener.
 *
 * @param requestLine longest request line in bytes (default 8 KiB) → 414
 * @param headerBytes largest request head in bytes, request line included (default 32 KiB) → 431
 * @param headers     most header fields in one request (default 100) → 431
 * @param maxPipeline most pipelined requests of one client connection in flight at once (default 16); 1 serves
 *                    them one after the other
 * @param body        largest request body in bytes (default 1 GiB) → 413
 * @param requestsPerConnection requests served on one client connection (default 10000); the last one is answered
 *                    with {@code Connection: close}
 */
public record ListenerLimits(int requestLine, int headerBytes, int headers, int maxPipeline, long body,
                             int requestsPerConnection) {
    public static final int DEFAULT_MAX_PIPELINE = 16;
    public static final long DEFAULT_BODY = 1L << 30;
    public static final int DEFAULT_REQUESTS_PER_CONNECTION = 10_000;
    public static final ListenerLimits DEFAULTS = new ListenerLimits(8 * 1024, 32 * 1024, 100, DEFAULT_MAX_PIPELINE);

    public ListenerLimits(int requestLine, int headerBytes, int headers, int maxPipeline) {
        this(requestLine, headerBytes, headers, maxPipeline, DEFAULT_BODY, DEFAULT_REQUESTS_PER_CONNECTION);
    }

    public ListenerLimits(int requestLine, int headerBytes, int headers) {
        this(requestLine, headerBytes, headers, DEFAULT_MAX_PIPELINE);
    }
}
