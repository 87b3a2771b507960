package io.sluice.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class HeadParserTest {
    private final HeadParser parser = new HeadParser();

    private int request(String head) {
        return request(head, HeadParser.TargetPolicy.STRICT);
    }

    private int request(String head, HeadParser.TargetPolicy policy) {
        ByteBuf buf = Unpooled.copiedBuffer(head, StandardCharsets.ISO_8859_1);
        try {
            int end = HeadScanner.findEnd(buf, 0);
            assertThat(end).as("head end").isEqualTo(buf.writerIndex());
            return parser.parseRequest(buf, 0, end, 8192, 100, policy);
        } finally {
            buf.release();
        }
    }

    private int response(String head) {
        ByteBuf buf = Unpooled.copiedBuffer(head, StandardCharsets.ISO_8859_1);
        try {
            int end = HeadScanner.findEnd(buf, 0);
            assertThat(end).as("head end").isEqualTo(buf.writerIndex());
            return parser.parseResponse(buf, 0, end, 100);
        } finally {
            buf.release();
        }
    }

    private static String get(String target) {
        return "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n";
    }

    /** Targets valid in strict mode, with the path the routes see. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "/|/",
        "/a/b/|/a/b/",
        "/a.b/..c/.../d.|/a.b/..c/.../d.",
        "/~user/a-b_c|/~user/a-b_c",
        "/a;p=1/b:c@d!$&'()*+,=|/a;p=1/b:c@d!$&'()*+,=",
        "/caf%C3%A9/%2F/%25|/caf%C3%A9/%2F/%25",
        "/a?b=/../&c=%41%2e//?|/a",
        "/?|/",
        "/a/b.;x/..c;d|/a/b.;x/..c;d",
        "http://example.com|''",
        "http://example.com:8080/p?q|/p",
        "HTTPS://[::1]:443/|/",
        "http://10.0.0.1/a|/a",
    })
    void strictAcceptsNormalTargets(String target, String path) {
        String expected = path.equals("''") ? "" : path;
        ByteBuf buf = Unpooled.copiedBuffer(get(target), StandardCharsets.ISO_8859_1);
        try {
            assertThat(parser.parseRequest(buf, 0, buf.writerIndex(), 8192, 100)).as(target).isZero();
            assertThat(buf.toString(parser.pathStart, parser.pathEnd - parser.pathStart, StandardCharsets.ISO_8859_1))
                    .isEqualTo(expected);
        } finally {
            buf.release();
        }
    }

    static Stream<Arguments> strictRejected() {
        return Stream.of(
                Arguments.of("dot segment", "/a/./b"),
                Arguments.of("dot-dot segment", "/a/../admin"),
                Arguments.of("leading dot-dot", "/../admin"),
                Arguments.of("trailing dot", "/a/."),
                Arguments.of("trailing dot-dot", "/a/.."),
                Arguments.of("dot-dot with parameter (Tomcat)", "/public/..;/admin"),
                Arguments.of("dot with parameter", "/a/.;x/b"),
                Arguments.of("encoded dot segment", "/a/%2e%2e/admin"),
                Arguments.of("encoded dot segment, mixed case", "/a/%2E%2e/admin"),
                Arguments.of("half encoded dot segment", "/a/.%2e/admin"),
                Arguments.of("encoded letter", "/%61dmin"),
                Arguments.of("encoded digit", "/a%31"),
                Arguments.of("encoded tilde", "/%7euser"),
                Arguments.of("encoded hyphen", "/a%2Db"),
                Arguments.of("empty segment", "//admin"),
                Arguments.of("empty segment inside", "/a//b"),
                Arguments.of("bad percent-encoding", "/a%2"),
                Arguments.of("bad percent-encoding hex", "/a%zz"),
                Arguments.of("percent at the end of the query", "/a?b=%"),
                Arguments.of("percent-encoding cut by the query", "/a%2?b"),
                Arguments.of("fragment", "/a#frag"),
                Arguments.of("fragment in query", "/a?b#frag"),
                Arguments.of("backslash", "/a\\b"),
                Arguments.of("backslash in query", "/a?b\\c"),
                Arguments.of("double quote", "/a\"b"),
                Arguments.of("angle brackets", "/<script>"),
                Arguments.of("brace", "/a{b}"),
                Arguments.of("pipe", "/a|b"),
                Arguments.of("caret", "/a^b"),
                Arguments.of("backquote", "/a`b"),
                Arguments.of("square bracket in path", "/a[0]"),
                Arguments.of("absolute-form dot segment", "http://h/a/../b"),
                Arguments.of("absolute-form empty segment", "http://h//admin"),
                Arguments.of("absolute-form userinfo", "http://user:pw@h/"),
                Arguments.of("absolute-form empty host", "http:///a"),
                Arguments.of("absolute-form empty host with port", "http://:80/a"),
                Arguments.of("absolute-form port too big", "http://h:65536/"),
                Arguments.of("absolute-form port not digits", "http://h:8x/"),
                Arguments.of("absolute-form empty port", "http://h:/"),
                Arguments.of("absolute-form long port", "http://h:000080/"),
                Arguments.of("absolute-form percent in host", "http://%61dmin/"),
                Arguments.of("absolute-form bad host char", "http://a\"b/"),
                Arguments.of("absolute-form IPv6 unclosed", "http://[::1/"),
                Arguments.of("absolute-form IPv6 bad char", "http://[::g]/"),
                Arguments.of("absolute-form IPv6 zone", "http://[fe80::1%25eth0]/"),
                Arguments.of("absolute-form query without path", "http://h?q"),
                Arguments.of("absolute-form fragment", "http://h#f"),
                Arguments.of("other scheme", "ftp://h/"),
                Arguments.of("asterisk for GET", "*"),
                Arguments.of("relative", "a/b"));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("strictRejected")
    void strictRejects(String name, String target) {
        assertThat(request(get(target))).as(target).isEqualTo(400);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "/a/../admin|/a/../admin",
        "//admin|//admin",
        "/%61dmin/%2e%2e/x|/%61dmin/%2e%2e/x",
        "/a\\b{c}|/a\\b{c}",
        "/a#frag?q|/a#frag",
        "http://h:99999/a/../b|/a/../b",
    })
    void lenientAcceptsAnyVisibleAscii(String target, String path) {
        HeadParser.TargetPolicy lenient = new HeadParser.TargetPolicy(true, false);
        ByteBuf buf = Unpooled.copiedBuffer(get(target), StandardCharsets.ISO_8859_1);
        try {
            assertThat(parser.parseRequest(buf, 0, buf.writerIndex(), 8192, 100, lenient)).as(target).isZero();
            assertThat(buf.toString(parser.pathStart, parser.pathEnd - parser.pathStart, StandardCharsets.ISO_8859_1))
                    .isEqualTo(path);
        } finally {
            buf.release();
        }
    }

    @Test
    void lenientStillRefusesWhatIsNotATarget() {
        HeadParser.TargetPolicy lenient = new HeadParser.TargetPolicy(true, false);
        assertThat(request(get("/a\u00e9"), lenient)).as("byte >= 0x80").isEqualTo(400);
        assertThat(request(get("http://u@h/"), lenient)).as("userinfo").isEqualTo(400);
        assertThat(request(get("*"), lenient)).as("asterisk for GET").isEqualTo(400);
        assertThat(request("GET /\u0001 HTTP/1.1\r\nHost: x\r\n\r\n", lenient)).as("control byte").isEqualTo(400);
        assertThat(request("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", lenient)).as("Host is not checked").isZero();
    }

    @Test
    void absoluteFormCanBeRefused() {
        HeadParser.TargetPolicy noAbsolute = new HeadParser.TargetPolicy(false, true);
        assertThat(request(get("http://h/a"), noAbsolute)).isEqualTo(400);
        assertThat(request(get("/a"), noAbsolute)).isZero();
        assertThat(request("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", noAbsolute)).isZero();
        assertThat(request(get("http://h/a"), new HeadParser.TargetPolicy(true, true))).isEqualTo(400);
    }

    @Test
    void asteriskFormForOptions() {
        assertThat(request("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n")).isZero();
        assertThat(parser.pathEnd - parser.pathStart).isEqualTo(1);
    }

    @ParameterizedTest(name = "Host: {0}")
    @CsvSource(delimiter = '|', value = {"example.com", "EXAMPLE.com:8080", "127.0.0.1:1", "[::1]", "[::1]:443",
        "a_b.example", "''"})
    void validHostIsAccepted(String host) {
        String value = host.equals("''") ? "" : host;
        assertThat(request("GET / HTTP/1.1\r\nHost: " + value + "\r\n\r\n")).as(host).isZero();
    }

    @ParameterizedTest(name = "Host: {0}")
    @CsvSource(delimiter = '|', value = {"a b", "a/b", "user@h", "h:65536", "h:", ":80", "h:8o", "[::1", "%61dmin",
        "a\\b", "h:80:80"})
    void invalidHostIs400(String host) {
        assertThat(request("GET / HTTP/1.1\r\nHost: " + host.replace("\\\\", "\\") + "\r\n\r\n")).as(host)
                .isEqualTo(400);
    }

    static Stream<Arguments> malformedHeads() {
        return Stream.of(
                Arguments.of("TE in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"),
                Arguments.of("TE and CL in HTTP/1.0",
                        "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"),
                Arguments.of("empty TE", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: \r\n\r\n"),
                Arguments.of("TE xchunked", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n"),
                Arguments.of("TE chunked, identity",
                        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n"),
                Arguments.of("TE empty element", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: ,chunked\r\n\r\n"),
                Arguments.of("TE vertical tab", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: \u000bchunked\r\n\r\n"),
                Arguments.of("TE with underscore", "POST / HTTP/1.1\r\nHost: x\r\nTransfer_Encoding: chunked\r\n\r\n"),
                Arguments.of("CL with underscore", "POST / HTTP/1.1\r\nHost: x\r\ncontent_length: 5\r\n\r\n"),
                Arguments.of("CL empty", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: \r\n\r\n"),
                Arguments.of("CL empty element", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5,,5\r\n\r\n"),
                Arguments.of("CL trailing comma", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5,\r\n\r\n"),
                Arguments.of("CL negative", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n"),
                Arguments.of("CL hex", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0x5\r\n\r\n"),
                Arguments.of("CL two numbers", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5 5\r\n\r\n"),
                Arguments.of("CL too long", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1234567890123456789\r\n\r\n"),
                Arguments.of("NUL in name", "GET / HTTP/1.1\r\nHost: x\r\nX\u0000Y: a\r\n\r\n"),
                Arguments.of("NUL in target", "GET /a\u0000b HTTP/1.1\r\nHost: x\r\n\r\n"),
                Arguments.of("NUL in method", "G\u0000T / HTTP/1.1\r\nHost: x\r\n\r\n"),
                Arguments.of("lone CR in value", "GET / HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n"),
                Arguments.of("lone CR ending a field", "GET / HTTP/1.1\r\nHost: x\rX: b\r\n\r\n"),
                Arguments.of("lone CR in request line", "GET /\r HTTP/1.1\r\nHost: x\r\n\r\n"),
                Arguments.of("DEL in value", "GET / HTTP/1.1\r\nHost: x\r\nX: a\u007fb\r\n\r\n"),
                Arguments.of("name with slash", "GET / HTTP/1.1\r\nHost: x\r\nX/Y: a\r\n\r\n"),
                Arguments.of("name with bracket", "GET / HTTP/1.1\r\nHost: x\r\n[X]: a\r\n\r\n"),
                Arguments.of("name with high byte", "GET / HTTP/1.1\r\nHost: x\r\nX\u00e9: a\r\n\r\n"),
                Arguments.of("tab before colon", "GET / HTTP/1.1\r\nHost\t: x\r\n\r\n"),
                Arguments.of("no colon", "GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n"),
                Arguments.of("tab in request line", "GET\t/ HTTP/1.1\r\nHost: x\r\n\r\n"),
                Arguments.of("tab before version", "GET /\tHTTP/1.1\r\nHost: x\r\n\r\n"),
                Arguments.of("two spaces before version", "GET /  HTTP/1.1\r\nHost: x\r\n\r\n"),
                Arguments.of("trailing space", "GET / HTTP/1.1 \r\nHost: x\r\n\r\n"),
                Arguments.of("leading space", " GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
                Arguments.of("lowercase version", "GET / http/1.1\r\nHost: x\r\n\r\n"),
                Arguments.of("version without minor", "GET / HTTP/1\r\nHost: x\r\n\r\n"),
                Arguments.of("version 1.10", "GET / HTTP/1.10\r\nHost: x\r\n\r\n"),
                Arguments.of("no version", "GET /\r\nHost: x\r\n\r\n"),
                Arguments.of("bare LF after a field", "GET / HTTP/1.1\r\nHost: x\nX: y\r\n\r\n"),
                Arguments.of("bare LF blank line", "GET / HTTP/1.1\r\nHost: x\r\n\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedHeads")
    void malformedHeadIs400(String name, String head) {
        assertThat(request(head)).as(name).isEqualTo(400);
    }

    @Test
    void http10AndOtherVersions() {
        assertThat(request("GET / HTTP/1.0\r\nHost: x\r\n\r\n")).isZero();
        assertThat(request("GET / HTTP/0.9\r\n\r\n")).isEqualTo(505);
        assertThat(request("GET / HTTP/3.0\r\nHost: x\r\n\r\n")).isEqualTo(505);
        assertThat(request("POST / HTTP/1.0\r\nContent-Length: 5, 5\r\n\r\n")).isZero();
        assertThat(parser.contentLength).isEqualTo(5);
        assertThat(request("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 007\r\n\r\n")).isZero();
        assertThat(parser.contentLength).isEqualTo(7);
        assertThat(request("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")).isZero();
        assertThat(parser.chunked).isTrue();
        assertThat(request("GET / HTTP/1.1\r\nHost: x\r\nX: caf\u00e9\t \r\n\r\n")).as("obs-text, HTAB").isZero();
    }

    static Stream<Arguments> badResponses() {
        return Stream.of(
                Arguments.of("CL and TE", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"),
                Arguments.of("TE and CL", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"),
                Arguments.of("differing CL", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n"),
                Arguments.of("CL list differs", "HTTP/1.1 200 OK\r\nContent-Length: 3, 4\r\n\r\n"),
                Arguments.of("CL plus", "HTTP/1.1 200 OK\r\nContent-Length: +3\r\n\r\n"),
                Arguments.of("chunked twice", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"),
                Arguments.of("empty TE", "HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\n\r\n"),
                Arguments.of("TE in HTTP/1.0", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
                Arguments.of("status two digits", "HTTP/1.1 20 OK\r\n\r\n"),
                Arguments.of("status four digits", "HTTP/1.1 2000 OK\r\n\r\n"),
                Arguments.of("status letters", "HTTP/1.1 2x0 OK\r\n\r\n"),
                Arguments.of("status below 100", "HTTP/1.1 099 OK\r\n\r\n"),
                Arguments.of("lowercase version", "http/1.1 200 OK\r\n\r\n"),
                Arguments.of("HTTP/2", "HTTP/2.0 200 OK\r\n\r\n"),
                Arguments.of("no version", "200 OK\r\n\r\n"),
                Arguments.of("control byte in reason", "HTTP/1.1 200 O\u0001K\r\n\r\n"),
                Arguments.of("invalid name", "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n"),
                Arguments.of("space before colon", "HTTP/1.1 200 OK\r\nContent-Length : 3\r\n\r\n"),
                Arguments.of("obs-fold", "HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n"),
                Arguments.of("bare LF", "HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n"),
                Arguments.of("bare LF in fields", "HTTP/1.1 200 OK\r\nX: a\nContent-Length: 0\r\n\r\n"),
                Arguments.of("NUL in value", "HTTP/1.1 200 OK\r\nX: a\u0000\r\n\r\n"),
                Arguments.of("CL with underscore", "HTTP/1.1 200 OK\r\nContent_Length: 3\r\n\r\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badResponses")
    void badResponseIs502(String name, String head) {
        assertThat(response(head)).as(name).isEqualTo(502);
    }

    @Test
    void responseTransferEncodingNotEndingInChunkedIsCloseDelimited() {
        assertThat(response("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n")).isZero();
        assertThat(parser.chunked).isFalse();
        assertThat(parser.transferEncodingNotChunked).isTrue();
        assertThat(response("HTTP/1.1 200\r\n\r\n")).as("no reason phrase").isZero();
        assertThat(response("HTTP/1.1 200 \r\nHost: not checked in a response\r\n\r\n")).isZero();
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
        "two Hosts in 1.0|GET / HTTP/1.0\\r\\nHost: a\\r\\nHost: b\\r\\n\\r\\n|400",
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
