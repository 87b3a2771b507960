package io.sluice.http;

import io.sluice.config.RetryBudget;
import io.sluice.config.RouteConfig;
import io.sluice.config.RouteMatch;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.RawHttpClient;
import io.sluice.testing.RawResponse;
import io.sluice.testing.TestOrigin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Failover: a request that could not reach a server, or that a server dropped before any response byte, goes to
 * another server, within the route's {@code retries} and the cluster's retry budget, and only when repeating it is
 * safe (idempotent method). Otherwise the client gets 503 (nothing sent) or 502 (sent, no answer).
 */
@IntegrationTest
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FailoverTest {
    private static final int REQUESTS = 12;

    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();
    private DroppingServer dropping;

    @AfterEach
    void stopDropping() throws IOException {
        if (dropping != null) {
            dropping.close();
        }
    }

    private RawResponse get(RawHttpClient c, String target) throws IOException {
        c.send(RawHttpClient.request("GET", target, "Host: t"));
        return c.readResponse();
    }

    @Test
    void connectFailureGoesToTheNextServer() throws Exception {
        TestOrigin live = proxy.origin("live");
        proxy.setup().cluster("web", 8, ProxyFixture.deadAddress(), live.address()).start();
        for (int i = 0; i < REQUESTS; i++) {
            try (RawHttpClient c = proxy.connect()) {
                RawResponse r = get(c, "/size/5?i=" + i);
                assertThat(r.status()).as("%s", r).isEqualTo(200);
            }
        }
        assertThat(live.requests()).hasSize(REQUESTS);
    }

    @Test
    void withoutRetriesAConnectFailureIs503WithRetryAfter() throws Exception {
        TestOrigin live = proxy.origin("live");
        proxy.setup().cluster("web", 8, ProxyFixture.deadAddress(), live.address())
                .route(new RouteConfig(new RouteMatch(null, "/"), "web", null, Map.of(), List.of(), null, 0))
                .start();
        int unavailable = 0;
        for (int i = 0; i < REQUESTS; i++) {
            try (RawHttpClient c = proxy.connect()) {
                RawResponse r = get(c, "/size/5?i=" + i);
                if (r.status() == 503) {
                    unavailable++;
                    assertThat(r.header("Retry-After")).isEqualTo("1");
                } else {
                    assertThat(r.status()).as("%s", r).isEqualTo(200);
                }
            }
        }
        assertThat(unavailable).as("round robin sends about half to the dead server").isBetween(1, REQUESTS - 1);
        assertThat(live.requests()).hasSize(REQUESTS - unavailable);
    }

    @Test
    void idempotentRequestDroppedBeforeAnyResponseByteIsRetriedOnAnotherServer() throws Exception {
        TestOrigin live = proxy.origin("live");
        dropping = new DroppingServer();
        proxy.setup().cluster("web", 8, dropping.address(), live.address()).start();
        for (int i = 0; i < REQUESTS; i++) {
            try (RawHttpClient c = proxy.connect()) {
                RawResponse r = get(c, "/size/5?i=" + i);
                assertThat(r.status()).as("%s", r).isEqualTo(200);
                assertThat(r.header("X-Origin")).isEqualTo("live");
            }
        }
        assertThat(dropping.requests()).as("the dropping server was tried").isPositive();
        assertThat(live.requests()).hasSize(REQUESTS);
    }

    /**
     * A request can be replayed more than once: dropped by one server, then sent on a pooled connection to the
     * next that turns out closed, then sent on a fresh connection there. Requests go over one client connection,
     * so they share one event loop's pool; round robin makes some try the dropping server first and some not.
     */
    @Test
    void aRequestIsReplayedAsOftenAsItsRetriesAllow() throws Exception {
        TestOrigin live = proxy.origin("live");
        dropping = new DroppingServer();
        proxy.setup().cluster("web", 8, dropping.address(), live.address()).start();
        try (RawHttpClient c = proxy.connect()) {
            assertThat(get(c, "/size/5?warm").status()).isEqualTo(200);
            int droppedBefore = dropping.requests();
            for (int i = 0; i < 6; i++) {
                live.awaitIdleConnections(1, Duration.ofSeconds(5));
                assertThat(live.dropNextRequestOnIdleConnections()).isEqualTo(1);
                RawResponse r = get(c, "/size/5?i=" + i);
                assertThat(r.status()).as("request %d: %s", i, r).isEqualTo(200);
            }
            assertThat(dropping.requests()).as("some requests tried the dropping server first")
                    .isGreaterThan(droppedBefore);
        }
    }

    @Test
    void nonIdempotentRequestIsNotRetried() throws Exception {
        TestOrigin live = proxy.origin("live");
        dropping = new DroppingServer();
        proxy.setup().cluster("web", 8, dropping.address(), live.address()).start();
        int badGateway = 0;
        for (int i = 0; i < REQUESTS; i++) {
            try (RawHttpClient c = proxy.connect()) {
                c.send(RawHttpClient.request("POST", "/echo?i=" + i, "Host: t", "Content-Length: 2") + "hi");
                RawResponse r = c.readResponse();
                if (r.status() == 502) {
                    badGateway++;
                } else {
                    assertThat(r.status()).as("%s", r).isEqualTo(200);
                }
            }
        }
        assertThat(badGateway).as("each POST the dropping server got is answered 502")
                .isEqualTo(dropping.requests()).isPositive();
        assertThat(live.requests()).hasSize(REQUESTS - badGateway);
    }

    @Test
    void anExhaustedRetryBudgetStopsRetries() throws Exception {
        TestOrigin live = proxy.origin("live");
        dropping = new DroppingServer();
        proxy.setup().cluster("web", 8, dropping.address(), live.address())
                .clusterConfig("web", c -> ProxyFixture.withRetryBudget(c, new RetryBudget(0, 0)))
                .start();
        int badGateway = 0;
        for (int i = 0; i < REQUESTS; i++) {
            try (RawHttpClient c = proxy.connect()) {
                RawResponse r = get(c, "/size/5?i=" + i);
                if (r.status() == 502) {
                    badGateway++;
                } else {
                    assertThat(r.status()).as("%s", r).isEqualTo(200);
                }
            }
        }
        assertThat(badGateway).isEqualTo(dropping.requests()).isPositive();
    }


    /** Accepts connections, reads a request head, and closes without answering. */
    private static final class DroppingServer implements AutoCloseable {
        private final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        private final AtomicInteger requests = new AtomicInteger();
        private final Thread acceptor = new Thread(this::run, "dropping-server");

        DroppingServer() throws IOException {
            acceptor.setDaemon(true);
            acceptor.start();
        }

        InetSocketAddress address() {
            return new InetSocketAddress("127.0.0.1", socket.getLocalPort());
        }

        int requests() {
            return requests.get();
        }

        private void run() {
            while (!socket.isClosed()) {
                try (Socket s = socket.accept()) {
                    InputStream in = s.getInputStream();
                    int state = 0;
                    int b;
                    // until CRLF CRLF: a whole request head
                    while (state < 4 && (b = in.read()) >= 0) {
                        state = (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3))
                                ? state + 1 : 0;
                    }
                    if (state == 4) {
                        requests.incrementAndGet();
                    }
                } catch (IOException e) {
                    // closed, or the proxy went away: either way the next accept decides
                }
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
