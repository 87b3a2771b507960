package io.sluice.http;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small, strict reader of one HTTP/1.x message (RFC 9112) for the exchange fuzz test, written apart from
 * Sluice's parser so that the two can disagree: regular expressions over the head, {@link BodyFramerFuzzTest#reference}
 * for chunked bodies. Its verdict on the bytes so far: a complete message, not yet complete, or malformed.
 */
final class StrictHttp {
    private static final String TCHAR = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]";
    private static final Pattern REQUEST_LINE = Pattern.compile("(" + TCHAR + "+) ([\\x21-\\x7e]+) HTTP/1\\.([01])");
    /** The SP before an empty reason may be missing: common, and Sluice relays it as the server wrote it. */
    private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.([01]) ([0-9]{3})(?: [\\t\\x20-\\x7e\\x80-\\xff]*)?");
    private static final Pattern FIELD = Pattern.compile("(" + TCHAR + "+):[ \\t]*([\\t\\x20-\\x7e\\x80-\\xff]*?)[ \\t]*");
    private static final Pattern LENGTH = Pattern.compile("[0-9]{1,18}");

    private StrictHttp() {
    }

    enum Verdict { COMPLETE, INCOMPLETE, MALFORMED }

    /** A message: start line facts, fields (names lower-cased), body payload (de-chunked). */
    record Message(String method, String target, int status, boolean http11, List<String> names, List<String> values,
                   String payload) {
        List<String> all(String name) {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < names.size(); i++) {
                if (names.get(i).equals(name)) {
                    out.add(values.get(i));
                }
            }
            return out;
        }
    }

    /**
     * The verdict on {@code bytes[from, to)}: for a complete message, the message and the index after it; for an
     * incomplete one whose head is complete, the head.
     */
    record Read(Verdict verdict, String error, Message message, int end) {
        static Read incomplete() {
            return new Read(Verdict.INCOMPLETE, null, null, -1);
        }
    }

    private static final class Malformed extends RuntimeException {
        Malformed(String message) {
            super(message, null, false, false);
        }
    }

    /** One request at {@code from}. */
    static Read request(byte[] b, int from, int to) {
        return read(b, from, to, true, false, false);
    }

    /**
     * One response at {@code from}.
     *
     * @param eof      the stream ended at {@code to} (ends a body delimited by the close)
     * @param bodiless it answers a HEAD request
     */
    static Read response(byte[] b, int from, int to, boolean eof, boolean bodiless) {
        return read(b, from, to, false, eof, bodiless);
    }

    private static Read read(byte[] b, int from, int to, boolean request, boolean eof, boolean bodiless) {
        try {
            List<String> lines = new ArrayList<>();
            int headEnd = head(b, from, to, lines);
            if (headEnd < 0) {
                return Read.incomplete();
            }
            Matcher start = (request ? REQUEST_LINE : STATUS_LINE).matcher(lines.get(0));
            if (!start.matches()) {
                throw new Malformed("start line " + printable(lines.get(0)));
            }
            List<String> names = new ArrayList<>();
            List<String> values = new ArrayList<>();
            for (String line : lines.subList(1, lines.size())) {
                Matcher field = FIELD.matcher(line);
                if (!field.matches()) {
                    throw new Malformed("field line " + printable(line));
                }
                names.add(field.group(1).toLowerCase(Locale.ROOT));
                values.add(field.group(2));
            }
            Message head = request
                    ? new Message(start.group(1), start.group(2), 0, start.group(3).equals("1"), names, values, "")
                    : new Message(null, null, Integer.parseInt(start.group(2)), start.group(1).equals("1"), names,
                    values, "");
            return body(b, headEnd, to, head, request, eof, bodiless);
        } catch (Malformed e) {
            return new Read(Verdict.MALFORMED, e.getMessage(), null, -1);
        }
    }

    /** Collects the head's lines (CRLF only, no bare CR or LF); returns the index after the blank line, or -1. */
    private static int head(byte[] b, int from, int to, List<String> lines) {
        int lineStart = from;
        for (int i = from; i < to; i++) {
            if (b[i] == '\r' && i + 1 < to && b[i + 1] != '\n') {
                throw new Malformed("bare CR");
            }
            if (b[i] != '\n') {
                continue;
            }
            if (i == from || b[i - 1] != '\r') {
                throw new Malformed("bare LF");
            }
            if (i - 1 == lineStart) {
                if (lines.isEmpty()) {
                    throw new Malformed("empty start line");
                }
                return i + 1;
            }
            lines.add(new String(b, lineStart, i - 1 - lineStart, StandardCharsets.ISO_8859_1));
            lineStart = i + 1;
        }
        return -1;
    }

    private static Read body(byte[] b, int at, int to, Message head, boolean request, boolean eof, boolean bodiless) {
        List<String> lengths = head.all("content-length");
        List<String> codings = new ArrayList<>();
        for (String value : head.all("transfer-encoding")) {
            for (String coding : value.split(",")) {
                if (!coding.isBlank()) {
                    codings.add(coding.strip().toLowerCase(Locale.ROOT));
                }
            }
        }
        if (!codings.isEmpty() && !lengths.isEmpty()) {
            throw new Malformed("Content-Length and Transfer-Encoding");
        }
        int status = head.status();
        if (!request && (status < 200 || status == 204 || status == 304 || bodiless)) {
            return complete(head, "", at);
        }
        if (!codings.isEmpty()) {
            int chunked = codings.indexOf("chunked");
            if (chunked >= 0 && chunked != codings.size() - 1) {
                throw new Malformed("chunked not last: " + codings);
            }
            if (chunked < 0) {
                if (request) {
                    throw new Malformed("request coding not chunked: " + codings);
                }
                return untilClose(b, at, to, head, eof);
            }
            BodyFramerFuzzTest.Result r = BodyFramerFuzzTest.reference(Arrays.copyOfRange(b, at, to), true);
            if (r.end() == BodyFramer.MALFORMED) {
                throw new Malformed("chunked body");
            }
            return r.end() < 0 ? bodyIncomplete(head) : complete(head, r.payload(), at + r.end());
        }
        if (lengths.isEmpty()) {
            return request ? complete(head, "", at) : untilClose(b, at, to, head, eof);
        }
        long length = -1;
        for (String value : lengths) {
            for (String element : value.split(",", -1)) {
                String digits = element.strip();
                if (!LENGTH.matcher(digits).matches() || length >= 0 && Long.parseLong(digits) != length) {
                    throw new Malformed("Content-Length " + printable(value));
                }
                length = Long.parseLong(digits);
            }
        }
        if (to - at < length) {
            return bodyIncomplete(head);
        }
        return complete(head, new String(b, at, (int) length, StandardCharsets.ISO_8859_1), at + (int) length);
    }

    private static Read untilClose(byte[] b, int at, int to, Message head, boolean eof) {
        return eof ? complete(head, new String(b, at, to - at, StandardCharsets.ISO_8859_1), to) : bodyIncomplete(head);
    }

    /** Not complete, but the head is: it comes with the verdict. */
    private static Read bodyIncomplete(Message head) {
        return new Read(Verdict.INCOMPLETE, null, head, -1);
    }

    private static Read complete(Message head, String payload, int end) {
        return new Read(Verdict.COMPLETE, null, new Message(head.method(), head.target(), head.status(), head.http11(),
                head.names(), head.values(), payload), end);
    }

    /** Bytes as text, with CR, LF and other controls or non-ASCII bytes escaped. */
    static String printable(byte[] b, int from, int to) {
        return printable(new String(b, from, to - from, StandardCharsets.ISO_8859_1));
    }

    static String printable(String s) {
        StringBuilder out = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c == '\r') {
                out.append("\\r");
            } else if (c == '\n') {
                out.append("\\n");
            } else if (c < 0x20 || c >= 0x7f || c == '\\') {
                out.append(String.format("\\x%02x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
