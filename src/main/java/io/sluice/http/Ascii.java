package io.sluice.http;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/** Byte-level ASCII helpers for parsing HTTP heads in place. */
final class Ascii {
    private static final boolean[] TCHAR = new boolean[256];

    static {
        for (int c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
        }
        for (int c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = true;
            TCHAR[c - 32] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
    }

    private Ascii() {
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** RFC 9110 §5.6.2 token character. */
    static boolean isTchar(int b) {
        return TCHAR[b & 0xff];
    }

    static int toLower(int b) {
        return b >= 'A' && b <= 'Z' ? b + 32 : b;
    }

    /** Whether {@code buf[start, start + lower.length)} equals {@code lower}, ignoring ASCII case. */
    static boolean equalsIgnoreCase(ByteBuf buf, int start, byte[] lower) {
        for (int i = 0; i < lower.length; i++) {
            if (toLower(buf.getByte(start + i)) != lower[i]) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code buf} holds exactly {@code bytes} at {@code start} (the caller checked the length). */
    static boolean sameBytes(ByteBuf buf, int start, byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            if (buf.getByte(start + i) != bytes[i]) {
                return false;
            }
        }
        return true;
    }

    /** Whether two ranges of {@code buf} are equal ignoring ASCII case. */
    static boolean rangesEqualIgnoreCase(ByteBuf buf, int a, int aEnd, int b, int bEnd) {
        if (aEnd - a != bEnd - b) {
            return false;
        }
        for (int i = 0; i < aEnd - a; i++) {
            if (toLower(buf.getByte(a + i)) != toLower(buf.getByte(b + i))) {
                return false;
            }
        }
        return true;
    }

    static int skipOws(ByteBuf buf, int i, int end) {
        while (i < end) {
            byte b = buf.getByte(i);
            if (b != ' ' && b != '\t') {
                break;
            }
            i++;
        }
        return i;
    }

    static int trimOwsEnd(ByteBuf buf, int start, int end) {
        while (end > start) {
            byte b = buf.getByte(end - 1);
            if (b != ' ' && b != '\t') {
                break;
            }
            end--;
        }
        return end;
    }

    /** Writes a non-negative decimal number without allocating. */
    static void writeDecimal(ByteBuf out, long value) {
        if (value == 0) {
            out.writeByte('0');
            return;
        }
        int digits = 0;
        for (long v = value; v > 0; v /= 10) {
            digits++;
        }
        int at = out.writerIndex() + digits;
        out.ensureWritable(digits);
        for (long v = value; v > 0; v /= 10) {
            out.setByte(--at, (int) ('0' + v % 10));
        }
        out.writerIndex(out.writerIndex() + digits);
    }
}
