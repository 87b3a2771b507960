package io.sluice.http;

import io.netty.buffer.ByteBuf;

/** Request methods the proxy treats specially; everything else is {@link #OTHER}. */
enum Method {
    GET(true), HEAD(true), POST(false), PUT(true), DELETE(true), OPTIONS(true), TRACE(true), CONNECT(false),
    PATCH(false), OTHER(false);

    private static final Method[] KNOWN = {GET, HEAD, POST, PUT, DELETE, OPTIONS, TRACE, CONNECT, PATCH};
    private static final byte[][] NAMES = new byte[KNOWN.length][];

    static {
        for (int i = 0; i < KNOWN.length; i++) {
            NAMES[i] = Ascii.bytes(KNOWN[i].name());
        }
    }

    /** RFC 9110 §9.2.2: repeating the request has the same effect, so a failed attempt may be retried. */
    final boolean idempotent;

    Method(boolean idempotent) {
        this.idempotent = idempotent;
    }

    /** Methods are case-sensitive (RFC 9110 §9.1), so this is an exact compare. */
    static Method of(ByteBuf buf, int start, int end) {
        int len = end - start;
        for (int i = 0; i < KNOWN.length; i++) {
            byte[] name = NAMES[i];
            if (name.length == len && Ascii.sameBytes(buf, start, name)) {
                return KNOWN[i];
            }
        }
        return OTHER;
    }
}
