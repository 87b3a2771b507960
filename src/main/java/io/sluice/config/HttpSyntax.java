package io.sluice.config;

import java.util.Locale;
import java.util.Set;

/**
 * The HTTP syntax of names and values a route or cluster may contain: tokens (RFC 9110 §5.6.2) for methods, field
 * and cookie names, and field values (§5.5). Checked when the file is read because a value that breaks this syntax
 * either never matches a request or, when Sluice writes it, makes a malformed (or smuggled) request.
 */
final class HttpSyntax {
    private static final String TCHAR_SYMBOLS = "!#$%&'*+-.^_`|~";
    /**
     * Fields that frame a message or belong to one connection, and the forwarding fields. Sluice writes them
     * itself; adding or removing them per route would desynchronise the framing the proxy and the server agree
     * on, forge the client's address and the proxy chain, or leave a request with no Host or two.
     */
    private static final Set<String> MANAGED_FIELDS = Set.of("content-length", "transfer-encoding", "connection",
            "keep-alive", "proxy-connection", "te", "trailer", "upgrade", "x-forwarded-for", "x-forwarded-proto",
            "x-forwarded-host", "via", "host");

    private HttpSyntax() {
    }

    static boolean isToken(String text) {
        if (text.isEmpty()) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean alnum = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
            if (!alnum && TCHAR_SYMBOLS.indexOf(c) < 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * A token such as a header or cookie name, unchanged.
     *
     * @param what for the message, e.g. {@code header name}
     * @throws IllegalArgumentException with the message to show the user
     */
    static String token(String text, String what) {
        if (!isToken(text)) {
            throw new IllegalArgumentException("bad " + what + " " + quote(text)
                    + " (expected a token: letters, digits and " + TCHAR_SYMBOLS + ")");
        }
        return text;
    }

    /**
     * A request method: a token, case-sensitive (RFC 9110 §9.1), so upper case as every standard method is.
     *
     * @throws IllegalArgumentException with the message to show the user
     */
    static String method(String text) {
        if (!isToken(text)) {
            throw new IllegalArgumentException("bad method " + quote(text) + " (expected a token such as GET)");
        }
        if (!text.equals(text.toUpperCase(Locale.ROOT))) {
            throw new IllegalArgumentException("bad method " + quote(text)
                    + " (methods are case-sensitive: expected upper case, e.g. GET)");
        }
        return text;
    }

    /** An upgrade protocol name: a token, kept in lower case because it compares case-insensitively. */
    static String protocolToken(String text) {
        if (!isToken(text)) {
            throw new IllegalArgumentException("bad protocol " + quote(text) + " (expected a token such as websocket)");
        }
        return text.toLowerCase(Locale.ROOT);
    }

    /**
     * A field value as Sluice compares or writes it: visible ASCII, with spaces and tabs only inside. CR, LF and NUL
     * would split or end the head; other control characters are invalid (RFC 9110 §5.5); leading and trailing
     * whitespace is not part of a received value, so it could never match; heads are written as ASCII.
     *
     * @throws IllegalArgumentException with the message to show the user
     */
    static String fieldValue(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\r' || c == '\n' || c == 0) {
                throw badValue(text, "CR, LF and NUL are not allowed");
            }
            if (c < 0x20 && c != '\t' || c == 0x7f) {
                throw badValue(text, "control characters are not allowed");
            }
            if (c > 0x7f) {
                throw badValue(text, "only ASCII characters are allowed");
            }
        }
        if (!text.isEmpty() && (isBlank(text.charAt(0)) || isBlank(text.charAt(text.length() - 1)))) {
            throw badValue(text, "must not start or end with a space or tab");
        }
        return text;
    }

    /** Whether a route must not add or remove this field (compared case-insensitively). */
    static boolean isManagedField(String name) {
        return MANAGED_FIELDS.contains(name.toLowerCase(Locale.ROOT));
    }

    /** The text in double quotes, control characters escaped the way YAML writes them, so a message stays one line. */
    static String quote(String text) {
        StringBuilder sb = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\r' -> sb.append("\\r");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case 0 -> sb.append("\\0");
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        sb.append(String.format("\\x%02x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }

    private static IllegalArgumentException badValue(String text, String reason) {
        return new IllegalArgumentException("bad header value " + quote(text) + " (" + reason + ")");
    }
}
