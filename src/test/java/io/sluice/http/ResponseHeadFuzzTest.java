package io.sluice.http;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;

import java.nio.charset.StandardCharsets;

import static io.sluice.http.HeadChecks.check;
import static io.sluice.http.HeadChecks.text;

/**
 * Fuzz target (docs/fuzzing.md): {@link HeadParser#parseResponse} on arbitrary bytes, up to the blank line
 * {@link HeadScanner} finds. It must never throw; a head it accepts must be described by what it reports
 * ({@link HeadChecks}); and each head Sluice would send a client for it ({@link HeadWriter#response}, for every
 * kind of client connection) must be one Sluice accepts again, with the same status and framing.
 */
class ResponseHeadFuzzTest {
    private static final byte[] BEFORE = "HTTP/1.1 200 OK\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] BLANK_LINES = "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
    private static final ByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;

    private final HeadParser parser = new HeadParser();
    private final HeadParser reparser = new HeadParser();

    @FuzzTest(maxDuration = "10s")
    void parseResponse(byte[] input) {
        ByteBuf buf = Unpooled.buffer(BEFORE.length + input.length + BLANK_LINES.length);
        buf.writeBytes(BEFORE).writeBytes(input);
        int start = BEFORE.length;
        int end = HeadScanner.findEnd(buf, start);
        if (end == HeadScanner.INCOMPLETE) {
            buf.writeBytes(BLANK_LINES);
            end = HeadScanner.findEnd(buf, start);
        }
        try {
            int status = parser.parseResponse(buf, start, end, 1000);
            check(status == HeadParser.OK || status == 502, "status " + status);
            if (status != HeadParser.OK) {
                return;
            }
            int fieldsStart = HeadChecks.checkStatusLine(buf, parser, start, end);
            HeadChecks.checkFields(buf, parser, fieldsStart, end, false);
            // the client connection: HTTP/1.1 kept, HTTP/1.1 closed, HTTP/1.0 kept alive, HTTP/1.0 closed
            checkForwarded(buf, start, end, false, false, false);
            checkForwarded(buf, start, end, true, false, false);
            checkForwarded(buf, start, end, false, true, true);
            checkForwarded(buf, start, end, true, false, true);
        } finally {
            buf.release();
        }
    }

    private void checkForwarded(ByteBuf buf, int start, int end, boolean close, boolean keepAlive10, boolean http10) {
        HeadParser p = parser;
        ByteBuf out = HeadWriter.response(ALLOC, p, buf, start, end, close, keepAlive10, http10);
        try {
            String sent = text(out, 0, out.writerIndex());
            int sentEnd = HeadScanner.findEnd(out, 0);
            check(sentEnd == out.writerIndex(), "the forwarded head ends at its blank line: " + sent);
            HeadParser q = reparser;
            check(q.parseResponse(out, 0, sentEnd, Integer.MAX_VALUE) == HeadParser.OK,
                    "Sluice refuses the head it sends: " + sent);
            int fieldsStart = HeadChecks.checkStatusLine(out, q, 0, sentEnd);
            HeadChecks.checkFields(out, q, fieldsStart, sentEnd, false);
            check(q.http11, "sent as HTTP/1.1");
            check(text(buf, p.statusTextStart, p.statusTextEnd).equals(text(out, q.statusTextStart, q.statusTextEnd)),
                    "same status and reason: " + sent);
            check(q.contentLength == p.contentLength, "same Content-Length: " + sent);
            if (http10) {
                // HTTP/1.0 knows no transfer coding: the body is relayed de-chunked, or up to the close
                check(!q.chunked && !q.transferEncodingNotChunked, "no Transfer-Encoding for HTTP/1.0: " + sent);
            } else {
                check(q.chunked == p.chunked && q.transferEncodingNotChunked == p.transferEncodingNotChunked,
                        "same transfer coding: " + sent);
            }
            if (p.status >= 200) {
                check(q.connectionClose == close, "Connection: close iff the client connection closes: " + sent);
                check(q.connectionKeepAlive == (keepAlive10 && !close), "keep-alive told to HTTP/1.0: " + sent);
            }
        } finally {
            out.release();
        }
    }
}
