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

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client that half-closes (FIN) after sending its requests, as {@code nc -N} and many scripts do, still gets every
 * answer, then the connection closes; one that half-closes in the middle of a request gets nothing, and no server
 * sees the partial request as complete.
 */
@IntegrationTest
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class HalfCloseTest {
    private static final Duration CLOSE = Duration.ofSeconds(5);

    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();
    private TestOrigin origin;

    @BeforeEach
    void start() {
        origin = proxy.origin();
        proxy.setup().cluster("web", 4, origin).start();
    }

    @Test
    void requestThenFinIsAnswered() throws Exception {
        try (RawHttpClient c = proxy.connect()) {
            c.send(RawHttpClient.request("GET", "/size/100", "Host: t"));
            c.shutdownOutput();
            RawResponse r = c.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).hasSize(100);
            assertThat(c.closedByPeer(CLOSE)).isTrue();
        }
    }

    @Test
    void pipelinedRequestsThenFinAreAllAnswered() throws Exception {
        try (RawHttpClient c = proxy.connect()) {
            c.send(RawHttpClient.request("GET", "/size/1", "Host: t") + RawHttpClient.request("GET", "/nowhere-else",
                    "Host: t") + "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello");
            c.shutdownOutput();
            assertThat(c.readResponse().status()).isEqualTo(200);
            assertThat(c.readResponse().status()).isEqualTo(200);
            assertThat(c.readResponse().bodyText()).isEqualTo("hello");
            assertThat(c.closedByPeer(CLOSE)).isTrue();
        }
        assertThat(origin.requests()).hasSize(3);
    }

    @Test
    void finInsideABodyClosesWithoutForwardingItAsComplete() throws Exception {
        try (RawHttpClient c = proxy.connect()) {
            c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nhello");
            c.shutdownOutput();
            assertThat(c.readUntilClosed(CLOSE)).isEmpty();
        }
        assertThat(origin.requests()).isEmpty();
    }

    @Test
    void finInsideAHeadClosesWithoutAnAnswer() throws Exception {
        try (RawHttpClient c = proxy.connect()) {
            c.send("GET / HTTP/1.1\r\nHost: t\r\n");
            c.shutdownOutput();
            assertThat(c.readUntilClosed(CLOSE)).isEmpty();
        }
        assertThat(origin.requests()).isEmpty();
    }
}
