package io.sluice.http;

import io.sluice.config.RouteBuffering;
import io.sluice.config.RouteConfig;
import io.sluice.config.RouteMatch;
import io.sluice.testing.Await;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.RawHttpClient;
import io.sluice.testing.RawResponse;
import io.sluice.testing.TestOrigin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Request buffering (route option {@code buffer_request}): a request reaches a server only once it is complete,
 * so a slow upload never holds a server connection; beyond {@code max_request_buffer} it is refused (413) or
 * streamed ({@code overflow: stream}).
 */
@IntegrationTest
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RequestBufferingTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();
    private TestOrigin origin;

    private void start(int maxRequestBuffer, RouteBuffering.Overflow overflow) {
        origin = proxy.origin();
        proxy.setup().cluster("web", 8, origin)
                .route(new RouteConfig(new RouteMatch(null, "/"), "web", null, Map.of(), List.of(), null,
                        RouteConfig.DEFAULT_RETRIES, new RouteBuffering(true, maxRequestBuffer, overflow, false)))
                .start();
    }

    private long requestsSeenByTheProxy() {
        return ProxyFixture.listener(proxy.statsNow(), ProxyFixture.LISTENER).path("requests").asLong();
    }

    @Test
    void theServerSeesASlowUploadOnlyWhenItIsComplete() throws Exception {
        start(64 * 1024, RouteBuffering.Overflow.REJECT);
        String body = "a".repeat(10_000);
        try (RawHttpClient c = proxy.connect()) {
            c.send(RawHttpClient.request("POST", "/echo", "Host: t", "Content-Length: " + body.length())
                    + body.substring(0, 4000));
            Await.until(() -> requestsSeenByTheProxy() == 1, WAIT, () -> "the proxy has not read the head");
            c.send(body.substring(4000, 9000));
            // the proxy has the head and most of the body; nothing may have reached the server
            Await.until(() -> proxy.sluice().outstandingLeases() == 0, WAIT, () -> "leased");
            assertThat(origin.arrivals()).isEmpty();
            assertThat(origin.accepted()).as("no server connection even opened").isZero();
            c.send(body.substring(9000));
            RawResponse r = c.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo(body);
        }
        assertThat(origin.arrivals()).containsExactly("/echo");
    }

    @Test
    void aBodyOverTheLimitIsRefusedWith413() throws Exception {
        start(1024, RouteBuffering.Overflow.REJECT);
        try (RawHttpClient c = proxy.connect()) {
            c.send(RawHttpClient.request("POST", "/echo", "Host: t", "Content-Length: 5000") + "x".repeat(5000));
            assertThat(c.readResponse().status()).isEqualTo(413);
        }
        assertThat(origin.arrivals()).isEmpty();
    }

    @Test
    void aChunkedBodyOverTheLimitIsRefusedWith413() throws Exception {
        start(1024, RouteBuffering.Overflow.REJECT);
        try (RawHttpClient c = proxy.connect()) {
            c.send(RawHttpClient.request("POST", "/echo", "Host: t", "Transfer-Encoding: chunked")
                    + "800\r\n" + "x".repeat(2048) + "\r\n");
            assertThat(c.readResponse().status()).isEqualTo(413);
        }
        assertThat(origin.arrivals()).isEmpty();
    }

    @Test
    void aChunkedBodyIsBufferedWhole() throws Exception {
        start(64 * 1024, RouteBuffering.Overflow.REJECT);
        try (RawHttpClient c = proxy.connect()) {
            c.send(RawHttpClient.request("POST", "/echo", "Host: t", "Transfer-Encoding: chunked") + "5\r\nhello\r\n");
            Await.until(() -> requestsSeenByTheProxy() == 1, WAIT, () -> "the proxy has not read the head");
            assertThat(origin.accepted()).isZero();
            c.send("6\r\n world\r\n0\r\n\r\n");
            RawResponse r = c.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("hello world");
        }
    }

    @Test
    void withOverflowStreamABodyOverTheLimitIsForwardedAsItComes() throws Exception {
        start(1024, RouteBuffering.Overflow.STREAM);
        String body = "y".repeat(5000);
        try (RawHttpClient c = proxy.connect()) {
            c.send(RawHttpClient.request("POST", "/echo", "Host: t", "Content-Length: 5000") + body);
            RawResponse r = c.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo(body);
        }
    }

    @Test
    void aMalformedChunkedBodyIs400AndNeverReachesTheServer() throws Exception {
        start(64 * 1024, RouteBuffering.Overflow.REJECT);
        try (RawHttpClient c = proxy.connect()) {
            c.send(RawHttpClient.request("POST", "/echo", "Host: t", "Transfer-Encoding: chunked") + "zz\r\nbad\r\n");
            assertThat(c.readResponse().status()).isEqualTo(400);
        }
        assertThat(origin.arrivals()).isEmpty();
    }

    @Test
    void aClientExpecting100ContinueGetsItAndThenItsAnswer() throws Exception {
        start(64 * 1024, RouteBuffering.Overflow.REJECT);
        try (RawHttpClient c = proxy.connect()) {
            c.send(RawHttpClient.request("POST", "/echo", "Host: t", "Content-Length: 5", "Expect: 100-continue"));
            RawResponse interim = c.readResponse();
            assertThat(interim.status()).isEqualTo(100);
            assertThat(origin.accepted()).as("nothing sent before the body").isZero();
            c.send("hello");
            RawResponse r = c.readFinalResponse("POST");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("hello");
        }
    }
}
