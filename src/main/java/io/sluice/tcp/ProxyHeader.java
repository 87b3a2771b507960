package io.sluice.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.sluice.config.SendProxy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * Writes the HAProxy PROXY protocol header (version 1 text or version 2 binary, command PROXY over TCP) that tells a
 * server which client a connection is really for. Addresses of different families are sent as IPv6, the IPv4 one
 * IPv4-mapped (::ffff:a.b.c.d), since a header carries a single family.
 *
 * @see <a href="https://www.haproxy.org/download/2.8/doc/proxy-protocol.txt">The PROXY protocol</a>
 */
public final class ProxyHeader {
    /** The version 2 signature: it cannot begin any HTTP request or version 1 header. */
    static final byte[] V2_SIGNATURE = {'\r', '\n', '\r', '\n', 0, '\r', '\n', 'Q', 'U', 'I', 'T', '\n'};
    /** The version 2 header before its address block: signature, version and command, family, block length. */
    static final int V2_FIXED_LENGTH = 16;
    /** Longest version 1 header, CRLF included (the spec's worst case, UNKNOWN with two full IPv6 addresses). */
    static final int V1_MAX_LENGTH = 107;
    static final int V2_TCP4 = 0x11;
    static final int V2_TCP6 = 0x21;
    static final int V2_TCP4_ADDRESSES = 12;
    static final int V2_TCP6_ADDRESSES = 36;

    /** Version 2 (high nibble) and command PROXY (low nibble). */
    private static final int V2_VERSION_PROXY = 0x21;
    private static final byte[] V1_TCP4 = "PROXY TCP4 ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] V1_TCP6 = "PROXY TCP6 ".getBytes(StandardCharsets.US_ASCII);

    private ProxyHeader() {
    }

    /** The header {@code version} (V1 or V2) names {@code client} with. */
    public static ByteBuf of(SendProxy version, ByteBufAllocator alloc, ProxiedConnection client) {
        return version == SendProxy.V1 ? v1(alloc, client.source(), client.destination())
                : v2(alloc, client.source(), client.destination());
    }

    /**
     * A header for a connection made on the proxy's own behalf (a health check): version 1 {@code UNKNOWN} or
     * version 2 {@code LOCAL}, so that the server takes the connection's own addresses.
     */
    public static byte[] local(boolean v1) {
        if (v1) {
            return "PROXY UNKNOWN\r\n".getBytes(StandardCharsets.US_ASCII);
        }
        byte[] header = Arrays.copyOf(V2_SIGNATURE, V2_FIXED_LENGTH);
        header[12] = 0x20; // version 2, command LOCAL; family UNSPEC and an empty address block follow as zeros
        return header;
    }

    /**
     * A version 1 header, e.g. {@code "PROXY TCP4 192.0.2.1 198.51.100.2 51000 443\r\n"}, IPv6 addresses in RFC 5952's
     * canonical form.
     *
     * @throws IllegalArgumentException if an address is unresolved
     */
    public static ByteBuf v1(ByteBufAllocator alloc, InetSocketAddress source, InetSocketAddress destination) {
        byte[] src = ip(source, "source");
        byte[] dst = ip(destination, "destination");
        boolean ipv6 = src.length == 16 || dst.length == 16;
        ByteBuf out = alloc.buffer(V1_MAX_LENGTH);
        out.writeBytes(ipv6 ? V1_TCP6 : V1_TCP4);
        AddressText.writeIp(out, src, ipv6);
        out.writeByte(' ');
        AddressText.writeIp(out, dst, ipv6);
        out.writeByte(' ');
        AddressText.writeDecimal(out, source.getPort());
        out.writeByte(' ');
        AddressText.writeDecimal(out, destination.getPort());
        out.writeByte('\r').writeByte('\n');
        return out;
    }

    /**
     * A version 2 header: command PROXY, family TCP over IPv4 or IPv6, addresses and ports in network byte order,
     * no TLVs.
     *
     * @throws IllegalArgumentException if an address is unresolved
     */
    public static ByteBuf v2(ByteBufAllocator alloc, InetSocketAddress source, InetSocketAddress destination) {
        byte[] src = ip(source, "source");
        byte[] dst = ip(destination, "destination");
        boolean ipv6 = src.length == 16 || dst.length == 16;
        int addresses = ipv6 ? V2_TCP6_ADDRESSES : V2_TCP4_ADDRESSES;
        ByteBuf out = alloc.buffer(V2_FIXED_LENGTH + addresses);
        out.writeBytes(V2_SIGNATURE);
        out.writeByte(V2_VERSION_PROXY);
        out.writeByte(ipv6 ? V2_TCP6 : V2_TCP4);
        out.writeShort(addresses);
        writeBinary(out, src, ipv6);
        writeBinary(out, dst, ipv6);
        out.writeShort(source.getPort());
        out.writeShort(destination.getPort());
        return out;
    }

    private static byte[] ip(InetSocketAddress address, String name) {
        InetAddress ip = Objects.requireNonNull(address, name).getAddress();
        if (ip == null) {
            throw new IllegalArgumentException(name + ": " + address + " (expected: a resolved address)");
        }
        return ip.getAddress();
    }

    private static void writeBinary(ByteBuf out, byte[] ip, boolean asIpv6) {
        if (ip.length == 4 && asIpv6) {
            out.writeZero(10);
            out.writeShort(0xffff);
        }
        out.writeBytes(ip);
    }
}
