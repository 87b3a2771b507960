package io.sluice.http;

import io.sluice.testing.Await;
import io.sluice.testing.BodyPattern;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.RawHttpClient;
import io.sluice.testing.RawResponse;
import io.sluice.testing.TestOrigin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.InputStream;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client that goes away in the middle of an exchange must not corrupt the server connection it used: whether
 * Sluice drains the rest of the response and pools the connection or closes it, the next request (forced onto the
 * same server with {@code max_connections: 1}) gets exactly its own response, and no lease is left behind.
 */
@IntegrationTest
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ClientAbortTest {
    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();

    @ParameterizedTest(name = "{0} bytes, reset={1}")
    @CsvSource({"200000, true", "200000, false", "33554432, true", "33554432, false"})
    void abortMidResponse(long size, boolean reset) throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 1, origin).start();
        for (int round = 0; round < 3; round++) {
            RawHttpClient c = proxy.connect();
            c.send(RawHttpClient.request("GET", "/size/" + size + "?abort=" + round, "Host: t"));
            RawHttpClient.Streaming s = c.readStreaming("GET");
            assertThat(s.head().status()).isEqualTo(200);
            s.body().readNBytes(1000);
            if (reset) {
                c.abort();
            } else {
                c.close();
            }
            assertNextRequestIsRight("/size/1234?after=" + round, 1234);
        }
        assertThat(origin.maxOpenConnections()).isLessThanOrEqualTo(1);
    }

    @Test
    void abortBeforeTheResponse() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 1, origin).start();
        RawHttpClient c = proxy.connect();
        c.send(RawHttpClient.request("GET", "/delay/300/size/100?slow", "Host: t"));
        origin.awaitRequests(1, Duration.ofSeconds(5));
        c.abort();
        // if the server connection were pooled with the slow answer still pending, this would get that answer
        assertNextRequestIsRight("/size/10?after", 10);
    }

    @Test
    void clientLeavingWhileWaitingForAConnectionIsForgotten() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 1, origin).start();
        try (RawHttpClient busy = proxy.connect()) {
            busy.send(RawHttpClient.request("GET", "/delay/500/size/10?busy", "Host: t"));
            origin.awaitRequests(1, Duration.ofSeconds(5));
            RawHttpClient waiting = proxy.connect();
            waiting.send(RawHttpClient.request("GET", "/size/10?gone", "Host: t"));
            Await.until(() -> listenerRequests() >= 2, Duration.ofSeconds(5),
                    () -> "Sluice did not read the second request");
            waiting.abort();
            assertThat(busy.readResponse().header("X-Target")).isEqualTo("/delay/500/size/10?busy");
        }
        assertNextRequestIsRight("/size/10?after", 10);
        assertThat(origin.requests()).extracting(TestOrigin.Request::target)
                .as("the request of a client that left while waiting is never sent").doesNotContain("/size/10?gone");
    }

    @Test
    void abortMidRequestBody() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 1, origin).start();
        RawHttpClient c = proxy.connect();
        c.send("POST /sink HTTP/1.1\r\nHost: t\r\nContent-Length: 1048576\r\n\r\n");
        try (InputStream part = BodyPattern.stream(100_000)) {
            part.transferTo(c.output());
        }
        c.output().flush();
        c.abort();
        // a half-sent request must never be completed by the next client's bytes
        assertNextRequestIsRight("/size/10?after", 10);
        assertThat(origin.requests("/sink")).as("the aborted upload is never completed with foreign bytes").isEmpty();
    }

    /**
     * Draining the response of a client that left keeps the server connection for reuse, but only for a bounded
     * time (2 s): a server trickling its answer must not hold the connection, and its lease, for as long as it
     * goes on sending (each byte used to push the deadline back).
     */
    @Test
    void drainingForAClientThatLeftIsBoundedInTime() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 1, origin).start();
        RawHttpClient c = proxy.connect();
        c.send(RawHttpClient.request("GET", "/trickle/100/200?slow", "Host: t"));   // 100 bytes over 20 s
        RawHttpClient.Streaming s = c.readStreaming("GET");
        assertThat(s.head().status()).isEqualTo(200);
        assertThat(s.body().read()).as("first trickled byte").isNotNegative();
        c.abort();
        long t0 = System.nanoTime();
        Await.until(() -> proxy.sluice().outstandingLeases() == 0, Duration.ofMillis(3500),
                () -> "the drain for a client that left is still holding the server connection");
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        System.out.printf("drain for a client that left ended after %d ms%n", took.toMillis());
        Await.until(() -> origin.openConnections() == 0, Duration.ofSeconds(5),
                () -> "the trickling server connection was not closed");
        assertThat(origin.bytesWritten()).as("the server was still sending when Sluice gave up").isLessThan(100);
        assertNextRequestIsRight("/size/10?after", 10);
    }

    private long listenerRequests() {
        try {
            return ProxyFixture.listener(proxy.stats(), ProxyFixture.LISTENER).path("requests").asLong();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private void assertNextRequestIsRight(String target, int size) throws Exception {
        try (RawHttpClient next = proxy.connect()) {
            next.send(RawHttpClient.request("GET", target, "Host: t"));
            RawResponse r = next.readResponse();
            assertThat(r.status()).as("%s%n/stats: %s", r, proxy.stats()).isEqualTo(200);
            assertThat(r.header("X-Target")).isEqualTo(target);
            assertThat(r.body()).hasSize(size);
            assertThat(BodyPattern.firstMismatch(r.body())).isEqualTo(-1);
        }
    }
}
