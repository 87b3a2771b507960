package io.sluice.http;

import io.sluice.config.RouteBuffering;
import io.sluice.config.RouteConfig;
import io.sluice.config.RouteMatch;
import io.sluice.testing.BodyPattern;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.RawHttpClient;
import io.sluice.testing.RawResponse;
import io.sluice.testing.TestOrigin;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keep-alive rescue (seed 002): a response whose body ends when the server closes no longer costs the client its
 * connection. Held ({@code buffer_response}), it gets a Content-Length; streamed to an HTTP/1.1 client, it is
 * re-chunked; either way the client's next request goes over the same connection. Byte-exact.
 */
@IntegrationTest
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class KeepAliveRescueTest {
    private static final int SIZE = 3000;

    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();

    @BeforeEach
    void start() {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 8, origin)
                .route(new RouteConfig(new RouteMatch(null, "/held/"), "web", "/", Map.of(), List.of(), null,
                        RouteConfig.DEFAULT_RETRIES, new RouteBuffering(false,
                        RouteBuffering.DEFAULT_MAX_REQUEST_BUFFER, RouteBuffering.Overflow.REJECT, true)))
                .route(new RouteConfig(new RouteMatch(null, "/"), "web"))
                .start();
    }

    private static byte[] pattern(int n) {
        return BodyPattern.bytes(n);
    }

    @Test
    void heldCloseDelimitedBodyGetsAContentLengthForAnHttp11Client() throws Exception {
        try (RawHttpClient c = proxy.connect()) {
            c.send(RawHttpClient.request("GET", "/held/close-delimited/" + SIZE, "Host: t"));
            RawResponse r = c.readResponse();
            assertThat(r.framing()).isEqualTo(RawResponse.Framing.CONTENT_LENGTH);
            assertThat(r.header("Content-Length")).isEqualTo(Integer.toString(SIZE));
            assertThat(r.header("Connection")).isNull();
            assertThat(r.rawBody()).isEqualTo(pattern(SIZE));
            c.send(RawHttpClient.request("GET", "/size/7?next", "Host: t"));
            assertThat(c.readResponse().header("X-Target")).isEqualTo("/size/7?next");
        }
    }

    @Test
    void heldCloseDelimitedBodyKeepsAnHttp10ClientAlive() throws Exception {
        try (RawHttpClient c = proxy.connect()) {
            c.send("GET /held/close-delimited/" + SIZE + " HTTP/1.0\r\nHost: t\r\nConnection: keep-alive\r\n\r\n");
            RawResponse r = c.readResponse();
            assertThat(r.version()).isEqualTo("HTTP/1.1");
            assertThat(r.header("Content-Length")).isEqualTo(Integer.toString(SIZE));
            assertThat(r.header("Connection")).isEqualToIgnoringCase("keep-alive");
            assertThat(r.rawBody()).isEqualTo(pattern(SIZE));
            c.send("GET /size/7?next HTTP/1.0\r\nHost: t\r\nConnection: keep-alive\r\n\r\n");
            assertThat(c.readResponse().header("X-Target")).isEqualTo("/size/7?next");
        }
    }

    @Test
    void heldChunkedBodyIsDechunkedWithALengthForAnHttp10Client() throws Exception {
        try (RawHttpClient c = proxy.connect()) {
            c.send("GET /held/chunked/" + SIZE + " HTTP/1.0\r\nHost: t\r\nConnection: keep-alive\r\n\r\n");
            RawResponse r = c.readResponse();
            assertThat(r.header("Transfer-Encoding")).isNull();
            assertThat(r.header("Content-Length")).isEqualTo(Integer.toString(SIZE));
            assertThat(r.rawBody()).isEqualTo(pattern(SIZE));
            c.send("GET /size/7?next HTTP/1.0\r\nHost: t\r\nConnection: keep-alive\r\n\r\n");
            assertThat(c.readResponse().header("X-Target")).isEqualTo("/size/7?next");
        }
    }

    @Test
    void streamedCloseDelimitedBodyIsRechunkedForAnHttp11Client() throws Exception {
        try (RawHttpClient c = proxy.connect()) {
            c.send(RawHttpClient.request("GET", "/close-delimited/" + SIZE, "Host: t"));
            RawResponse r = c.readResponse();
            assertThat(r.framing()).isEqualTo(RawResponse.Framing.CHUNKED);
            assertThat(r.header("Transfer-Encoding")).isEqualTo("chunked");
            assertThat(r.header("Connection")).isNull();
            assertThat(r.body()).isEqualTo(pattern(SIZE));
            assertThat(new String(r.rawBody(), StandardCharsets.ISO_8859_1)).endsWith("\r\n0\r\n\r\n");
            c.send(RawHttpClient.request("GET", "/size/7?next", "Host: t"));
            assertThat(c.readResponse().header("X-Target")).isEqualTo("/size/7?next");
        }
    }

    @Test
    void streamedCloseDelimitedBodyStillClosesAnHttp10Client() throws Exception {
        try (RawHttpClient c = proxy.connect()) {
            c.send("GET /close-delimited/" + SIZE + " HTTP/1.0\r\nHost: t\r\nConnection: keep-alive\r\n\r\n");
            RawResponse r = c.readResponse();
            assertThat(r.framing()).isEqualTo(RawResponse.Framing.UNTIL_CLOSE);
            assertThat(r.body()).isEqualTo(pattern(SIZE));
        }
    }
}
