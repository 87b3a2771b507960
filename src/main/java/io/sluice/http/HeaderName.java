package io.sluice.http;

import io.netty.buffer.ByteBuf;

/**
 * The header names the proxy acts on, recognised by length and a case-insensitive byte compare, so that
 * classifying a header allocates nothing.
 */
enum HeaderName {
    OTHER(""),
    HOST("host"),
    CONTENT_LENGTH("content-length"),
    TRANSFER_ENCODING("transfer-encoding"),
    CONNECTION("connection"),
    KEEP_ALIVE("keep-alive"),
    PROXY_CONNECTION("proxy-connection"),
    TE("te"),
    TRAILER("trailer"),
    UPGRADE("upgrade"),
    EXPECT("expect"),
    X_FORWARDED_FOR("x-forwarded-for"),
    X_FORWARDED_PROTO("x-forwarded-proto"),
    X_FORWARDED_HOST("x-forwarded-host"),
    VIA("via");

    private static final HeaderName[] VALUES = values();

    final byte[] lower;

    HeaderName(String lower) {
        this.lower = Ascii.bytes(lower);
    }

    /** The known header whose name is {@code buf[start, end)}, or {@link #OTHER}. */
    static HeaderName classify(ByteBuf buf, int start, int end) {
        int len = end - start;
        for (int i = 1; i < VALUES.length; i++) {
            HeaderName h = VALUES[i];
            if (h.lower.length == len && Ascii.equalsIgnoreCase(buf, start, h.lower)) {
                return h;
            }
        }
        return OTHER;
    }

    /** Hop-by-hop per RFC 9110 §7.6.1, plus Trailer and Proxy-Connection as the issue asks. */
    boolean hopByHop() {
        switch (this) {
            case CONNECTION:
            case KEEP_ALIVE:
            case PROXY_CONNECTION:
            case TE:
            case TRAILER:
            case UPGRADE:
                return true;
            default:
                return false;
        }
    }
}
