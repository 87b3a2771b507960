package io.sluice.tcp;

import io.netty.buffer.ByteBuf;

import java.util.Arrays;

/**
 * IP addresses and ports as ASCII text, read and written in place in a {@link ByteBuf}. Only the strict numeric forms
 * are read: this never looks a name up, so a header cannot make the proxy wait for DNS or connect where a name
 * resolves.
 */
final class AddressText {
    private static final byte[] HEX = {'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
    private static final byte[] MAPPED_PREFIX = {':', ':', 'f', 'f', 'f', 'f', ':'};

    private AddressText() {
    }

    /**
     * Reads dotted-decimal IPv4 text from {@code buf[start, end)} into {@code out[at, at + 4)}: four numbers 0..255
     * without leading zeros (which some parsers read as octal, so two readers could disagree on the address).
     *
     * @return whether the whole range was such an address
     */
    static boolean parseIpv4(ByteBuf buf, int start, int end, byte[] out, int at) {
        int i = start;
        for (int n = 0; n < 4; n++) {
            int partEnd = n < 3 ? buf.indexOf(i, end, (byte) '.') : end;
            if (partEnd < 0) {
                return false;
            }
            int value = parseDecimal(buf, i, partEnd, 3);
            if (value < 0 || value > 255) {
                return false;
            }
            out[at + n] = (byte) value;
            i = partEnd + 1;
        }
        return true;
    }

    /**
     * Reads IPv6 text (RFC 4291 section 2.2: hex groups, at most one "::", optionally a dotted IPv4 tail) from
     * {@code buf[start, end)} into the 16 bytes of {@code out}. No brackets, no zone id: neither belongs in a header.
     *
     * @return whether the whole range was such an address
     */
    static boolean parseIpv6(ByteBuf buf, int start, int end, byte[] out) {
        int words = 0;
        int gap = -1;   // index of the word where "::" stands
        int i = start;
        if (end - start >= 2 && buf.getByte(i) == ':' && buf.getByte(i + 1) == ':') {
            gap = 0;
            i += 2;
        }
        while (i < end) {
            int partEnd = buf.indexOf(i, end, (byte) ':');
            if (partEnd < 0) {
                partEnd = end;
            }
            if (buf.indexOf(i, partEnd, (byte) '.') >= 0) {
                // an IPv4 tail takes two words and ends the address
                if (partEnd != end || words > 6 || !parseIpv4(buf, i, end, out, words * 2)) {
                    return false;
                }
                words += 2;
                break;
            }
            int word = parseHexWord(buf, i, partEnd);
            if (word < 0 || words == 8) {
                return false;
            }
            out[words * 2] = (byte) (word >> 8);
            out[words * 2 + 1] = (byte) word;
            words++;
            if (partEnd == end) {
                break;
            }
            i = partEnd + 1;
            if (i == end) {
                return false;   // a single trailing ':'
            }
            if (buf.getByte(i) == ':') {
                if (gap >= 0) {
                    return false;
                }
                gap = words;
                i++;
            }
        }
        if (gap < 0) {
            return words == 8;
        }
        if (words == 8) {
            return false;   // "::" stands for at least one zero word
        }
        int tail = (words - gap) * 2;
        System.arraycopy(out, gap * 2, out, 16 - tail, tail);
        Arrays.fill(out, gap * 2, 16 - tail, (byte) 0);
        return true;
    }

    /** Reads a port, 0..65535 in decimal without sign or leading zeros, from {@code buf[start, end)}; -1 if not one. */
    static int parsePort(ByteBuf buf, int start, int end) {
        int port = parseDecimal(buf, start, end, 5);
        return port <= 65535 ? port : -1;
    }

    /**
     * Writes {@code address} (4 or 16 bytes) as text: dotted decimal, or RFC 5952's canonical IPv6 form (lowercase,
     * no leading zeros, the longest run of two or more zero words as "::", IPv4-mapped addresses as ::ffff:a.b.c.d).
     * An IPv4 address is written IPv4-mapped when {@code asIpv6}.
     */
    static void writeIp(ByteBuf out, byte[] address, boolean asIpv6) {
        if (address.length == 4) {
            if (asIpv6) {
                out.writeBytes(MAPPED_PREFIX);
            }
            writeIpv4(out, address, 0);
        } else if (isIpv4Mapped(address)) {
            out.writeBytes(MAPPED_PREFIX);
            writeIpv4(out, address, 12);
        } else {
            writeIpv6(out, address);
        }
    }

    /** Writes a non-negative number in decimal. */
    static void writeDecimal(ByteBuf out, int value) {
        int divisor = 1;
        while (value / divisor >= 10) {
            divisor *= 10;
        }
        for (; divisor > 0; divisor /= 10) {
            out.writeByte('0' + value / divisor % 10);
        }
    }

    /** A decimal number of 1 to {@code maxDigits} digits without leading zeros, or -1. */
    private static int parseDecimal(ByteBuf buf, int start, int end, int maxDigits) {
        int length = end - start;
        if (length < 1 || length > maxDigits || length > 1 && buf.getByte(start) == '0') {
            return -1;
        }
        int value = 0;
        for (int i = start; i < end; i++) {
            int digit = buf.getByte(i) - '0';
            if (digit < 0 || digit > 9) {
                return -1;
            }
            value = value * 10 + digit;
        }
        return value;
    }

    /** One to four hex digits (leading zeros are allowed in IPv6 text), or -1. */
    private static int parseHexWord(ByteBuf buf, int start, int end) {
        if (end - start < 1 || end - start > 4) {
            return -1;
        }
        int value = 0;
        for (int i = start; i < end; i++) {
            int digit = Character.digit(buf.getByte(i), 16);
            if (digit < 0) {
                return -1;
            }
            value = value << 4 | digit;
        }
        return value;
    }

    private static boolean isIpv4Mapped(byte[] a) {
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
    }

    private static void writeIpv4(ByteBuf out, byte[] a, int at) {
        for (int i = 0; i < 4; i++) {
            if (i > 0) {
                out.writeByte('.');
            }
            writeDecimal(out, a[at + i] & 0xff);
        }
    }

    private static void writeIpv6(ByteBuf out, byte[] a) {
        // RFC 5952 4.2: compress the longest run of zero words (the first of equal runs), never a single one
        int runStart = -1;
        int runLength = 1;
        for (int w = 0; w < 8; ) {
            if (word(a, w) != 0) {
                w++;
                continue;
            }
            int start = w;
            while (w < 8 && word(a, w) == 0) {
                w++;
            }
            if (w - start > runLength) {
                runStart = start;
                runLength = w - start;
            }
        }
        for (int w = 0; w < 8; w++) {
            if (w == runStart) {
                out.writeByte(':').writeByte(':');
                w += runLength - 1;
                continue;
            }
            if (w > 0 && w != runStart + runLength) {
                out.writeByte(':');
            }
            writeHexWord(out, word(a, w));
        }
    }

    private static int word(byte[] a, int w) {
        return (a[w * 2] & 0xff) << 8 | a[w * 2 + 1] & 0xff;
    }

    private static void writeHexWord(ByteBuf out, int word) {
        int shift = 12;
        while (shift > 0 && word >> shift == 0) {
            shift -= 4;
        }
        for (; shift >= 0; shift -= 4) {
            out.writeByte(HEX[word >> shift & 0xf]);
        }
    }
}
