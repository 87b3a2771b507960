package io.sluice.http;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;
import io.sluice.route.RequestView;

import java.util.Arrays;

/**
 * Strict, in-place parser of one complete HTTP/1.x head (RFC 9112): request line or status line, then header
 * fields. It records offsets into the buffer and the framing facts the proxy needs, and allocates nothing per
 * head. One instance per event loop, reused: results are valid until the next {@code parse} call on that loop.
 * A failure is a value: {@link #parseRequest} and {@link #parseResponse} return an HTTP status, 0 on success.
 *
 * <p>Request targets are checked per a {@link TargetPolicy}. Strict (the default), because routes match the raw
 * path and a server must not be able to read a different one: origin-form and absolute-form paths hold RFC 3986
 * characters only, with valid percent-encodings, and are in normal form (no dot segments, "." or ".." also before a
 * ';' parameter; no percent-encoded unreserved character; no empty segment); the query holds RFC 3986 characters
 * only; an absolute-form authority and the Host field are a valid host[:port] without userinfo.
 */
final class HeadParser implements RequestView {
    static final int OK = 0;

    /**
     * How strictly a request target and the Host field are checked; build one per listener from its configuration
     * and pass it to every {@link #parseRequest} call of that listener.
     *
     * @param lenientTargets     accept any visible ASCII in the target (no RFC 3986 character or normal-form rules)
     *                           and any Host value: the behaviour before issue 7, for origins that need odd paths
     * @param rejectAbsoluteForm answer 400 to an absolute-form target ({@code GET http://host/p}), which only
     *                           forward proxies need
     */
    record TargetPolicy(boolean lenientTargets, boolean rejectAbsoluteForm) {
        /** The default: strict targets, absolute-form accepted. */
        static final TargetPolicy STRICT = new TargetPolicy(false, false);
    }

    /** Header slots: name start, name end, value start, value end, line end (after CRLF). */
    private static final int SLOT = 5;
    private static final byte[] CHUNKED = Ascii.bytes("chunked");
    private static final byte[] CLOSE = Ascii.bytes("close");
    private static final byte[] KEEP_ALIVE = Ascii.bytes("keep-alive");
    private static final byte[] CONTINUE = Ascii.bytes("100-continue");
    private static final byte[] HTTP = Ascii.bytes("http");
    private static final byte[] HTTPS = Ascii.bytes("https");

    private int[] slots = new int[SLOT * 32];
    private HeaderName[] names = new HeaderName[32];
    private int count;
    /** The current request's policy wants Host checked as an authority. */
    private boolean strictHost;

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
    /** A Transfer-Encoding field was present. */
    private boolean transferEncoding;
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

    /** {@link #parseRequest(ByteBuf, int, int, int, int, TargetPolicy)} with {@link TargetPolicy#STRICT}. */
    int parseRequest(ByteBuf buf, int start, int end, int maxRequestLine, int maxHeaders) {
        return parseRequest(buf, start, end, maxRequestLine, maxHeaders, TargetPolicy.STRICT);
    }

    /**
     * Parses a request head occupying {@code buf[start, end)}, {@code end} just after the blank line.
     *
     * @return 0, or the status to answer with: 400, 414, 431, 501 or 505
     */
    int parseRequest(ByteBuf buf, int start, int end, int maxRequestLine, int maxHeaders, TargetPolicy policy) {
        reset();
        strictHost = !policy.lenientTargets();
        int lineEnd = buf.indexOf(start, end, (byte) '\n');
        if (lineEnd - start + 1 > maxRequestLine) {
            return 414;
        }
        int r = parseRequestLine(buf, start, lineEnd, policy);
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
        if (transferEncoding && !http11) {
            return 400; // RFC 9112 §6.1: HTTP/1.0 has no transfer coding, the framing is faulty
        }
        if (hostStart == -2 || hostStart == -1 && http11) {
            return 400; // more than one Host field (any version), or none in HTTP/1.1
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
        strictHost = false;
        int lineEnd = buf.indexOf(start, end, (byte) '\n');
        if (parseStatusLine(buf, start, lineEnd) != OK) {
            return 502;
        }
        if (parseFields(buf, lineEnd + 1, end, maxHeaders, 502) != OK) {
            return 502;
        }
        if (transferEncoding && contentLength >= 0) {
            // RFC 9112 §6.3: Transfer-Encoding overrides Content-Length, and a relay must drop the latter; refusing
            // the message is the error handling the RFC suggests, and leaves no client to frame it differently
            return 502;
        }
        if (transferEncoding && !http11) {
            return 502; // RFC 9112 §6.1: faulty framing
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
        transferEncoding = false;
        connectionClose = false;
        connectionKeepAlive = false;
        connectionNamesHeaders = false;
        expectContinue = false;
        upgrade = false;
    }

    private int parseRequestLine(ByteBuf buf, int start, int lf, TargetPolicy policy) {
        if (lf < 0 || lf == start || buf.getByte(lf - 1) != '\r') {
            return 400;
        }
        int eol = lf - 1;
        int i = scan(buf, start, eol, Ascii.WHILE_TCHAR);
        if (i == start || i >= eol || buf.getByte(i) != ' ') {
            return 400;
        }
        method = Method.of(buf, start, i);
        methodStart = start;
        methodEnd = i;
        targetStart = ++i;
        i = scan(buf, i, eol, Ascii.WHILE_VISIBLE);
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
        return parseTarget(buf, policy);
    }

    private int parseTarget(ByteBuf buf, TargetPolicy policy) {
        byte first = buf.getByte(targetStart);
        if (first == '/') {
            pathStart = targetStart;
        } else if (first == '*' && targetEnd - targetStart == 1) {
            if (method != Method.OPTIONS) {
                return 400;
            }
            pathStart = targetStart;
            pathEnd = targetEnd;
            return OK;
        } else {
            if (policy.rejectAbsoluteForm()) {
                return 400;
            }
            int r = parseAuthority(buf, policy);
            if (r != OK) {
                return r;
            }
        }
        if (policy.lenientTargets()) {
            int q = buf.indexOf(pathStart, targetEnd, (byte) '?');
            pathEnd = q < 0 ? targetEnd : q;
            return OK;
        }
        return strictPathAndQuery(buf);
    }

    /** The scheme and authority of an absolute-form target; {@link #pathStart} is where its path begins. */
    private int parseAuthority(ByteBuf buf, TargetPolicy policy) {
        int schemeEnd = buf.indexOf(targetStart, targetEnd, (byte) ':');
        int schemeLen = schemeEnd - targetStart;
        boolean http = schemeLen == 4 && Ascii.equalsIgnoreCase(buf, targetStart, HTTP);
        boolean https = schemeLen == 5 && Ascii.equalsIgnoreCase(buf, targetStart, HTTPS);
        if (!(http || https) || targetEnd - schemeEnd < 4 || buf.getByte(schemeEnd + 1) != '/'
                || buf.getByte(schemeEnd + 2) != '/') {
            return 400;
        }
        authorityStart = schemeEnd + 3;
        int i = authorityStart;
        while (i < targetEnd) {
            byte b = buf.getByte(i);
            if (b == '/' || b == '?' || b == '#') {
                break;
            }
            i++;
        }
        authorityEnd = i;
        if (authorityEnd == authorityStart || buf.indexOf(authorityStart, authorityEnd, (byte) '@') >= 0) {
            return 400; // no host, or userinfo (RFC 9110 §4.2.4: a recipient treats it as an error)
        }
        if (!policy.lenientTargets() && !validAuthority(buf, authorityStart, authorityEnd)) {
            return 400;
        }
        pathStart = authorityEnd;
        if (pathStart < targetEnd && buf.getByte(pathStart) != '/') {
            // "http://h?q" (or '#'): the origin-form sent on would have to be made up ("/?q"); nobody sends it
            return 400;
        }
        return OK;
    }

    /**
     * Checks {@code [pathStart, targetEnd)} and sets {@link #pathEnd}: RFC 3986 characters, valid percent-encoding,
     * and a path in normal form, since routes match it raw and a server that normalised it would see another path.
     */
    private int strictPathAndQuery(ByteBuf buf) {
        int end = targetEnd;
        int i = pathStart;
        int segment = -1; // start of the current segment, once a '/' was seen
        pathEnd = end;
        while ((i = scan(buf, i, end, Ascii.WHILE_SEGMENT)) < end) {
            byte b = buf.getByte(i);
            if (b == '/') {
                if (segment >= 0 && !normalSegment(buf, segment, i, false)) {
                    return 400;
                }
                segment = ++i;
            } else if (b == '?') {
                pathEnd = i;
                break;
            } else if (b == '%') {
                int v = percentEncoded(buf, i, end);
                if (v < 0 || Ascii.isUnreserved(v)) {
                    return 400; // malformed, or should not be encoded (%2e is a dot segment in disguise)
                }
                i += 3;
            } else {
                return 400;
            }
        }
        if (segment >= 0 && !normalSegment(buf, segment, pathEnd, true)) {
            return 400;
        }
        i = pathEnd + 1;
        while (i < end && (i = scan(buf, i, end, Ascii.WHILE_QUERY)) < end) {
            if (buf.getByte(i) != '%' || percentEncoded(buf, i, end) < 0) {
                return 400;
            }
            i += 3;
        }
        return OK;
    }

    /**
     * Whether the path segment {@code [start, end)} is in normal form: not "." or "..", also not before a ';'
     * parameter (some servers drop parameters first: Tomcat reads "/..;/" as "/../"), and not empty unless
     * {@code last} (a trailing slash; an empty segment elsewhere is "//", which some servers merge).
     */
    private static boolean normalSegment(ByteBuf buf, int start, int end, boolean last) {
        if (start == end) {
            return last;
        }
        int e = start;
        while (e < end && buf.getByte(e) == '.') {
            e++;
        }
        int dots = e - start;
        return dots == 0 || dots > 2 || (e < end && buf.getByte(e) != ';');
    }

    /** The byte a {@code %XX} at {@code i} encodes, or -1 when it is not '%' and two hex digits. */
    private static int percentEncoded(ByteBuf buf, int i, int end) {
        if (i + 2 >= end) {
            return -1;
        }
        int hi = Ascii.hexValue(buf.getByte(i + 1));
        int lo = Ascii.hexValue(buf.getByte(i + 2));
        return hi < 0 || lo < 0 ? -1 : hi << 4 | lo;
    }

    /**
     * RFC 3986 {@code host [":" port]} without userinfo: an IP-literal of hex digits, ':' and '.', or a reg-name
     * (IPv4 included) of unreserved and sub-delims characters; percent-encoding is refused so that a host
     * compares as the bytes it is; a port of 1 to 5 digits up to 65535.
     */
    private static boolean validAuthority(ByteBuf buf, int start, int end) {
        if (start == end) {
            return false;
        }
        int i = start;
        if (buf.getByte(start) == '[') {
            boolean colon = false;
            for (i = start + 1; i < end; i++) {
                byte b = buf.getByte(i);
                if (b == ']') {
                    break;
                }
                if (b == ':') {
                    colon = true;
                } else if (b != '.' && Ascii.hexValue(b) < 0) {
                    return false;
                }
            }
            if (i == end || !colon) {
                return false;
            }
            i++;
        } else {
            i = scan(buf, start, end, Ascii.WHILE_REG_NAME);
            if (i == start) {
                return false;
            }
        }
        if (i == end) {
            return true;
        }
        if (buf.getByte(i) != ':' || end - i < 2 || end - i > 6) {
            return false;
        }
        int port = 0;
        for (i++; i < end; i++) {
            byte b = buf.getByte(i);
            if (b < '0' || b > '9') {
                return false;
            }
            port = port * 10 + (b - '0');
        }
        return port <= 65535;
    }

    /** The index of the first byte of {@code buf[from, to)} that {@code p} stops at, or {@code to}. */
    private static int scan(ByteBuf buf, int from, int to, ByteProcessor p) {
        if (from >= to) {
            return to;
        }
        int i = buf.forEachByte(from, to - from, p);
        return i < 0 ? to : i;
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
        if (scan(buf, start + 12, eol, Ascii.WHILE_FIELD_VALUE) < eol) {
            return 502;
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
        int i = scan(buf, start, eol, Ascii.WHILE_TCHAR);
        // also rejects obs-fold (a line starting with whitespace) and whitespace before the colon
        if (i == start || i >= eol || buf.getByte(i) != ':') {
            return 400;
        }
        int nameEnd = i;
        int valueStart = Ascii.skipOws(buf, i + 1, eol);
        if (scan(buf, valueStart, eol, Ascii.WHILE_FIELD_VALUE) < eol) {
            return 400; // NUL, a lone CR, ...
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
        if (name == HeaderName.OTHER && framingLookalike(buf, start, nameEnd)) {
            return 400;
        }
        return interpret(name, buf, valueStart, valueEnd);
    }

    private int interpret(HeaderName name, ByteBuf buf, int start, int end) {
        switch (name) {
            case HOST:
                if (strictHost && start < end && !validAuthority(buf, start, end)) {
                    return 400; // RFC 9112 §3.2: an invalid Host value (empty is valid)
                }
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
        transferEncoding = true;
        if (start == end) {
            return 400; // an empty Transfer-Encoding: one peer may ignore it, another not
        }
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

    /**
     * Whether a field name is Content-Length or Transfer-Encoding with '_' for '-': a server behind a CGI-style
     * gateway would frame the message by it, differently from Sluice.
     */
    private static boolean framingLookalike(ByteBuf buf, int start, int end) {
        return Ascii.isUnderscoreLookalike(buf, start, end, HeaderName.CONTENT_LENGTH.lower)
                || Ascii.isUnderscoreLookalike(buf, start, end, HeaderName.TRANSFER_ENCODING.lower);
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
