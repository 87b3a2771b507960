package io.sluice.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;

/**
 * Strict parser of the PROXY protocol header (version 1 or 2) at the start of the bytes a connection sent. It looks
 * at all bytes received so far on every call, without moving the buffer's indexes: a header is at most 2 KiB and
 * nearly always arrives in one read. It rejects as soon as the bytes cannot begin a valid header, and a failure is a
 * value: {@link #parse} returns {@link #INVALID}. One instance per connection.
 */
final class ProxyHeaderParser {
    static final int INCOMPLETE = 0;
    static final int INVALID = -1;
    /** Longest version 2 address block accepted, TLVs included: enough for any sender's TLVs, bounded for memory. */
    static final int V2_MAX_ADDRESSES = 2048;

    private static final byte[] V1_SIGNATURE = ascii("PROXY ");
    private static final byte[] UNKNOWN = ascii("UNKNOWN");
    private static final byte[] TCP4 = ascii("TCP4 ");
    private static final byte[] TCP6 = ascii("TCP6 ");
    private static final int V2_VERSION = 2;
    private static final int V2_COMMAND_LOCAL = 0;
    private static final int V2_COMMAND_PROXY = 1;
    private static final int V2_UNSPEC = 0;

    /** What the last successful parse carried, or null when the header names no addresses. */
    private InetSocketAddress source;
    private InetSocketAddress destination;

    /**
     * Parses the header at {@code buf}'s reader index.
     *
     * @return the header's length in bytes (> 0), {@link #INCOMPLETE} if more bytes are needed, or {@link #INVALID}
     */
    int parse(ByteBuf buf) {
        source = null;
        destination = null;
        int start = buf.readerIndex();
        int end = buf.writerIndex();
        boolean v2 = end > start && buf.getByte(start) == '\r';
        byte[] signature = v2 ? ProxyHeader.V2_SIGNATURE : V1_SIGNATURE;
        int seen = Math.min(end - start, signature.length);
        if (!startsWith(buf, start, start + seen, signature, seen)) {
            return INVALID;
        }
        if (seen < signature.length) {
            return INCOMPLETE;
        }
        return v2 ? parseV2(buf, start, end) : parseV1(buf, start, end);
    }

    /**
     * The connection the last successful {@link #parse} described; the addresses of {@code channel} itself stand in
     * when the header carried none.
     */
    ProxiedConnection connection(Channel channel) {
        return source == null ? ProxiedConnection.of(channel) : new ProxiedConnection(source, destination);
    }

    private int parseV1(ByteBuf buf, int start, int end) {
        // the CR ends the line: at the latest it is the next-to-last byte of the longest header
        int limit = Math.min(end, start + ProxyHeader.V1_MAX_LENGTH - 1);
        int cr = -1;
        for (int i = start + V1_SIGNATURE.length; i < limit; i++) {
            byte b = buf.getByte(i);
            if (b == '\r') {
                cr = i;
                break;
            }
            if (b == '\n') {
                return INVALID;
            }
        }
        if (cr < 0) {
            return limit - start == ProxyHeader.V1_MAX_LENGTH - 1 ? INVALID : INCOMPLETE;
        }
        if (cr + 1 == end) {
            return INCOMPLETE;
        }
        if (buf.getByte(cr + 1) != '\n' || !parseV1Line(buf, start + V1_SIGNATURE.length, cr)) {
            return INVALID;
        }
        return cr + 2 - start;
    }

    /** Parses what follows "PROXY " up to the CR: protocol, two addresses and two ports, each after one space. */
    private boolean parseV1Line(ByteBuf buf, int at, int end) {
        if (startsWith(buf, at, end, UNKNOWN, UNKNOWN.length)) {
            // the spec has the receiver ignore whatever follows UNKNOWN on the line
            int next = at + UNKNOWN.length;
            return next == end || buf.getByte(next) == ' ';
        }
        boolean ipv6 = startsWith(buf, at, end, TCP6, TCP6.length);
        if (!ipv6 && !startsWith(buf, at, end, TCP4, TCP4.length)) {
            return false;
        }
        int srcStart = at + TCP4.length;
        int srcEnd = buf.indexOf(srcStart, end, (byte) ' ');
        int dstEnd = srcEnd < 0 ? -1 : buf.indexOf(srcEnd + 1, end, (byte) ' ');
        int srcPortEnd = dstEnd < 0 ? -1 : buf.indexOf(dstEnd + 1, end, (byte) ' ');
        if (srcPortEnd < 0) {
            return false;
        }
        InetAddress src = textAddress(buf, srcStart, srcEnd, ipv6);
        InetAddress dst = textAddress(buf, srcEnd + 1, dstEnd, ipv6);
        int srcPort = AddressText.parsePort(buf, dstEnd + 1, srcPortEnd);
        int dstPort = AddressText.parsePort(buf, srcPortEnd + 1, end);
        if (src == null || dst == null || srcPort < 0 || dstPort < 0) {
            return false;
        }
        source = new InetSocketAddress(src, srcPort);
        destination = new InetSocketAddress(dst, dstPort);
        return true;
    }

    private int parseV2(ByteBuf buf, int start, int end) {
        if (end - start < ProxyHeader.V2_FIXED_LENGTH) {
            return INCOMPLETE;
        }
        int versionCommand = buf.getUnsignedByte(start + 12);
        int family = buf.getUnsignedByte(start + 13);
        int length = buf.getUnsignedShort(start + 14);
        int command = versionCommand & 0xf;
        if (versionCommand >> 4 != V2_VERSION || command != V2_COMMAND_LOCAL && command != V2_COMMAND_PROXY
                || family != V2_UNSPEC && family != ProxyHeader.V2_TCP4 && family != ProxyHeader.V2_TCP6
                || length > V2_MAX_ADDRESSES) {
            return INVALID;
        }
        int total = ProxyHeader.V2_FIXED_LENGTH + length;
        if (end - start < total) {
            return INCOMPLETE;
        }
        if (command == V2_COMMAND_LOCAL || family == V2_UNSPEC) {
            // the spec has the receiver discard the block: the sender speaks for itself, not for a client
            return total;
        }
        boolean ipv6 = family == ProxyHeader.V2_TCP6;
        int needed = ipv6 ? ProxyHeader.V2_TCP6_ADDRESSES : ProxyHeader.V2_TCP4_ADDRESSES;
        int blockStart = start + ProxyHeader.V2_FIXED_LENGTH;
        if (length < needed || !wholeTlvs(buf, blockStart + needed, start + total)) {
            return INVALID;
        }
        int size = ipv6 ? 16 : 4;
        source = new InetSocketAddress(binaryAddress(buf, blockStart, size),
                buf.getUnsignedShort(blockStart + 2 * size));
        destination = new InetSocketAddress(binaryAddress(buf, blockStart + size, size),
                buf.getUnsignedShort(blockStart + 2 * size + 2));
        return total;
    }

    /**
     * Whether {@code buf[start, end)} divides into whole TLVs (type, 2-byte length, value). Their contents are not
     * used, but a block that does not divide is a malformed header.
     */
    private static boolean wholeTlvs(ByteBuf buf, int start, int end) {
        int i = start;
        while (i < end) {
            if (end - i < 3) {
                return false;
            }
            i += 3 + buf.getUnsignedShort(i + 1);
        }
        return i == end;
    }

    private static InetAddress textAddress(ByteBuf buf, int start, int end, boolean ipv6) {
        byte[] ip = new byte[ipv6 ? 16 : 4];
        boolean valid = ipv6 ? AddressText.parseIpv6(buf, start, end, ip) : AddressText.parseIpv4(buf, start, end, ip, 0);
        return valid ? byAddress(ip) : null;
    }

    private static InetAddress binaryAddress(ByteBuf buf, int at, int size) {
        byte[] ip = new byte[size];
        buf.getBytes(at, ip);
        return byAddress(ip);
    }

    /** The address of 4 or 16 raw bytes; no name lookup happens. */
    private static InetAddress byAddress(byte[] ip) {
        try {
            return InetAddress.getByAddress(ip);
        } catch (UnknownHostException e) {
            throw new AssertionError("an IP address of " + ip.length + " bytes", e);
        }
    }

    /** Whether {@code buf[at, end)} begins with the first {@code length} bytes of {@code prefix}. */
    private static boolean startsWith(ByteBuf buf, int at, int end, byte[] prefix, int length) {
        if (end - at < length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (buf.getByte(at + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
