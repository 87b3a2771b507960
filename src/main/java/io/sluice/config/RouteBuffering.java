package io.sluice.config;

/**
 * Whether a route's exchanges are buffered in the proxy, so that a slow client never holds a server connection.
 *
 * @param bufferRequest    read the whole request (head and body) before leasing a server connection
 * @param maxRequestBuffer largest request body buffered (default 1 MiB); beyond, {@code overflow} decides
 * @param overflow         {@code reject}: 413 (default); {@code stream}: forward it as it comes, unbuffered
 * @param bufferResponse   read the server's whole response at server speed (memory, then spill file) and
 *                         release the server connection before feeding the client at its own speed
 */
public record RouteBuffering(boolean bufferRequest, int maxRequestBuffer, Overflow overflow,
                             boolean bufferResponse) {
    public enum Overflow { REJECT, STREAM }

    public static final int DEFAULT_MAX_REQUEST_BUFFER = 1 << 20;
    public static final RouteBuffering NONE = new RouteBuffering(false, DEFAULT_MAX_REQUEST_BUFFER, Overflow.REJECT,
            false);
}
