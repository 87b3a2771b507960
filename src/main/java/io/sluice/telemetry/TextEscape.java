package io.sluice.telemetry;

/**
 * Escaping of access log values, so that whatever a client sent cannot forge a line or break its syntax. In JSON,
 * strings are escaped as RFC 8259 requires and kept to ASCII: a raw byte of a request (target, Host) that is not
 * printable ASCII becomes <code>&#92;u00XX</code>, so the original bytes come back by encoding the string as
 * ISO-8859-1. In a template line, such bytes, spaces and backslashes become {@code \xHH}, so that fields stay
 * separated by the template's own spaces.
 */
final class TextEscape {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private TextEscape() {
    }

    /** Appends {@code s} as a JSON string, quotes included. */
    static void jsonString(StringBuilder out, CharSequence s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            jsonChar(out, s.charAt(i));
        }
        out.append('"');
    }

    /** Appends raw bytes as a JSON string, quotes included, each byte one character (ISO-8859-1). */
    static void jsonBytes(StringBuilder out, byte[] b) {
        out.append('"');
        for (byte x : b) {
            jsonChar(out, (char) (x & 0xFF));
        }
        out.append('"');
    }

    private static void jsonChar(StringBuilder out, char c) {
        switch (c) {
            case '"' -> out.append("\\\"");
            case '\\' -> out.append("\\\\");
            case '\n' -> out.append("\\n");
            case '\r' -> out.append("\\r");
            case '\t' -> out.append("\\t");
            default -> {
                if (c >= 0x20 && c < 0x7F) {
                    out.append(c);
                } else {
                    out.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xF]).append(HEX[(c >> 4) & 0xF])
                            .append(HEX[c & 0xF]);
                }
            }
        }
    }

    /** Appends {@code s} for a template line: what is not printable ASCII, a space or a backslash as {@code \xHH}. */
    static void plainString(StringBuilder out, CharSequence s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c > 0xFF) {
                out.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xF]).append(HEX[(c >> 4) & 0xF])
                        .append(HEX[c & 0xF]);
            } else {
                plainChar(out, c);
            }
        }
    }

    /** Appends raw bytes for a template line, escaped like {@link #plainString}. */
    static void plainBytes(StringBuilder out, byte[] b) {
        for (byte x : b) {
            plainChar(out, (char) (x & 0xFF));
        }
    }

    private static void plainChar(StringBuilder out, char c) {
        if (c > 0x20 && c < 0x7F && c != '\\') {
            out.append(c);
        } else {
            out.append("\\x").append(HEX[c >> 4]).append(HEX[c & 0xF]);
        }
    }
}
