package io.sluice.http;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;

import java.nio.charset.StandardCharsets;

/** Byte-level ASCII helpers for parsing HTTP heads in place. */
final class Ascii {
    private static final boolean[] TCHAR = new boolean[256];
    /** RFC 3986 unreserved: ALPHA / DIGIT / "-" / "." / "_" / "~". */
    private static final boolean[] UNRESERVED = new boolean[256];
    /** RFC 3986 reg-name without pct-encoded: unreserved / sub-delims. */
    private static final boolean[] REG_NAME = new boolean[256];
    /** RFC 3986 path characters without pct-encoded: pchar / "/" (pchar = unreserved / sub-delims / ":" / "@"). */
    private static final boolean[] PATH = new boolean[256];
    /** RFC 3986 query characters without pct-encoded: pchar / "/" / "?". */
    private static final boolean[] QUERY = new boolean[256];

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
        for (int c = 0; c < 128; c++) {
            UNRESERVED[c] = c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || "-._~".indexOf(c) >= 0;
            REG_NAME[c] = UNRESERVED[c] || "!$&'()*+,;=".indexOf(c) >= 0;
            PATH[c] = REG_NAME[c] || c == ':' || c == '@' || c == '/';
            QUERY[c] = PATH[c] || c == '?';
        }
    }

    /*
     * Byte processors for ByteBuf.forEachByte, which checks the range once instead of at every getByte: each goes on
     * while the byte belongs to its class, so forEachByte returns the index of the first byte that does not, or -1.
     */
    /** Token characters (a method, a field name). */
    static final ByteProcessor WHILE_TCHAR = b -> TCHAR[b & 0xff];
    /** Field value bytes: anything but control characters other than HTAB (obs-text included). */
    static final ByteProcessor WHILE_FIELD_VALUE = b -> !isCtlNotTab(b);
    /** Visible ASCII: stops at a space, a control character, DEL or a byte over 0x7f (the end of a target). */
    static final ByteProcessor WHILE_VISIBLE = b -> b > ' ' && b != 0x7f;
    /** Path segment characters: stops at '/', '?', '%' and at anything not allowed in a path. */
    static final ByteProcessor WHILE_SEGMENT = b -> b != '/' && PATH[b & 0xff];
    /** Query characters: stops at '%' and at anything not allowed in a query. */
    static final ByteProcessor WHILE_QUERY = b -> QUERY[b & 0xff];
    /** Reg-name characters without '%': stops at ':' and at anything not allowed in a host. */
    static final ByteProcessor WHILE_REG_NAME = b -> REG_NAME[b & 0xff];

    private Ascii() {
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** RFC 9110 §5.6.2 token character. */
    static boolean isTchar(int b) {
        return TCHAR[b & 0xff];
    }

    /** RFC 3986 unreserved character (also what a percent-encoding must not encode in a normalised path). */
    static boolean isUnreserved(int b) {
        return UNRESERVED[b & 0xff];
    }

    /** Control characters other than HTAB (RFC 9110 §5.5 field values: no CTL but HTAB; obs-text allowed). */
    static boolean isCtlNotTab(int b) {
        return (b >= 0 && b < ' ' && b != '\t') || b == 0x7f;
    }

    /** The value of a hex digit, or -1. */
    static int hexValue(int b) {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        int lower = b | 0x20;
        return lower >= 'a' && lower <= 'f' ? lower - 'a' + 10 : -1;
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
    /**
     * Whether the name {@code buf[start, end)} is {@code lower} (a lower-case name with '-') spelt with at least one
     * '_' for a '-': a CGI-style gateway maps both spellings to the same variable.
     */
    static boolean isUnderscoreLookalike(ByteBuf buf, int start, int end, byte[] lower) {
        if (end - start != lower.length || buf.indexOf(start, end, (byte) '_') < 0) {
            return false;
        }
        for (int i = 0; i < lower.length; i++) {
            int b = toLower(buf.getByte(start + i));
            if (b != lower[i] && !(b == '_' && lower[i] == '-')) {
                return false;
            }
        }
        return true;
    }

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
