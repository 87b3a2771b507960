package io.sluice.http;

import io.sluice.config.ClusterTimeouts;
import io.sluice.config.PoolConfig;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pool: server connections reused after clean exchanges, requests waiting for a free connection at
 * {@code max_connections}, {@code max_idle} and {@code prewarm} honoured.
 */
@IntegrationTest
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ConnectionReuseTest {
    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();

    @Test
    void sequentialClientsShareServerConnections() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.start(origin);
        for (int i = 0; i < 50; i++) {
            assertThat(proxy.get("/size/10?i=" + i).header("X-Target")).isEqualTo("/size/10?i=" + i);
        }
        assertThat(origin.accepted()).as("at most one server connection per event loop")
                .isLessThanOrEqualTo(ProxyFixture.workers());
    }

    @Test
    void keepAliveClientUsesOneServerConnection() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.start(origin);
        try (RawHttpClient c = proxy.connect()) {
            for (int i = 0; i < 20; i++) {
                c.send(RawHttpClient.request("GET", "/size/10?i=" + i, "Host: t"));
                assertThat(c.readResponse().header("X-Target")).isEqualTo("/size/10?i=" + i);
            }
        }
        assertThat(origin.accepted()).isEqualTo(1);
    }

    @Test
    void requestsWaitForAFreeConnectionAtTheLimit() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 2, origin).start();
        List<CompletableFuture<RawResponse>> all = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            String target = "/delay/100/size/10?i=" + i;
            all.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return proxy.get(target);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }));
        }
        for (int i = 0; i < all.size(); i++) {
            RawResponse r = all.get(i).get(20, TimeUnit.SECONDS);
            assertThat(r.status()).as("%s", r).isEqualTo(200);
            assertThat(r.header("X-Target")).isEqualTo("/delay/100/size/10?i=" + i);
        }
        assertThat(origin.maxOpenConnections()).isLessThanOrEqualTo(2);
        long rebalance = ProxyFixture.closes(proxy.stats(), "rebalance");
        assertThat((long) origin.accepted()).isLessThanOrEqualTo(2 + rebalance);
    }

    /**
     * Two event loops and {@code max_connections: 2}: loop A holds one connection idle, loop B holds the other busy
     * and gets a request, which joins the cluster's surge queue. A's idle connection is worth more to B's waiting
     * request than to A: A gives it up at once (a {@code rebalance} close) and B opens one in its slot, rather than
     * waiting for A's connection to expire or for B's own busy one.
     */
    @Test
    void slotHeldIdleOnAnotherLoopServesAWaitingRequest() throws Exception {
        TestOrigin origin = proxy.origin();
        Duration idleTimeout = Duration.ofMillis(800);
        Duration leaseDeadline = Duration.ofMillis(2500);
        proxy.setup().workers(2).cluster("web", 2, origin)
                .pool("web", new PoolConfig(64, idleTimeout, 0))
                .timeouts("web", new ClusterTimeouts(leaseDeadline, Duration.ofSeconds(30)))
                .start();
        // client connections go to the two loops in turn: c1 and c3 to one, c2 and c4 to the other
        RawHttpClient c1 = proxy.connect();
        RawHttpClient c2 = proxy.connect();
        proxy.connect();
        RawHttpClient c4 = proxy.connect();
        c1.send(RawHttpClient.request("GET", "/size/1?a", "Host: t"));
        assertThat(c1.readResponse().header("X-Origin-Conn")).isEqualTo("1");
        long idleSince = System.nanoTime();      // loop A's connection is idle from about now
        c2.send(RawHttpClient.request("GET", "/delay/3000/size/2?busy", "Host: t"));
        origin.awaitRequests(2, Duration.ofSeconds(5));
        c4.send(RawHttpClient.request("GET", "/size/3?waiting", "Host: t"));
        long sent = System.nanoTime();
        assertThat(Duration.ofNanos(sent - idleSince)).as("setup: the request must wait while A's connection"
                + " is still idle").isLessThan(idleTimeout);

        RawResponse r = c4.readResponse();
        Duration waited = Duration.ofNanos(System.nanoTime() - sent);
        assertThat(r.status()).as("%s after %d ms", r, waited.toMillis()).isEqualTo(200);
        assertThat(r.header("X-Target")).isEqualTo("/size/3?waiting");
        assertThat(r.header("X-Origin-Conn")).as("served on a new connection, in the slot of the expired one"
                + " (connection 1 would mean it ran on loop A)").isEqualTo("3");
        assertThat(waited).as("served before A's idle connection would have expired").isLessThan(idleTimeout);
        assertThat(ProxyFixture.closes(proxy.stats(), "rebalance")).isEqualTo(1);
        assertThat(ProxyFixture.closes(proxy.stats(), "idle_timeout")).isZero();
        assertThat(origin.maxOpenConnections()).isLessThanOrEqualTo(2);
        RawResponse busy = c2.readResponse();
        assertThat(busy.header("X-Target")).isEqualTo("/delay/3000/size/2?busy");
    }

    @Test
    void maxIdleLimitsPooledConnections() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 16, origin).pool("web", new PoolConfig(1, Duration.ofSeconds(60), 0)).start();
        List<CompletableFuture<RawResponse>> all = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String target = "/delay/200/size/1?i=" + i;
            all.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return proxy.get(target);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }));
        }
        for (CompletableFuture<RawResponse> f : all) {
            assertThat(f.get(20, TimeUnit.SECONDS).status()).isEqualTo(200);
        }
        Await.until(() -> origin.openConnections() <= ProxyFixture.workers(), Duration.ofSeconds(5),
                () -> origin.openConnections() + " server connections kept, max_idle is 1 per loop");
    }

    @Test
    void prewarmOpensConnectionsAtStart() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 16, origin).pool("web", new PoolConfig(64, Duration.ofSeconds(60), 2)).start();
        int expected = 2 * ProxyFixture.workers();
        Await.until(() -> origin.accepted() >= expected, Duration.ofSeconds(5),
                () -> origin.accepted() + " connections prewarmed, expected " + expected);
        for (int i = 0; i < 10; i++) {
            assertThat(proxy.get("/size/1?i=" + i).status()).isEqualTo(200);
        }
        assertThat(origin.accepted()).as("requests use the prewarmed connections").isEqualTo(expected);
    }
}
