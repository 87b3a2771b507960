package io.sluice.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class BodyFramerTest {
    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    @Test
    void lengthEndsExactly() {
        BodyFramer f = BodyFramer.length(5);
        ByteBuf buf = bytes("abcGET");
        assertThat(f.scan(buf, 0, 3, null)).isEqualTo(BodyFramer.CONTINUES);
        assertThat(f.scan(buf, 3, 6, null)).isEqualTo(5);
        assertThat(f.isDone()).isTrue();
        buf.release();
    }

    @Test
    void chunkedSplitAtEveryByteFindsTheEndAndPayload() {
        String body = "4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nTrailer: x\r\n\r\nNEXT";
        ByteBuf buf = bytes(body);
        BodyFramer f = BodyFramer.chunked();
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        int end = BodyFramer.CONTINUES;
        for (int i = 0; i < buf.writerIndex() && end < 0; i++) {
            end = f.scan(buf, i, i + 1, (b, index, len) -> {
                byte[] part = new byte[len];
                b.getBytes(index, part);
                payload.writeBytes(part);
            });
        }
        assertThat(end).isEqualTo(body.indexOf("NEXT"));
        assertThat(payload.toString(StandardCharsets.US_ASCII)).isEqualTo("Wikipedia");
        buf.release();
    }

    @Test
    void malformedChunkedIsRejected() {
        for (String bad : new String[] {"x\r\n", "5\nhello\r\n", "5\r\nhelloXX", "\r\n", "1234567890abcdef0\r\n",
                "0\r\nBad\u0001trailer\r\n\r\n"}) {
            ByteBuf buf = bytes(bad);
            assertThat(BodyFramer.chunked().scan(buf, 0, buf.writerIndex(), null)).as(bad).isEqualTo(BodyFramer.MALFORMED);
            buf.release();
        }
    }

    /** Scans {@code body} whole, then again one byte at a time: both must agree. */
    private static int scanChunked(String body) {
        ByteBuf buf = bytes(body);
        try {
            int whole = BodyFramer.chunked().scan(buf, 0, buf.writerIndex(), null);
            BodyFramer f = BodyFramer.chunked();
            int split = BodyFramer.CONTINUES;
            for (int i = 0; i < buf.writerIndex() && split == BodyFramer.CONTINUES; i++) {
                split = f.scan(buf, i, i + 1, null);
            }
            assertThat(split).as("byte by byte: %s", body).isEqualTo(whole);
            return whole;
        } finally {
            buf.release();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "3;a\r\nabc\r\n0\r\n\r\n",
        "3;a=b\r\nabc\r\n0\r\n\r\n",
        "3 ;a = b ; c\r\nabc\r\n0\r\n\r\n",
        "3\t;\ta\t=\t\"q \\\" ;=\\\\\"\t;b\r\nabc\r\n0;last=\"\"\r\n\r\n",
        "3;a=\"caf\u00e9\"\r\nabc\r\n0\r\n\r\n",
        "3;!#$%&'*+-.^_`|~=!#$%&'*+-.^_`|~\r\nabc\r\n0\r\n\r\n",
        "00000000000003\r\nabc\r\n0\r\n\r\n",
        "fffffffffffffff;x\r\n",
    })
    void validChunkExtensions(String body) {
        int end = scanChunked(body);
        if (body.startsWith("fffffffffffffff")) {
            assertThat(end).as("15 hex digits: the largest size, still going").isEqualTo(BodyFramer.CONTINUES);
        } else {
            assertThat(end).isEqualTo(body.length());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "3 \r\nabc\r\n0\r\n\r\n",             // whitespace after the size, no ';'
        "3\t\r\nabc\r\n0\r\n\r\n",
        "3 x\r\nabc\r\n0\r\n\r\n",
        "3;\r\nabc\r\n0\r\n\r\n",             // ';' without a name
        "3;;a\r\nabc\r\n0\r\n\r\n",
        "3;a=\r\nabc\r\n0\r\n\r\n",           // '=' without a value
        "3;a \r\nabc\r\n0\r\n\r\n",           // whitespace before the line end
        "3;a=b \r\nabc\r\n0\r\n\r\n",
        "3;a=b c\r\nabc\r\n0\r\n\r\n",
        "3;a b\r\nabc\r\n0\r\n\r\n",
        "3;a=b=c\r\nabc\r\n0\r\n\r\n",
        "3;a=\"b\r\nabc\r\n0\r\n\r\n",          // unclosed quote
        "3;a=\"b\"c\r\nabc\r\n0\r\n\r\n",       // bytes after the closing quote
        "3;a=\"b\u0001\"\r\nabc\r\n0\r\n\r\n",
        "3;a=\"b\\\u0000\"\r\nabc\r\n0\r\n\r\n",
        "3;a(b)\r\nabc\r\n0\r\n\r\n",           // not a token
        "3;a=b\u0000\r\nabc\r\n0\r\n\r\n",
        "3;a=b\u00e9\r\nabc\r\n0\r\n\r\n",
        "3;a=b\nabc\r\n0\r\n\r\n",              // bare LF
        "3;a=b\rabc\r\n0\r\n\r\n",              // bare CR
        ";a\r\nabc\r\n0\r\n\r\n",              // no size
        "-3\r\nabc\r\n0\r\n\r\n",
        "+3\r\nabc\r\n0\r\n\r\n",
        "0x3\r\nabc\r\n0\r\n\r\n",
        "1000000000000000\r\n",                   // 16 hex digits: past the bound
        "ffffffffffffffff0\r\n",
    })
    void malformedChunkLines(String body) {
        assertThat(scanChunked(body)).as(body).isEqualTo(BodyFramer.MALFORMED);
    }

    @Test
    void chunkExtensionsAreBounded() {
        String name = "e".repeat(BodyFramer.MAX_EXTENSION_BYTES - 1);
        assertThat(scanChunked("3;" + name + "\r\nabc\r\n0\r\n\r\n")).as("exactly the limit")
                .isEqualTo(("3;" + name + "\r\nabc\r\n0\r\n\r\n").length());
        assertThat(scanChunked("3;" + name + "e\r\nabc\r\n0\r\n\r\n")).as("one byte over")
                .isEqualTo(BodyFramer.MALFORMED);
        // the bound is per chunk line, not per body
        String line = "1;" + name + "\r\nx\r\n";
        String many = line.repeat(4) + "0\r\n\r\n";
        assertThat(scanChunked(many)).isEqualTo(many.length());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "0\r\nX: a\u0001\r\n\r\n",               // control byte
        "0\r\nX: a\u0000\r\n\r\n",
        "0\r\nX: a\rb\r\n\r\n",                 // lone CR
        "0\r\nX: a\nY: b\r\n\r\n",               // bare LF
        "0\r\nX : a\r\n\r\n",                   // whitespace before the colon
        "0\r\nX\t: a\r\n\r\n",
        "0\r\nX: a\r\n b\r\n\r\n",              // obs-fold
        "0\r\nX: a\r\n\tb\r\n\r\n",
        "0\r\n: a\r\n\r\n",                     // empty name
        "0\r\nNoColon\r\n\r\n",
        "0\r\nX(Y): a\r\n\r\n",                 // not a token
        "0\r\nX\u00e9: a\r\n\r\n",
        "0\r\n\n",                              // bare LF ending the body
        "0\r\n\r\r",
    })
    void malformedTrailers(String body) {
        assertThat(scanChunked(body)).as(body).isEqualTo(BodyFramer.MALFORMED);
    }

    @Test
    void validTrailersAndTheirBound() {
        String ok = "0\r\nX-Sum: abc\r\nY:\r\nZ: caf\u00e9 \t x\r\n\r\n";
        assertThat(scanChunked(ok)).isEqualTo(ok.length());
        String big = "0\r\nX: " + "v".repeat(BodyFramer.MAX_TRAILER_BYTES) + "\r\n\r\n";
        assertThat(scanChunked(big)).as("over %d bytes", BodyFramer.MAX_TRAILER_BYTES).isEqualTo(BodyFramer.MALFORMED);
        String justUnder = "0\r\nX:" + "v".repeat(BodyFramer.MAX_TRAILER_BYTES - 2) + "\r\n\r\n";
        assertThat(scanChunked(justUnder)).isEqualTo(justUnder.length());
    }

    @Test
    void untilCloseNeverEnds() {
        ByteBuf buf = bytes("anything");
        BodyFramer f = BodyFramer.untilClose();
        assertThat(f.scan(buf, 0, buf.writerIndex(), null)).isEqualTo(BodyFramer.CONTINUES);
        assertThat(f.isDone()).isFalse();
        buf.release();
    }
}
