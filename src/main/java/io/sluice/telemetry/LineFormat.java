package io.sluice.telemetry;

import io.sluice.config.AccessLogConfig;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * Turns an {@link AccessRecord} into a line: a JSON object with every field of {@link AccessLogConfig#FIELDS}, in
 * that order, or the configured template with each {@code %name} replaced by the field's value. Runs on the writer
 * thread only (it keeps no state between lines but the configuration).
 *
 * <p>Values: times in milliseconds with three decimals; {@code time} in ISO-8601 UTC with milliseconds; a value
 * that does not apply is {@code null} in JSON and {@code -} in a template.
 */
final class LineFormat {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    /** {@code null}: JSON. */
    private final List<AccessLogConfig.Part> template;

    LineFormat(List<AccessLogConfig.Part> template) {
        this.template = template;
    }

    void append(AccessRecord r, StringBuilder out) {
        if (template == null) {
            out.append('{');
            List<String> fields = AccessLogConfig.FIELDS;
            for (int i = 0; i < fields.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                out.append('"').append(fields.get(i)).append("\":");
                value(fields.get(i), r, out, true);
            }
            out.append('}');
            return;
        }
        for (AccessLogConfig.Part part : template) {
            if (part.literal() != null) {
                out.append(part.literal());
            } else {
                value(part.field(), r, out, false);
            }
        }
    }

    private static void value(String field, AccessRecord r, StringBuilder out, boolean json) {
        switch (field) {
            case "time" -> {
                StringBuilder t = new StringBuilder(24);
                TIME.formatTo(Instant.ofEpochMilli(r.startMillis), t);
                text(out, t, json);
            }
            case "listener" -> text(out, r.listener, json);
            case "client" -> text(out, r.client == null ? null : address(r.client), json);
            case "method" -> text(out, r.method, json);
            case "target" -> bytes(out, r.target, json);
            case "host" -> bytes(out, r.host, json);
            case "protocol" -> text(out, r.protocol, json);
            case "status" -> out.append(r.status);
            case "bytes_in" -> out.append(r.bytesIn);
            case "bytes_out" -> out.append(r.bytesOut);
            case "route" -> text(out, r.route, json);
            case "server" -> text(out, r.server == null ? null : r.server.toString(), json);
            case "reused" -> out.append(r.reused);
            case "retries" -> out.append(r.retries);
            case "queue_ms" -> millis(out, r.queueNanos, json);
            case "connect_ms" -> millis(out, r.connectNanos, json);
            case "first_byte_ms" -> millis(out, r.firstByteNanos, json);
            case "total_ms" -> millis(out, r.totalNanos, json);
            case "term" -> {
                String term = new String(new char[] {r.endedBy, r.phase});
                text(out, term, json);
            }
            case "cache" -> text(out, r.cache, json);
            default -> throw new IllegalArgumentException("field: " + field + " (expected: one of "
                    + AccessLogConfig.FIELDS + ")");
        }
    }

    /** {@code ip:port}, the address of an IPv6 client in brackets. */
    static String address(InetSocketAddress a) {
        String host = a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
        return a.getAddress() instanceof Inet6Address ? "[" + host + "]:" + a.getPort() : host + ":" + a.getPort();
    }

    private static void text(StringBuilder out, CharSequence s, boolean json) {
        if (s == null) {
            out.append(json ? "null" : "-");
        } else if (json) {
            TextEscape.jsonString(out, s);
        } else {
            TextEscape.plainString(out, s);
        }
    }

    private static void bytes(StringBuilder out, byte[] b, boolean json) {
        if (b == null) {
            out.append(json ? "null" : "-");
        } else if (json) {
            TextEscape.jsonBytes(out, b);
        } else {
            TextEscape.plainBytes(out, b);
        }
    }

    /** Milliseconds with three decimals; a negative duration (did not happen) as null / {@code -}. */
    static void millis(StringBuilder out, long nanos, boolean json) {
        if (nanos < 0) {
            out.append(json ? "null" : "-");
            return;
        }
        long micros = nanos / 1000;
        out.append(micros / 1000).append('.');
        long fraction = micros % 1000;
        if (fraction < 100) {
            out.append('0');
        }
        if (fraction < 10) {
            out.append('0');
        }
        out.append(fraction);
    }
}
