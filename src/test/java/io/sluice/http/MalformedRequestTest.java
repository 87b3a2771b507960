package io.sluice.http;

import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.RawHttpClient;
import io.sluice.testing.RawResponse;
import io.sluice.testing.TestOrigin;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.time.Duration;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Malformed or ambiguous requests (RFC 9112; the ambiguous ones are request smuggling vectors) get 400 with
 * {@code Connection: close}, the connection is closed, and nothing reaches a server. What RFC 9112 lets a server
 * tolerate (empty lines before a request line, however they arrive) is accepted.
 */
@IntegrationTest
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MalformedRequestTest {
    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();
    private TestOrigin origin;

    @BeforeEach
    void start() {
        origin = proxy.origin();
        proxy.start(origin);
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("no version", "GARBAGE\r\n\r\n"),
                Arguments.of("space in target", "GET /a b HTTP/1.1\r\nHost: x\r\n\r\n"),
                Arguments.of("HTTP/1.1 without Host", "GET / HTTP/1.1\r\nUser-Agent: x\r\n\r\n"),
                Arguments.of("two Host headers", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
                Arguments.of("conflicting Content-Length",
                        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"),
                Arguments.of("Content-Length not a number", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"),
                Arguments.of("negative Content-Length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n"),
                Arguments.of("Transfer-Encoding and Content-Length",
                        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"
                                + "0\r\n\r\n"),
                Arguments.of("request Transfer-Encoding not ending in chunked",
                        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n"),
                Arguments.of("space in header name", "GET / HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n"),
                Arguments.of("space before colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n"),
                Arguments.of("empty header name", "GET / HTTP/1.1\r\nHost: x\r\n: v\r\n\r\n"),
                Arguments.of("obsolete line folding", "GET / HTTP/1.1\r\nHost: x\r\nX-Fold: a\r\n b\r\n\r\n"),
                Arguments.of("NUL in header value", "GET / HTTP/1.1\r\nHost: x\r\nX-Nul: a\0b\r\n\r\n"),
                Arguments.of("bare LF blank line", "GET / HTTP/1.1\r\nHost: x\r\n\n"),
                Arguments.of("bare LF blank line after Connection: close",
                        "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void answered400AndClosed(String name, String request) throws Exception {
        try (RawHttpClient c = proxy.connect()) {
            c.send(request);
            RawResponse r = c.readResponse();
            assertThat(r.status()).as("%s", r).isEqualTo(400);
            assertThat(r.header("Content-Length")).isNotNull();
            assertThat(r.body()).isNotEmpty().hasSizeLessThan(1024);
            assertThat(r.hasToken("Connection", "close")).as("Sluice says it will close").isTrue();
            assertThat(c.closedByPeer(Duration.ofSeconds(5))).isTrue();
        }
        assertThat(origin.requests()).as("nothing reaches the server").isEmpty();
        ServerFaults.assertNewConnectionWorks(proxy);
    }

    @Test
    void leadingEmptyLineSplitAcrossReadsIsAccepted() throws Exception {
        try (RawHttpClient c = proxy.connect()) {
            // the CR alone arrives in a read of its own (nothing tells when Sluice has read it: let time pass)
            c.send("\r");
            Thread.sleep(100);
            c.send("\n\r\nGET /size/4?after-crlf HTTP/1.1\r\nHost: x\r\n\r\n");
            RawResponse r = c.readResponse();
            assertThat(r.status()).as("%s", r).isEqualTo(200);
            assertThat(r.header("X-Target")).isEqualTo("/size/4?after-crlf");
            c.send("\r");
            Thread.sleep(100);
            c.send("\nGET /size/5?again HTTP/1.1\r\nHost: x\r\n\r\n");
            RawResponse again = c.readResponse();
            assertThat(again.status()).as("%s", again).isEqualTo(200);
            assertThat(again.header("X-Target")).isEqualTo("/size/5?again");
        }
        assertThat(origin.requests()).extracting(TestOrigin.Request::target)
                .containsExactly("/size/4?after-crlf", "/size/5?again");
    }

    @Test
    void malformedChunkSizeNeverReachesTheServerAsValidHttp() throws Exception {
        try (RawHttpClient c = proxy.connect()) {
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n");
            try {
                RawResponse r = c.readResponse("POST");
                assertThat(r.status()).as("%s", r).isEqualTo(400);
            } catch (RawHttpClient.ClosedBeforeResponseException e) {
                // also acceptable once the head had gone to the server: the exchange is aborted
            }
            assertThat(c.closedByPeer(Duration.ofSeconds(5))).isTrue();
        } catch (IOException e) {
            throw new AssertionError("unexpected I/O failure", e);
        }
        // The fixture also fails the test if the origin saw malformed chunked framing.
        assertThat(origin.requests("/echo")).as("the broken request is never completed").isEmpty();
        ServerFaults.assertNewConnectionWorks(proxy);
    }
}
