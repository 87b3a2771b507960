package io.sluice.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.sluice.route.Route;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;

/**
 * Writes the heads Sluice forwards: the request toward a server and the response toward a client, copied from the
 * received head with only what must change rewritten (RFC 9110 §7.6: hop-by-hop fields dropped, Via and
 * X-Forwarded-* added). Kept fields are copied as whole lines, without creating header objects.
 */
final class HeadWriter {
    private static final byte[] CRLF = Ascii.bytes("\r\n");
    private static final byte[] HTTP11 = Ascii.bytes(" HTTP/1.1\r\n");
    private static final byte[] STATUS_PREFIX = Ascii.bytes("HTTP/1.1 ");
    private static final byte[] HOST = Ascii.bytes("Host: ");
    private static final byte[] XFF = Ascii.bytes("X-Forwarded-For: ");
    private static final byte[] XFP_HTTP = Ascii.bytes("X-Forwarded-Proto: http\r\n");
    private static final byte[] XFH = Ascii.bytes("X-Forwarded-Host: ");
    private static final byte[] VIA = Ascii.bytes("Via: ");
    private static final byte[] VIA_10 = Ascii.bytes("1.0 sluice\r\n");
    private static final byte[] VIA_11 = Ascii.bytes("1.1 sluice\r\n");
    private static final byte[] COMMA = Ascii.bytes(", ");
    private static final byte[] CONNECTION_CLOSE = Ascii.bytes("Connection: close\r\n");
    private static final byte[] CONNECTION_KEEP_ALIVE = Ascii.bytes("Connection: keep-alive\r\n");
    private static final byte[] CONNECTION_UPGRADE = Ascii.bytes("Connection: upgrade\r\n");
    /** Room left at the end of a request head for a Host field the server address supplies, and the blank line. */
    static final int HOST_RESERVE = 80;

    private HeadWriter() {
    }

    /**
     * The request head to send to a server, always HTTP/1.1 and keep-alive, without the final blank line
     * (see {@link #finishRequest}).
     *
     * @param upgrade the client's Upgrade field is forwarded, with {@code Connection: upgrade}
     */
    static ByteBuf request(ByteBufAllocator alloc, HeadParser p, ByteBuf src, int headStart, int headEnd,
                           InetAddress clientAddress, Route route, boolean upgrade) {
        byte[] added = route.addedFields();
        byte[] rewrite = route.rewritePathPrefix();
        ByteBuf out = alloc.directBuffer(headEnd - headStart + 160 + HOST_RESERVE + (added == null ? 0 : added.length)
                + (rewrite == null ? 0 : rewrite.length));
        out.writeBytes(src, headStart, p.targetStart - headStart);
        if (rewrite != null) {
            out.writeBytes(rewrite);
            int rest = p.pathStart + route.matchedPrefixLength();
            out.writeBytes(src, rest, p.targetEnd - rest);
        } else if (p.authorityStart >= 0) {
            if (p.pathStart == p.targetEnd) {
                out.writeByte('/');
            } else {
                out.writeBytes(src, p.pathStart, p.targetEnd - p.pathStart);
            }
        } else {
            out.writeBytes(src, p.targetStart, p.targetEnd - p.targetStart);
        }
        out.writeBytes(HTTP11);
        int n = p.headerCount();
        for (int h = 0; h < n; h++) {
            HeaderName name = p.name(h);
            switch (name) {
                case X_FORWARDED_FOR:
                case X_FORWARDED_PROTO:
                case X_FORWARDED_HOST:
                case VIA:
                    continue;
                case HOST:
                    if (p.authorityStart >= 0) {
                        continue;
                    }
                    break;
                case UPGRADE:
                    if (!upgrade) {
                        continue;
                    }
                    break;
                default:
                    if (name == HeaderName.OTHER && forwardingLookalike(src, p.nameStart(h), p.nameEnd(h))
                            || p.isHopByHop(src, h)) {
                        continue;
                    }
            }
            if (route.dropsField(src, p.nameStart(h), p.nameEnd(h))) {
                continue;
            }
            out.writeBytes(src, p.nameStart(h), p.lineEnd(h) - p.nameStart(h));
        }
        if (added != null) {
            out.writeBytes(added);
        }
        if (upgrade) {
            out.writeBytes(CONNECTION_UPGRADE);
        }
        if (p.authorityStart >= 0) {
            field(out, HOST, src, p.authorityStart, p.authorityEnd);
        }
        out.writeBytes(XFF);
        if (joinValues(out, p, src, HeaderName.X_FORWARDED_FOR)) {
            out.writeBytes(COMMA);
        }
        writeAddress(out, clientAddress);
        out.writeBytes(CRLF);
        out.writeBytes(XFP_HTTP);
        if (p.authorityStart >= 0) {
            field(out, XFH, src, p.authorityStart, p.authorityEnd);
        } else if (p.hostStart >= 0) {
            field(out, XFH, src, p.hostStart, p.hostEnd);
        }
        out.writeBytes(VIA);
        if (joinValues(out, p, src, HeaderName.VIA)) {
            out.writeBytes(COMMA);
        }
        out.writeBytes(p.http11 ? VIA_11 : VIA_10);
        return out;
    }

    /** Completes a request head from {@link #request}: a Host field when the client sent none, then the blank line. */
    static void finishRequest(ByteBuf head, byte[] hostIfMissing) {
        if (hostIfMissing != null) {
            head.writeBytes(HOST);
            head.writeBytes(hostIfMissing);
            head.writeBytes(CRLF);
        }
        head.writeBytes(CRLF);
    }

    /**
     * The response head to send to a client.
     *
     * @param close     Sluice closes the client connection after this response
     * @param keepAlive10 the client is HTTP/1.0 and asked for keep-alive (so it must be told it got it)
     * @param http10    the client is HTTP/1.0, which knows no transfer coding: Transfer-Encoding goes (a
     *                  chunked body is relayed de-chunked)
     */
    static ByteBuf response(ByteBufAllocator alloc, HeadParser p, ByteBuf src, int headStart, int headEnd,
                            boolean close, boolean keepAlive10, boolean http10) {
        ByteBuf out = alloc.directBuffer(headEnd - headStart + 64);
        out.writeBytes(STATUS_PREFIX);
        out.writeBytes(src, p.statusTextStart, p.statusTextEnd - p.statusTextStart);
        out.writeBytes(CRLF);
        int n = p.headerCount();
        for (int h = 0; h < n; h++) {
            HeaderName name = p.name(h);
            if (name == HeaderName.VIA || (http10 && name == HeaderName.TRANSFER_ENCODING) || p.isHopByHop(src, h)) {
                continue;
            }
            out.writeBytes(src, p.nameStart(h), p.lineEnd(h) - p.nameStart(h));
        }
        out.writeBytes(VIA);
        if (joinValues(out, p, src, HeaderName.VIA)) {
            out.writeBytes(COMMA);
        }
        out.writeBytes(VIA_11);
        if (p.status >= 200) {
            if (close) {
                out.writeBytes(CONNECTION_CLOSE);
            } else if (keepAlive10) {
                out.writeBytes(CONNECTION_KEEP_ALIVE);
            }
        }
        out.writeBytes(CRLF);
        return out;
    }

    /** Writes an IPv4 address as digits straight into the head: no string per request, none kept per connection. */
    static void writeAddress(ByteBuf out, InetAddress address) {
        if (!(address instanceof Inet4Address)) {
            out.writeCharSequence(address.getHostAddress(), StandardCharsets.US_ASCII);
            return;
        }
        byte[] octets = address.getAddress();
        for (int i = 0; i < 4; i++) {
            if (i > 0) {
                out.writeByte('.');
            }
            Ascii.writeDecimal(out, octets[i] & 0xFF);
        }
    }

    private static void field(ByteBuf out, byte[] prefix, ByteBuf src, int start, int end) {
        out.writeBytes(prefix);
        out.writeBytes(src, start, end - start);
        out.writeBytes(CRLF);
    }

    /** Writes the non-empty values of every {@code name} field, comma-separated; returns whether it wrote any. */
    private static boolean joinValues(ByteBuf out, HeadParser p, ByteBuf src, HeaderName name) {
        boolean first = true;
        int n = p.headerCount();
        for (int h = 0; h < n; h++) {
            if (p.name(h) != name || p.valueEnd(h) == p.valueStart(h)) {
                continue;
            }
            if (!first) {
                out.writeBytes(COMMA);
            }
            first = false;
            out.writeBytes(src, p.valueStart(h), p.valueEnd(h) - p.valueStart(h));
        }
        return !first;
    }

    /**
     * An X-Forwarded-* field spelt with '_' (X_Forwarded_For): Sluice replaces the real ones, and a server behind a
     * CGI-style gateway would take the lookalike for them, trusting a client address the client made up.
     */
    private static boolean forwardingLookalike(ByteBuf buf, int start, int end) {
        return Ascii.isUnderscoreLookalike(buf, start, end, HeaderName.X_FORWARDED_FOR.lower)
                || Ascii.isUnderscoreLookalike(buf, start, end, HeaderName.X_FORWARDED_HOST.lower)
                || Ascii.isUnderscoreLookalike(buf, start, end, HeaderName.X_FORWARDED_PROTO.lower);
    }
}
