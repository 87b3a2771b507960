package io.sluice.route;

import io.netty.buffer.ByteBuf;

/** Compares request bytes in place with configured ASCII strings. */
final class Bytes {
    private Bytes() {
    }

    /** Whether {@code buf[start, end)} equals {@code lower} (already lower case), ignoring ASCII case. */
    static boolean equalsIgnoreCase(ByteBuf buf, int start, int end, byte[] lower) {
        if (end - start != lower.length) {
            return false;
        }
        for (int i = 0; i < lower.length; i++) {
            if (toLower(buf.getByte(start + i)) != lower[i]) {
                return false;
            }
        }
        return true;
    }

    static boolean equals(ByteBuf buf, int start, int end, byte[] bytes) {
        return end - start == bytes.length && startsWith(buf, start, end, bytes);
    }

    static boolean startsWith(ByteBuf buf, int start, int end, byte[] prefix) {
        if (end - start < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (buf.getByte(start + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    static int toLower(int b) {
        return b >= 'A' && b <= 'Z' ? b + 32 : b;
    }

    /** Case-insensitive hash of {@code buf[start, end)}, consistent with {@link #hashLower(byte[])}. */
    static int hashIgnoreCase(ByteBuf buf, int start, int end) {
        int h = 0;
        for (int i = start; i < end; i++) {
            h = 31 * h + toLower(buf.getByte(i));
        }
        return h;
    }

    static int hashLower(byte[] lower) {
        int h = 0;
        for (byte b : lower) {
            h = 31 * h + b;
        }
        return h;
    }
}
