package io.sluice.testing;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One HTTP response exactly as read from a socket by {@link RawHttpClient}: the status line, the header fields
 * in order with their names as sent, the decoded body, and the raw bytes of head and body.
 *
 * @param version    e.g. {@code HTTP/1.1}
 * @param headers    in order, names as sent
 * @param body       decoded body (chunk framing removed); empty when the response has none
 * @param rawHead    the head's bytes, final CRLF CRLF included
 * @param rawBody    the body's bytes as framed on the wire (chunk sizes and trailers included)
 * @param framing    how the body was delimited
 * @param complete   false when the connection ended before the framing said the body was complete
 * @param trailers   trailer fields of a chunked body
 * @param interim    1xx responses that preceded this one (only filled by {@link RawHttpClient#readFinalResponse})
 */
public record RawResponse(String version, int status, String reason, List<TestOrigin.Header> headers, byte[] body,
                          byte[] rawHead, byte[] rawBody, Framing framing, boolean complete,
                          List<TestOrigin.Header> trailers, List<RawResponse> interim) {
    /** How a response body is delimited. */
    public enum Framing { NONE, CONTENT_LENGTH, CHUNKED, UNTIL_CLOSE }

    public RawResponse {
        headers = List.copyOf(headers);
        trailers = List.copyOf(trailers);
        interim = List.copyOf(interim);
    }

    RawResponse withInterim(List<RawResponse> preceding) {
        return new RawResponse(version, status, reason, headers, body, rawHead, rawBody, framing, complete, trailers,
                preceding);
    }

    /** The first value of the named header (case-insensitive), or {@code null}. */
    public String header(String name) {
        for (TestOrigin.Header h : headers) {
            if (h.name().equalsIgnoreCase(name)) {
                return h.value();
            }
        }
        return null;
    }

    /** Every value of the named header, in order. */
    public List<String> headers(String name) {
        List<String> values = new ArrayList<>();
        for (TestOrigin.Header h : headers) {
            if (h.name().equalsIgnoreCase(name)) {
                values.add(h.value());
            }
        }
        return values;
    }

    public boolean hasHeader(String name) {
        return header(name) != null;
    }

    /** All values joined with {@code ", "}, or {@code null} when absent. */
    public String combined(String name) {
        List<String> values = headers(name);
        return values.isEmpty() ? null : String.join(", ", values);
    }

    /** Whether a comma-separated header (e.g. Connection) carries {@code token}, case-insensitively. */
    public boolean hasToken(String name, String token) {
        for (String v : headers(name)) {
            for (String t : v.split(",")) {
                if (t.trim().equalsIgnoreCase(token)) {
                    return true;
                }
            }
        }
        return false;
    }

    public String bodyText() {
        return new String(body, StandardCharsets.ISO_8859_1);
    }

    /** Head and body bytes as received. */
    public byte[] raw() {
        byte[] all = new byte[rawHead.length + rawBody.length];
        System.arraycopy(rawHead, 0, all, 0, rawHead.length);
        System.arraycopy(rawBody, 0, all, rawHead.length, rawBody.length);
        return all;
    }

    /** The raw head as text, for assertion messages. */
    public String headText() {
        return new String(rawHead, StandardCharsets.ISO_8859_1);
    }

    @Override
    public String toString() {
        String head = headText().replace("\r\n", "\\r\\n ");
        return "RawResponse[" + head + " body " + body.length + " bytes, " + framing
                + (complete ? "" : ", INCOMPLETE") + "]";
    }
}
