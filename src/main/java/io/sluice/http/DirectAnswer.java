package io.sluice.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.sluice.config.DirectResponse;
import io.sluice.config.Template;
import io.sluice.route.Route;
import io.sluice.route.RouteTable;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The answer of a route that answers itself ({@code respond}, {@code redirect}): its templates filled from the
 * request head, whose bytes are copied from the client's buffer as they are. The templates were split into parts
 * when the configuration was read, so this only copies.
 */
final class DirectAnswer {
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);

    private DirectAnswer() {
    }

    /**
     * @param request the parser holding the request's head, in {@code head}
     * @param close   the connection closes after the answer
     * @param toHead  the request was HEAD: the same head, no body
     */
    static ByteBuf of(ByteBufAllocator alloc, Route route, HeadParser request, ByteBuf head, boolean close,
                      boolean keepAlive10, boolean toHead) {
        DirectResponse d = route.direct();
        ByteBuf body = alloc.buffer();
        ByteBuf out = alloc.buffer();
        try {
            // the body goes in raw: it is content, not a field, and its length is counted before the head is written
            fill(body, d.body(), route, request, head, false);
            ascii(out, "HTTP/1.1 " + d.status() + " " + LocalResponse.reason(d.status()) + "\r\n");
            if (d.location() != null) {
                ascii(out, "Location: ");
                fill(out, d.location(), route, request, head, true);
                ascii(out, "\r\n");
            }
            for (Map.Entry<String, Template> field : d.headers().entrySet()) {
                ascii(out, field.getKey());
                ascii(out, ": ");
                fill(out, field.getValue(), route, request, head, true);
                ascii(out, "\r\n");
            }
            if (!d.bodiless()) {
                ascii(out, "Content-Length: " + body.readableBytes() + "\r\n");
            }
            ascii(out, close ? "Connection: close\r\n\r\n" : keepAlive10 ? "Connection: keep-alive\r\n\r\n" : "\r\n");
            if (!toHead && !d.bodiless()) {
                out.writeBytes(body);
            }
            return out;
        } catch (RuntimeException e) {
            out.release();
            throw e;
        } finally {
            body.release();
        }
    }

    /**
     * Writes {@code t} with its variables filled from the request. In a field ({@code inField}) every request byte
     * that is not visible ASCII is percent-encoded: the parser refuses such bytes in strict targets, but a lenient
     * listener or a Host must not be able to end the field or start another one.
     */
    private static void fill(ByteBuf out, Template t, Route route, HeadParser p, ByteBuf head, boolean inField) {
        List<Template.Part> parts = t.parts();
        for (int i = 0; i < parts.size(); i++) {
            Template.Part part = parts.get(i);
            if (part.variable() == null) {
                out.writeCharSequence(part.literal(), StandardCharsets.UTF_8);
                continue;
            }
            switch (part.variable()) {
                case HOST -> {
                    int start = p.routeHostStart();
                    if (start >= 0) {
                        copy(out, head, start, RouteTable.hostNameEnd(head, start, p.routeHostEnd()), inField, true);
                    }
                }
                case PATH -> copy(out, head, p.pathStart, p.pathEnd, inField, false);
                case PATH_AFTER_PREFIX -> copy(out, head, Math.min(p.pathStart + route.matchedPrefixLength(),
                        p.pathEnd), p.pathEnd, inField, false);
                case QUERY -> copy(out, head, p.pathEnd, p.targetEnd, inField, false);
                case TARGET -> copy(out, head, p.targetStart, p.targetEnd, inField, false);
                case METHOD -> copy(out, head, p.methodStart, p.methodEnd, inField, false);
            }
        }
    }

    private static void copy(ByteBuf out, ByteBuf head, int from, int to, boolean inField, boolean lowerCase) {
        if (!inField && !lowerCase) {
            out.writeBytes(head, from, Math.max(0, to - from));
            return;
        }
        for (int i = from; i < to; i++) {
            byte b = head.getByte(i);
            if (inField && (b <= 0x20 || b == 0x7f)) { // negative: a byte >= 0x80
                out.writeByte('%').writeByte(HEX[(b >> 4) & 0xf]).writeByte(HEX[b & 0xf]);
            } else {
                out.writeByte(lowerCase && b >= 'A' && b <= 'Z' ? b + ('a' - 'A') : b);
            }
        }
    }

    private static void ascii(ByteBuf out, String s) {
        out.writeCharSequence(s, StandardCharsets.US_ASCII);
    }
}
