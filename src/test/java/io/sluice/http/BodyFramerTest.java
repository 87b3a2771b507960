package io.sluice.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

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

    @Test
    void untilCloseNeverEnds() {
        ByteBuf buf = bytes("anything");
        BodyFramer f = BodyFramer.untilClose();
        assertThat(f.scan(buf, 0, buf.writerIndex(), null)).isEqualTo(BodyFramer.CONTINUES);
        assertThat(f.isDone()).isFalse();
        buf.release();
    }
}
