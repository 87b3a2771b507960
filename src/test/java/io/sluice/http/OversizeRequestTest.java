package io.sluice.http;

import io.sluice.config.ListenerLimits;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.RawHttpClient;
import io.sluice.testing.RawResponse;
import io.sluice.testing.TestOrigin;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.SocketException;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Request size limits ({@code limits: {request_line: 1KiB, header_bytes: 4KiB, headers: 20}} here): a longer
 * request line is 414, a larger head or more header fields 431, each with the connection closed; a request within
 * the limits passes.
 */
@IntegrationTest
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class OversizeRequestTest {
    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();
    private TestOrigin origin;

    @BeforeEach
    void start() {
        origin = proxy.origin();
        proxy.setup().cluster("web", 4, origin).limits(new ListenerLimits(1024, 4096, 20)).start();
    }

    @Test
    void requestLineTooLongIs414() throws Exception {
        assertRejected("GET /" + "a".repeat(2000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414);
    }

    @Test
    void headTooLargeIs431() throws Exception {
        StringBuilder sb = new StringBuilder("GET / HTTP/1.1\r\nHost: x\r\n");
        for (int i = 0; i < 10; i++) {
            sb.append("X-Big-").append(i).append(": ").append("v".repeat(600)).append("\r\n");
        }
        assertRejected(sb.append("\r\n").toString(), 431);
    }

    @Test
    void tooManyHeadersIs431() throws Exception {
        StringBuilder sb = new StringBuilder("GET / HTTP/1.1\r\nHost: x\r\n");
        for (int i = 0; i < 30; i++) {
            sb.append("X-H").append(i).append(": v\r\n");
        }
        assertRejected(sb.append("\r\n").toString(), 431);
    }

    @Test
    void withinLimitsPasses() throws Exception {
        StringBuilder sb = new StringBuilder("GET /" + "a".repeat(900) + " HTTP/1.1\r\nHost: x\r\n");
        for (int i = 0; i < 14; i++) {
            sb.append("X-H").append(i).append(": ").append("v".repeat(100)).append("\r\n");
        }
        try (RawHttpClient c = proxy.connect()) {
            c.send(sb.append("\r\n").toString());
            RawResponse r = c.readResponse();
            assertThat(r.status()).as("%s", r).isEqualTo(200);
        }
        assertThat(origin.requests()).hasSize(1);
    }

    @Test
    void endlessHeadIsCutOff() throws Exception {
        try (RawHttpClient c = proxy.connect()) {
            c.send("GET / HTTP/1.1\r\nHost: x\r\n");
            try {
                for (int i = 0; i < 64; i++) {
                    c.send("X-Endless-" + i + ": " + "v".repeat(1000) + "\r\n");
                }
            } catch (SocketException e) {
                // Sluice may close while we are still sending: fine
            }
            try {
                RawResponse r = c.readResponse();
                assertThat(r.status()).isEqualTo(431);
            } catch (SocketException | RawHttpClient.ClosedBeforeResponseException e) {
                // the 431 can be lost to a TCP reset when Sluice closes with our unread bytes in its buffer
            }
            assertThat(c.closedByPeer(Duration.ofSeconds(5))).isTrue();
        }
        assertThat(origin.requests()).isEmpty();
    }

    private void assertRejected(String request, int status) throws IOException {
        try (RawHttpClient c = proxy.connect()) {
            c.send(request);
            RawResponse r = c.readResponse();
            assertThat(r.status()).as("%s", r).isEqualTo(status);
            assertThat(r.header("Content-Length")).isNotNull();
            assertThat(r.body()).hasSizeLessThan(1024);
            assertThat(r.hasToken("Connection", "close")).isTrue();
            assertThat(c.closedByPeer(Duration.ofSeconds(5))).isTrue();
        }
        assertThat(origin.requests()).isEmpty();
    }
}
