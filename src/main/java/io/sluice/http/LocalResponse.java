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
        return of(alloc, status, status + " " + reason(status) + "\n", fields, close, keepAlive10, toHead);
    }

    /** The same with {@code body} (ASCII) instead of the status line as the body. */
    static ByteBuf of(ByteBufAllocator alloc, int status, String body, String fields, boolean close,
                      boolean keepAlive10, boolean toHead) {
        String head = "HTTP/1.1 " + status + " " + reason(status) + "\r\n"
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

    /** The reason phrase of {@code status} (RFC 9110 §15), or {@code "Status"} for a code it does not name. */
    static String reason(int status) {
        switch (status) {
            case 200: return "OK";
            case 201: return "Created";
            case 202: return "Accepted";
            case 203: return "Non-Authoritative Information";
            case 204: return "No Content";
            case 205: return "Reset Content";
            case 206: return "Partial Content";
            case 300: return "Multiple Choices";
            case 301: return "Moved Permanently";
            case 302: return "Found";
            case 303: return "See Other";
            case 304: return "Not Modified";
            case 307: return "Temporary Redirect";
            case 308: return "Permanent Redirect";
            case 400: return "Bad Request";
            case 401: return "Unauthorized";
            case 402: return "Payment Required";
            case 403: return "Forbidden";
            case 404: return "Not Found";
            case 405: return "Method Not Allowed";
            case 406: return "Not Acceptable";
            case 409: return "Conflict";
            case 410: return "Gone";
            case 411: return "Length Required";
            case 412: return "Precondition Failed";
            case 415: return "Unsupported Media Type";
            case 416: return "Range Not Satisfiable";
            case 417: return "Expectation Failed";
            case 418: return "I'm a teapot";
            case 421: return "Misdirected Request";
            case 422: return "Unprocessable Content";
            case 426: return "Upgrade Required";
            case 428: return "Precondition Required";
            case 451: return "Unavailable For Legal Reasons";
            case 408: return "Request Timeout";
            case 413: return "Content Too Large";
            case 414: return "URI Too Long";
            case 429: return "Too Many Requests";
            case 431: return "Request Header Fields Too Large";
            case 500: return "Internal Server Error";
            case 501: return "Not Implemented";
            case 502: return "Bad Gateway";
            case 503: return "Service Unavailable";
            case 504: return "Gateway Timeout";
            case 505: return "HTTP Version Not Supported";
            default: return "Status";
        }
    }
}
