package io.sluice.http;

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
