package io.sluice.config;

/**
 * Request size limits of a listener.
 *
 * @param requestLine longest request line in bytes (default 8 KiB) → 414
 * @param headerBytes largest request head in bytes, request line included (default 32 KiB) → 431
 * @param headers     most header fields in one request (default 100) → 431
 */
public record ListenerLimits(int requestLine, int headerBytes, int headers) {
    public static final ListenerLimits DEFAULTS = new ListenerLimits(8 * 1024, 32 * 1024, 100);
}
