package io.sluice.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.testing.BodyPattern;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.RawHttpClient;
import io.sluice.testing.RawResponse;
import io.sluice.testing.TestOrigin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The core promise: many short-lived client connections become a few reused server connections. 1000 requests,
 * each on its own client connection, 20 at a time, are all answered correctly while the origin accepts no more
 * connections than {@code max_connections} allows (plus, with several event loops, one per "rebalance" close) and
 * never has more than {@code max_connections} open at once.
 */
@IntegrationTest
@Timeout(value = 90, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ConnectionPerRequestTest {
    private static final int REQUESTS = 1000;
    private static final int CONCURRENCY = 20;
    private static final int MAX_CONNECTIONS = 4;

    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();

    @Test
    void http11ClientsSendingConnectionClose() throws Exception {
        run("HTTP/1.1", "Connection: close\r\n");
    }

    @Test
    void http10Clients() throws Exception {
        run("HTTP/1.0", "");
    }

    private void run(String version, String extraHeaders) throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", MAX_CONNECTIONS, origin).start();
        ExecutorService pool = Executors.newFixedThreadPool(CONCURRENCY);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < REQUESTS; i++) {
                int n = i;
                futures.add(pool.submit(() -> {
                    oneRequest(n, version, extraHeaders);
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        List<TestOrigin.Request> received = origin.requests();
        assertThat(received).hasSize(REQUESTS);
        Set<String> targets = new HashSet<>();
        for (TestOrigin.Request r : received) {
            assertThat(r.version()).as("toward servers always HTTP/1.1").isEqualTo("HTTP/1.1");
            assertThat(r.headers("Connection")).as("no Connection header toward servers").isEmpty();
            targets.add(r.target());
        }
        assertThat(targets).as("each request forwarded exactly once").hasSize(REQUESTS);

        JsonNode stats = proxy.stats();
        long rebalance = ProxyFixture.closes(stats, "rebalance");
        JsonNode server = ProxyFixture.server(stats, "web", origin.authority());
        assertThat(server.path("connects").asLong()).as("/stats connects = connections the origin accepted")
                .isEqualTo(origin.accepted());
        if (ProxyFixture.workers() == 1) {
            assertThat(rebalance).isZero();
            assertThat(origin.accepted()).isLessThanOrEqualTo(MAX_CONNECTIONS);
        } else {
            assertThat((long) origin.accepted()).as("accepts beyond max_connections only through rebalance closes")
                    .isLessThanOrEqualTo(MAX_CONNECTIONS + rebalance);
        }
        assertThat(origin.maxOpenConnections()).as("server connections open at once")
                .isLessThanOrEqualTo(MAX_CONNECTIONS);
    }

    private void oneRequest(int i, String version, String extraHeaders) throws Exception {
        int size = 1 + (i * 37) % 3000;
        String target = "/size/" + size + "?i=" + i;
        try (RawHttpClient c = RawHttpClient.connect(proxy.address())) {
            c.send("GET " + target + " " + version + "\r\nHost: test\r\n" + extraHeaders + "\r\n");
            RawResponse r = c.readResponse();
            assertThat(r.status()).as("request %d: %s", i, r).isEqualTo(200);
            assertThat(r.header("X-Target")).as("request %d answered with its own response", i).isEqualTo(target);
            assertThat(r.complete()).isTrue();
            assertThat(r.body()).hasSize(size);
            assertThat(BodyPattern.firstMismatch(r.body())).isEqualTo(-1);
            assertThat(r.hasHeader("Transfer-Encoding")).isFalse();
            if (version.equals("HTTP/1.1")) {
                assertThat(r.hasToken("Connection", "close")).as("Sluice says it will close").isTrue();
            } else {
                assertThat(r.hasToken("Connection", "keep-alive")).isFalse();
            }
            assertThat(c.closedByPeer(Duration.ofSeconds(5))).as("Sluice closes the client connection").isTrue();
        }
    }
}
