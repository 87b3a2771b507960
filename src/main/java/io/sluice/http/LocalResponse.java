package io.sluice.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.nio.charset.StandardCharsets;

/** Responses Sluice makes itself (errors, no route): short text bodies with an exact Content-Length. */
final class LocalResponse {
    private LocalResponse() {
    }

    /**
     * @param fields      extra field lines, each ending in CRLF, such as {@code Retry-After}
     * @param toHead      the answer to a HEAD request: the same head, no body (RFC 9110 §9.3.2), else the client
     *                    would read the body as the start of the next response
     */
    static ByteBuf of(ByteBufAllocator alloc, int status, String fields, boolean close, boolean keepAlive10,
                      boolean toHead) {
        String reason = reason(status);
        String body = status + " " + reason + "\n";
        String head = "HTTP/1.1 " + status + " " + reason + "\r\n"
                + "Content-Type: text/plain\r\n"
                + "Content-Length: " + body.length() + "\r\n"
                // a 503 of Sluice's is overload or no server up: worth trying again shortly (RFC 9110 §10.2.3)
                + (status == 503 ? "Retry-After: 1\r\n" : "")
                + fields
                + (close ? "Connection: close\r\n" : keepAlive10 ? "Connection: keep-alive\r\n" : "")
                + "\r\n";
        ByteBuf out = alloc.buffer(head.length() + body.length());
        out.writeCharSequence(head, StandardCharsets.US_ASCII);
        if (!toHead) {
            out.writeCharSequence(body, StandardCharsets.US_ASCII);
        }
        return out;
    }

    static String reason(int status) {
        switch (status) {
            case 400: return "Bad Request";
            case 401: return "Unauthorized";
            case 404: return "Not Found";
            case 408: return "Request Timeout";
            case 413: return "Content Too Large";
            case 414: return "URI Too Long";
            case 429: return "Too Many Requests";
            case 431: return "Request Header Fields Too Large";
            case 501: return "Not Implemented";
            case 502: return "Bad Gateway";
            case 503: return "Service Unavailable";
            case 504: return "Gateway Timeout";
            case 505: return "HTTP Version Not Supported";
            default: return "Error";
        }
    }
}
