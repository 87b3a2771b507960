package io.sluice.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class HeadParserTest {
    private final HeadParser parser = new HeadParser();

    private int request(String head) {
        ByteBuf buf = Unpooled.copiedBuffer(head, StandardCharsets.ISO_8859_1);
        try {
            int end = HeadScanner.findEnd(buf, 0);
            assertThat(end).as("head end").isEqualTo(buf.writerIndex());
            return parser.parseRequest(buf, 0, end, 8192, 100);
        } finally {
            buf.release();
        }
    }

    @Test
    void parsesFramingFacts() {
        assertThat(request("POST /a?b HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\nConnection: keep-alive, X-Foo\r\n"
                + "Expect: 100-continue\r\n\r\n")).isZero();
        assertThat(parser.method).isEqualTo(Method.POST);
        assertThat(parser.http11).isTrue();
        assertThat(parser.contentLength).isEqualTo(5);
        assertThat(parser.connectionKeepAlive).isTrue();
        assertThat(parser.connectionNamesHeaders).isTrue();
        assertThat(parser.expectContinue).isTrue();
        assertThat(parser.pathEnd - parser.pathStart).isEqualTo(2);
    }

    @Test
    void http10WithoutHostIsAccepted() {
        assertThat(request("GET / HTTP/1.0\r\n\r\n")).isZero();
        assertThat(parser.http11).isFalse();
        assertThat(parser.hostStart).isEqualTo(-1);
    }

    @Test
    void absoluteFormTargetGivesAuthorityAndPath() {
        assertThat(request("GET http://Example.com:80/p?q HTTP/1.1\r\nHost: other\r\n\r\n")).isZero();
        assertThat(parser.authorityEnd - parser.authorityStart).isEqualTo("Example.com:80".length());
        assertThat(parser.pathEnd - parser.pathStart).isEqualTo(2);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "CL and TE|POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 3\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n|400",
        "CL disagree|POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 3\\r\\nContent-Length: 4\\r\\n\\r\\n|400",
        "CL list disagree|POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 3, 4\\r\\n\\r\\n|400",
        "CL not a number|POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: +3\\r\\n\\r\\n|400",
        "TE not chunked|POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: gzip\\r\\n\\r\\n|400",
        "TE chunked twice|POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: chunked, chunked\\r\\n\\r\\n|400",
        "obs-fold|GET / HTTP/1.1\\r\\nHost: x\\r\\nX: a\\r\\n  b\\r\\n\\r\\n|400",
        "space before colon|GET / HTTP/1.1\\r\\nHost : x\\r\\n\\r\\n|400",
        "bare LF|GET / HTTP/1.1\\nHost: x\\r\\n\\r\\n|400",
        "NUL in value|GET / HTTP/1.1\\r\\nHost: x\\r\\nX: a\\u0000b\\r\\n\\r\\n|400",
        "no Host in 1.1|GET / HTTP/1.1\\r\\nX: y\\r\\n\\r\\n|400",
        "two Hosts|GET / HTTP/1.1\\r\\nHost: a\\r\\nHost: b\\r\\n\\r\\n|400",
        "bad method|G(T / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n|400",
        "HTTP/2.0|GET / HTTP/2.0\\r\\nHost: x\\r\\n\\r\\n|505",
        "garbage version|GET / HTTX/1.1\\r\\nHost: x\\r\\n\\r\\n|400",
        "relative target|GET foo HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n|400",
        "CONNECT|CONNECT a:443 HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n|501",
        "two spaces|GET  / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n|400",
    })
    void rejects(String name, String head, int status) {
        String unescaped = head.replace("\\r", "\r").replace("\\n", "\n").replace("\\u0000", "\u0000");
        assertThat(request(unescaped)).as(name).isEqualTo(status);
    }

    @Test
    void tooManyHeadersIs431() {
        StringBuilder head = new StringBuilder("GET / HTTP/1.1\r\nHost: x\r\n");
        for (int i = 0; i < 100; i++) {
            head.append("X-").append(i).append(": v\r\n");
        }
        assertThat(request(head.append("\r\n").toString())).isEqualTo(431);
    }

    @Test
    void longRequestLineIs414() {
        ByteBuf buf = Unpooled.copiedBuffer("GET /" + "a".repeat(300) + " HTTP/1.1\r\nHost: x\r\n\r\n",
                StandardCharsets.US_ASCII);
        try {
            assertThat(parser.parseRequest(buf, 0, buf.writerIndex(), 256, 100)).isEqualTo(414);
        } finally {
            buf.release();
        }
    }

    @Test
    void responseFraming() {
        ByteBuf buf = Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
                StandardCharsets.US_ASCII);
        try {
            assertThat(parser.parseResponse(buf, 0, buf.writerIndex(), 100)).isZero();
            assertThat(parser.status).isEqualTo(200);
            assertThat(parser.chunked).isTrue();
            assertThat(parser.connectionClose).isTrue();
        } finally {
            buf.release();
        }
    }

    @Test
    void ambiguousResponseIs502() {
        ByteBuf buf = Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
                StandardCharsets.US_ASCII);
        try {
            assertThat(parser.parseResponse(buf, 0, buf.writerIndex(), 100)).isEqualTo(502);
        } finally {
            buf.release();
        }
    }
}
