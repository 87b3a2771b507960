package io.sluice.http;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Checks, byte by byte and without {@link Ascii}, that what {@link HeadParser} reported for a head it accepted
 * describes that head (RFC 9112 grammar): the fuzz tests' independent view of a parsed head.
 */
final class HeadChecks {
    private HeadChecks() {
    }

    static void check(boolean condition, String what) {
        if (!condition) {
            throw new AssertionError(what);
        }
    }

    /** RFC 9110 §5.6.2 token characters. */
    static boolean tchar(int b) {
        return b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
                || b >= 0 && "!#$%&'*+-.^_`|~".indexOf(b) >= 0;
    }

    /** A byte allowed inside a field value: visible, obs-text, SP or HTAB; never CR, LF, NUL or another control. */
    static boolean valueByte(byte b) {
        int u = b & 0xff;
        return u == '\t' || u >= 0x20 && u != 0x7f;
    }

    static boolean ows(byte b) {
        return b == ' ' || b == '\t';
    }

    static String text(ByteBuf buf, int start, int end) {
        return buf.toString(start, end - start, StandardCharsets.ISO_8859_1);
    }

    /**
     * The header section from {@code fieldsStart} (just after the start line) to {@code end} (just after the blank
     * line): every field line as the parser's slots say, in order and covering the section, with a token name, a
     * colon, a trimmed value of allowed bytes, and CRLF. Then the framing facts against the fields themselves.
     */
    static void checkFields(ByteBuf b, HeadParser p, int fieldsStart, int end, boolean request) {
        check(b.getByte(end - 2) == '\r' && b.getByte(end - 1) == '\n', "head ends with CRLF");
        int at = fieldsStart;
        int hosts = 0;
        String contentLength = null;
        String lastCoding = null;
        for (int h = 0; h < p.headerCount(); h++) {
            int ns = p.nameStart(h);
            int ne = p.nameEnd(h);
            int vs = p.valueStart(h);
            int ve = p.valueEnd(h);
            int le = p.lineEnd(h);
            check(ns == at && ns < ne && ne < vs && vs <= ve && ve <= le - 2 && le <= end - 2,
                    "field " + h + " slots ordered within the head");
            for (int i = ns; i < ne; i++) {
                check(tchar(b.getByte(i)), "field name is a token");
            }
            check(b.getByte(ne) == ':', "colon after the name");
            for (int i = ne + 1; i < vs; i++) {
                check(ows(b.getByte(i)), "only OWS before the value");
            }
            for (int i = vs; i < ve; i++) {
                check(valueByte(b.getByte(i)), "no CR, LF, NUL or control byte in a value");
            }
            check(vs == ve || !ows(b.getByte(vs)) && !ows(b.getByte(ve - 1)), "value trimmed");
            for (int i = ve; i < le - 2; i++) {
                check(ows(b.getByte(i)), "only OWS after the value");
            }
            check(b.getByte(le - 2) == '\r' && b.getByte(le - 1) == '\n', "field line ends with CRLF");
            at = le;
            String name = text(b, ns, ne).toLowerCase(Locale.ROOT);
            String value = text(b, vs, ve);
            switch (name) {
                case "host":
                    hosts++;
                    check(!request || p.hostStart == vs && p.hostEnd == ve, "Host range is the Host value");
                    break;
                case "content-length":
                    String n = contentLength(value);
                    check(contentLength == null || contentLength.equals(n), "Content-Length values agree");
                    contentLength = n;
                    break;
                case "transfer-encoding":
                    for (String coding : value.split(",")) {
                        if (!coding.isBlank()) {
                            lastCoding = coding.strip().toLowerCase(Locale.ROOT);
                        }
                    }
                    break;
                default:
                    break;
            }
        }
        check(at == end - 2, "the fields cover the head up to the blank line");
        if (request) {
            check(hosts <= 1, "at most one Host");
            check(hosts == 1 || !p.http11, "HTTP/1.1 request has a Host");
            check(hosts == 1 || p.hostStart == -1, "no Host range without a Host field");
            check(lastCoding == null || "chunked".equals(lastCoding), "request transfer coding ends in chunked");
            check(!p.transferEncodingNotChunked, "request framed by length or chunked");
        }
        check(!(p.chunked && p.contentLength >= 0), "not both chunked and Content-Length");
        check(p.contentLength >= -1, "Content-Length is -1 or a length");
        check(contentLength == null ? p.contentLength == -1 : p.contentLength == Long.parseLong(contentLength),
                "Content-Length is the field's value");
        check(p.chunked == "chunked".equals(lastCoding), "chunked iff the final transfer coding is chunked");
        check(p.transferEncodingNotChunked == (lastCoding != null && !"chunked".equals(lastCoding)),
                "a final coding other than chunked is reported");
    }

    /** The single length a Content-Length value states (a list of equal numbers is one), or fails. */
    private static String contentLength(String value) {
        String first = null;
        for (String element : value.split(",", -1)) {
            String digits = element.strip();
            check(!digits.isEmpty() && digits.chars().allMatch(c -> c >= '0' && c <= '9') && digits.length() <= 18,
                    "Content-Length element is digits: " + value);
            String n = digits.replaceFirst("^0+(?=.)", "");
            check(first == null || first.equals(n), "Content-Length list of one number: " + value);
            first = n;
        }
        return first;
    }

    /** The request line: token, SP, visible target, SP, HTTP/1.0 or HTTP/1.1, CRLF. Returns the fields' start. */
    static int checkRequestLine(ByteBuf b, HeadParser p, int start, int end) {
        check(p.methodStart == start && start < p.methodEnd, "method at the start");
        for (int i = start; i < p.methodEnd; i++) {
            check(tchar(b.getByte(i)), "method is a token");
        }
        check(b.getByte(p.methodEnd) == ' ' && p.targetStart == p.methodEnd + 1 && p.targetStart < p.targetEnd,
                "one SP before a non-empty target");
        for (int i = p.targetStart; i < p.targetEnd; i++) {
            int u = b.getByte(i) & 0xff;
            check(u > 0x20 && u < 0x7f, "target is visible ASCII");
        }
        check(p.targetStart <= p.pathStart && p.pathStart <= p.pathEnd && p.pathEnd <= p.targetEnd,
                "path within the target");
        check(p.authorityStart == -1 || p.targetStart < p.authorityStart && p.authorityStart < p.authorityEnd
                && p.authorityEnd == p.pathStart, "authority within the target, before the path");
        String version = text(b, p.targetEnd, Math.min(p.targetEnd + 11, end));
        check(version.equals(" HTTP/1.1\r\n") || version.equals(" HTTP/1.0\r\n"), "HTTP/1.0 or HTTP/1.1 then CRLF");
        check(p.http11 == version.equals(" HTTP/1.1\r\n"), "version reported");
        check(p.method != Method.CONNECT, "CONNECT is refused");
        return p.targetEnd + 11;
    }

    /** The status line: HTTP/1.x, SP, three digits, then SP and a reason without controls, or nothing; CRLF. */
    static int checkStatusLine(ByteBuf b, HeadParser p, int start, int end) {
        String line = text(b, start, Math.min(start + 12, end));
        check(line.matches("HTTP/1\\.[01] [0-9]{3}"), "status line prefix: " + line);
        check(p.status == Integer.parseInt(line.substring(9)) && p.status >= 100, "status reported");
        check(p.http11 == line.startsWith("HTTP/1.1"), "version reported");
        check(p.statusTextStart == start + 9 && p.statusTextStart + 3 <= p.statusTextEnd, "status text range");
        int eol = p.statusTextEnd;
        check(eol + 2 <= end && b.getByte(eol) == '\r' && b.getByte(eol + 1) == '\n', "status line ends with CRLF");
        check(eol == start + 12 || b.getByte(start + 12) == ' ', "SP before the reason");
        for (int i = start + 12; i < eol; i++) {
            check(valueByte(b.getByte(i)), "no control byte in the reason");
        }
        return eol + 2;
    }

    /**
     * The origin-form target a server should get for a request target (RFC 9112 §3.2.2, RFC 3986 §3.2): an
     * absolute-form target loses its scheme and authority, which ends at the first '/' or '?'; an empty path
     * becomes "/".
     */
    static String originForm(String target) {
        int scheme = target.indexOf("://");
        if (target.startsWith("/") || target.equals("*") || scheme < 0) {
            return target;
        }
        int rest = target.length();
        for (int i = scheme + 3; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c == '/' || c == '?') {
                rest = i;
                break;
            }
        }
        String pathAndQuery = target.substring(rest);
        return pathAndQuery.startsWith("/") ? pathAndQuery : "/" + pathAndQuery;
    }
}
