package io.sluice.http;

import io.netty.buffer.ByteBuf;
import io.sluice.route.RequestView;

import java.util.Arrays;

/**
 * Strict, in-place parser of one complete HTTP/1.x head (RFC 9112): request line or status line, then header
 * fields. It records offsets into the buffer and the framing facts the proxy needs, and allocates nothing per
 * head. One instance per event loop, reused: results are valid until the next {@code parse} call on that loop.
 * A failure is a value: {@link #parseRequest} and {@link #parseResponse} return an HTTP status, 0 on success.
 */
final class HeadParser implements RequestView {
    static final int OK = 0;
    /** Header slots: name start, name end, value start, value end, line end (after CRLF). */
    private static final int SLOT = 5;
    private static final byte[] CHUNKED = Ascii.bytes("chunked");
    private static final byte[] CLOSE = Ascii.bytes("close");
    private static final byte[] KEEP_ALIVE = Ascii.bytes("keep-alive");
    private static final byte[] CONTINUE = Ascii.bytes("100-continue");

    private int[] slots = new int[SLOT * 32];
    private HeaderName[] names = new HeaderName[32];
    private int count;

    // request line
    Method method;
    int methodStart;
    int methodEnd;
    int targetStart;
    int targetEnd;
    /** Start of the path within the target: after the authority for absolute-form. */
    int pathStart;
    /** End of the path: before '?', or the target end. */
    int pathEnd;
    /** Authority of an absolute-form target, or -1. */
    int authorityStart;
    int authorityEnd;
    // status line
    int status;
    /** From the status code to the end of the reason phrase, CRLF excluded. */
    int statusTextStart;
    int statusTextEnd;

    boolean http11;
    int hostStart;
    int hostEnd;
    long contentLength;
    boolean chunked;
    /** A Transfer-Encoding whose final coding is not chunked (responses only: body ends at close). */
    boolean transferEncodingNotChunked;
    boolean connectionClose;
    boolean connectionKeepAlive;
    /** Connection names other header fields, which then are hop-by-hop too. */
    boolean connectionNamesHeaders;
    boolean expectContinue;
    boolean upgrade;
    /** The value of the (last) Upgrade field, when {@link #upgrade}. */
    int upgradeStart;
    int upgradeEnd;

    /** Number of header fields parsed. */
    @Override
    public int headerCount() {
        return count;
    }

    HeaderName name(int i) {
        return names[i];
    }

    @Override
    public int nameStart(int i) {
        return slots[i * SLOT];
    }

    @Override
    public int nameEnd(int i) {
        return slots[i * SLOT + 1];
    }

    @Override
    public int valueStart(int i) {
        return slots[i * SLOT + 2];
    }

    @Override
    public int valueEnd(int i) {
        return slots[i * SLOT + 3];
    }

    int lineEnd(int i) {
        return slots[i * SLOT + 4];
    }

    @Override
    public int methodStart() {
        return methodStart;
    }

    @Override
    public int methodEnd() {
        return methodEnd;
    }

    @Override
    public int routeHostStart() {
        return authorityStart >= 0 ? authorityStart : hostStart;
    }

    @Override
    public int routeHostEnd() {
        return authorityStart >= 0 ? authorityEnd : hostEnd;
    }

    @Override
    public int pathStart() {
        return pathStart;
    }

    @Override
    public int pathEnd() {
        return pathEnd;
    }

    /**
     * Parses a request head occupying {@code buf[start, end)}, {@code end} just after the blank line.
     *
     * @return 0, or the status to answer with: 400, 414, 431, 501 or 505
     */
    int parseRequest(ByteBuf buf, int start, int end, int maxRequestLine, int maxHeaders) {
        reset();
        int lineEnd = buf.indexOf(start, end, (byte) '\n');
        if (lineEnd - start + 1 > maxRequestLine) {
            return 414;
        }
        int r = parseRequestLine(buf, start, lineEnd);
        if (r != OK) {
            return r;
        }
        r = parseFields(buf, lineEnd + 1, end, maxHeaders, 431);
        if (r != OK) {
            return r;
        }
        if (chunked && contentLength >= 0) {
            return 400; // RFC 9112 §6.1: a smuggling vector; refuse rather than pick one
        }
        if (transferEncodingNotChunked) {
            return 400;
        }
        if (hostStart < 0 ? http11 : hostStart == -2) {
            return 400; // missing in HTTP/1.1, or more than one Host field
        }
        return OK;
    }

    /**
     * Parses a response head occupying {@code buf[start, end)}.
     *
     * @return 0, or 502 when the head is malformed or its framing is ambiguous
     */
    int parseResponse(ByteBuf buf, int start, int end, int maxHeaders) {
        reset();
        int lineEnd = buf.indexOf(start, end, (byte) '\n');
        if (parseStatusLine(buf, start, lineEnd) != OK) {
            return 502;
        }
        if (parseFields(buf, lineEnd + 1, end, maxHeaders, 502) != OK) {
            return 502;
        }
        if (chunked && contentLength >= 0) {
            return 502;
        }
        return OK;
    }

    private void reset() {
        count = 0;
        method = null;
        status = 0;
        http11 = false;
        hostStart = -1;
        hostEnd = -1;
        authorityStart = -1;
        authorityEnd = -1;
        contentLength = -1;
        chunked = false;
        transferEncodingNotChunked = false;
        connectionClose = false;
        connectionKeepAlive = false;
        connectionNamesHeaders = false;
        expectContinue = false;
        upgrade = false;
    }

    private int parseRequestLine(ByteBuf buf, int start, int lf) {
        if (lf < 0 || lf == start || buf.getByte(lf - 1) != '\r') {
            return 400;
        }
        int eol = lf - 1;
        int i = start;
        while (i < eol && Ascii.isTchar(buf.getByte(i))) {
            i++;
        }
        if (i == start || i >= eol || buf.getByte(i) != ' ') {
            return 400;
        }
        method = Method.of(buf, start, i);
        methodStart = start;
        methodEnd = i;
        targetStart = ++i;
        while (i < eol) {
            byte b = buf.getByte(i);
            if (b <= ' ' || b == 0x7f) {
                break;
            }
            i++;
        }
        targetEnd = i;
        if (targetEnd == targetStart || i >= eol || buf.getByte(i) != ' ') {
            return 400;
        }
        int v = parseVersion(buf, i + 1, eol);
        if (v != OK) {
            return v == 505 ? 505 : 400;
        }
        if (method == Method.CONNECT) {
            return 501;
        }
        return parseTarget(buf);
    }

    private int parseTarget(ByteBuf buf) {
        byte first = buf.getByte(targetStart);
        if (first == '/') {
            pathStart = targetStart;
        } else if (first == '*' && targetEnd - targetStart == 1) {
            if (method != Method.OPTIONS) {
                return 400;
            }
            pathStart = targetStart;
        } else {
            int schemeEnd = buf.indexOf(targetStart, targetEnd, (byte) ':');
            int schemeLen = schemeEnd - targetStart;
            boolean http = schemeLen == 4 && Ascii.equalsIgnoreCase(buf, targetStart, Ascii.bytes("http"));
            boolean https = schemeLen == 5 && Ascii.equalsIgnoreCase(buf, targetStart, Ascii.bytes("https"));
            if (!(http || https) || targetEnd - schemeEnd < 4 || buf.getByte(schemeEnd + 1) != '/'
                    || buf.getByte(schemeEnd + 2) != '/') {
                return 400;
            }
            authorityStart = schemeEnd + 3;
            int slash = buf.indexOf(authorityStart, targetEnd, (byte) '/');
            authorityEnd = slash < 0 ? targetEnd : slash;
            if (authorityEnd == authorityStart || buf.indexOf(authorityStart, authorityEnd, (byte) '@') >= 0) {
                return 400;
            }
            pathStart = authorityEnd;
        }
        int q = buf.indexOf(pathStart, targetEnd, (byte) '?');
        pathEnd = q < 0 ? targetEnd : q;
        return OK;
    }

    /** {@code HTTP/1.0} or {@code HTTP/1.1} exactly; another HTTP version is 505. */
    private int parseVersion(ByteBuf buf, int i, int end) {
        if (end - i != 8 || buf.getByte(i) != 'H' || buf.getByte(i + 1) != 'T' || buf.getByte(i + 2) != 'T'
                || buf.getByte(i + 3) != 'P' || buf.getByte(i + 4) != '/' || buf.getByte(i + 6) != '.') {
            return 400;
        }
        byte major = buf.getByte(i + 5);
        byte minor = buf.getByte(i + 7);
        if (major < '0' || major > '9' || minor < '0' || minor > '9') {
            return 400;
        }
        if (major != '1' || (minor != '0' && minor != '1')) {
            return 505;
        }
        http11 = minor == '1';
        return OK;
    }

    private int parseStatusLine(ByteBuf buf, int start, int lf) {
        if (lf < 0 || lf - start < 13 || buf.getByte(lf - 1) != '\r') {
            return 502;
        }
        int eol = lf - 1;
        if (parseVersion(buf, start, start + 8) != OK || buf.getByte(start + 8) != ' ') {
            return 502;
        }
        int code = 0;
        for (int i = start + 9; i < start + 12; i++) {
            byte b = buf.getByte(i);
            if (b < '0' || b > '9') {
                return 502;
            }
            code = code * 10 + (b - '0');
        }
        if (code < 100) {
            return 502;
        }
        if (eol > start + 12 && buf.getByte(start + 12) != ' ') {
            return 502;
        }
        for (int i = start + 12; i < eol; i++) {
            byte b = buf.getByte(i);
            if ((b >= 0 && b < ' ' && b != '\t') || b == 0x7f) {
                return 502;
            }
        }
        status = code;
        statusTextStart = start + 9;
        statusTextEnd = eol;
        return OK;
    }

    private int parseFields(ByteBuf buf, int i, int end, int maxHeaders, int tooMany) {
        // the blank line is [end - 2, end): fields occupy [i, end - 2)
        if (buf.getByte(end - 2) != '\r') {
            return 400;
        }
        int fieldsEnd = end - 2;
        while (i < fieldsEnd) {
            int lf = buf.indexOf(i, end, (byte) '\n');
            if (lf < 0 || buf.getByte(lf - 1) != '\r') {
                return 400; // bare LF
            }
            if (count == maxHeaders) {
                return tooMany;
            }
            int r = parseField(buf, i, lf - 1);
            if (r != OK) {
                return r;
            }
            slots[count * SLOT + 4] = lf + 1;
            count++;
            i = lf + 1;
        }
        return OK;
    }

    private int parseField(ByteBuf buf, int start, int eol) {
        int i = start;
        while (i < eol && Ascii.isTchar(buf.getByte(i))) {
            i++;
        }
        // also rejects obs-fold (a line starting with whitespace) and whitespace before the colon
        if (i == start || i >= eol || buf.getByte(i) != ':') {
            return 400;
        }
        int nameEnd = i;
        int valueStart = Ascii.skipOws(buf, i + 1, eol);
        for (int j = valueStart; j < eol; j++) {
            byte b = buf.getByte(j);
            if ((b >= 0 && b < ' ' && b != '\t') || b == 0x7f) {
                return 400;
            }
        }
        int valueEnd = Ascii.trimOwsEnd(buf, valueStart, eol);
        ensureCapacity();
        int s = count * SLOT;
        slots[s] = start;
        slots[s + 1] = nameEnd;
        slots[s + 2] = valueStart;
        slots[s + 3] = valueEnd;
        HeaderName name = HeaderName.classify(buf, start, nameEnd);
        names[count] = name;
        return interpret(name, buf, valueStart, valueEnd);
    }

    private int interpret(HeaderName name, ByteBuf buf, int start, int end) {
        switch (name) {
            case HOST:
                if (hostStart != -1) {
                    hostStart = -2;
                    return OK;
                }
                hostStart = start;
                hostEnd = end;
                return OK;
            case CONTENT_LENGTH:
                return contentLength(buf, start, end);
            case TRANSFER_ENCODING:
                return transferEncoding(buf, start, end);
            case CONNECTION:
                connection(buf, start, end);
                return OK;
            case EXPECT:
                if (end - start == CONTINUE.length && Ascii.equalsIgnoreCase(buf, start, CONTINUE)) {
                    expectContinue = true;
                }
                return OK;
            case UPGRADE:
                upgrade = true;
                upgradeStart = start;
                upgradeEnd = end;
                return OK;
            default:
                return OK;
        }
    }

    /** A list of identical values ({@code 5, 5}) is accepted as one, per RFC 9112 §6.3; anything else is 400. */
    private int contentLength(ByteBuf buf, int start, int end) {
        int i = start;
        while (true) {
            long value = 0;
            int digits = 0;
            while (i < end) {
                byte b = buf.getByte(i);
                if (b < '0' || b > '9') {
                    break;
                }
                if (++digits > 18) {
                    return 400;
                }
                value = value * 10 + (b - '0');
                i++;
            }
            if (digits == 0 || (contentLength >= 0 && contentLength != value)) {
                return 400;
            }
            contentLength = value;
            i = Ascii.skipOws(buf, i, end);
            if (i == end) {
                return OK;
            }
            if (buf.getByte(i) != ',') {
                return 400;
            }
            i = Ascii.skipOws(buf, i + 1, end);
        }
    }

    private int transferEncoding(ByteBuf buf, int start, int end) {
        int i = start;
        while (i < end) {
            int comma = buf.indexOf(i, end, (byte) ',');
            int elementEnd = comma < 0 ? end : comma;
            int tokenEnd = Ascii.trimOwsEnd(buf, i, elementEnd);
            if (tokenEnd == i) {
                return 400;
            }
            boolean isChunked = tokenEnd - i == CHUNKED.length && Ascii.equalsIgnoreCase(buf, i, CHUNKED);
            if (chunked) {
                // chunked must be the final coding, applied once (RFC 9112 §6.1)
                return 400;
            }
            chunked = isChunked;
            transferEncodingNotChunked = !isChunked;
            i = comma < 0 ? end : Ascii.skipOws(buf, comma + 1, end);
        }
        return OK;
    }

    private void connection(ByteBuf buf, int start, int end) {
        int i = start;
        while (i < end) {
            int comma = buf.indexOf(i, end, (byte) ',');
            int elementEnd = comma < 0 ? end : comma;
            int tokenEnd = Ascii.trimOwsEnd(buf, i, elementEnd);
            int len = tokenEnd - i;
            if (len == CLOSE.length && Ascii.equalsIgnoreCase(buf, i, CLOSE)) {
                connectionClose = true;
            } else if (len == KEEP_ALIVE.length && Ascii.equalsIgnoreCase(buf, i, KEEP_ALIVE)) {
                connectionKeepAlive = true;
            } else if (len > 0) {
                connectionNamesHeaders = true;
            }
            i = comma < 0 ? end : Ascii.skipOws(buf, comma + 1, end);
        }
    }

    /**
     * Whether header {@code h} must not be forwarded: hop-by-hop by name or named in a Connection field.
     * The framing fields and Host are never dropped because Connection names them: the peer would frame or route
     * the message differently from Sluice (a request smuggling vector). Transfer-Encoding is the caller's call,
     * as it depends on how the body is relayed.
     */
    boolean isHopByHop(ByteBuf buf, int h) {
        HeaderName name = names[h];
        if (name.hopByHop()) {
            return true;
        }
        if (!connectionNamesHeaders || name == HeaderName.TRANSFER_ENCODING || name == HeaderName.CONTENT_LENGTH
                || name == HeaderName.HOST) {
            return false;
        }
        int ns = nameStart(h);
        int ne = nameEnd(h);
        for (int c = 0; c < count; c++) {
            if (names[c] != HeaderName.CONNECTION) {
                continue;
            }
            int i = valueStart(c);
            int end = valueEnd(c);
            while (i < end) {
                int comma = buf.indexOf(i, end, (byte) ',');
                int elementEnd = comma < 0 ? end : comma;
                int tokenEnd = Ascii.trimOwsEnd(buf, i, elementEnd);
                if (Ascii.rangesEqualIgnoreCase(buf, i, tokenEnd, ns, ne)) {
                    return true;
                }
                i = comma < 0 ? end : Ascii.skipOws(buf, comma + 1, end);
            }
        }
        return false;
    }

    private void ensureCapacity() {
        if (count == names.length) {
            slots = Arrays.copyOf(slots, slots.length * 2);
            names = Arrays.copyOf(names, names.length * 2);
        }
    }
}
