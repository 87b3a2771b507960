package io.sluice.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.testing.Await;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
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

/** Admin {@code GET /stats}: the documented JSON shape, counts that match what the test did and the origin saw. */
@IntegrationTest
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class StatsTest {
    private static final List<String> CLOSE_REASONS = List.of("idle_timeout", "server_close", "error",
            "client_abort", "unexpected_data", "rebalance", "shutdown");

    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();

    @Test
    void shapeAndCounts() throws Exception {
        TestOrigin a = proxy.origin("a");
        TestOrigin b = proxy.origin("b");
        proxy.setup().cluster("web", 2, a, b).start();
        for (int i = 0; i < 6; i++) {
            RawResponse r = proxy.get("/size/10?i=" + i);
            assertThat(r.status()).isEqualTo(200);
        }
        Await.until(() -> listenerField("connections") == 0, Duration.ofSeconds(5),
                () -> "client connections still counted as open");
        JsonNode stats = proxy.stats();

        JsonNode listener = ProxyFixture.listener(stats, ProxyFixture.LISTENER);
        assertThat(listener.path("address").asText()).isEqualTo("127.0.0.1:" + proxy.address().getPort());
        assertThat(listener.path("connections").isIntegralNumber()).isTrue();
        assertThat(listener.path("accepted").asLong()).isEqualTo(6);
        assertThat(listener.path("requests").asLong()).isEqualTo(6);

        JsonNode cluster = stats.path("clusters").get(0);
        assertThat(cluster.path("name").asText()).isEqualTo("web");
        assertThat(cluster.path("servers")).hasSize(2);
        long requests = 0;
        for (TestOrigin o : List.of(a, b)) {
            JsonNode s = ProxyFixture.server(stats, "web", o.authority());
            assertThat(s.path("state").asText()).isEqualTo("up");
            for (String f : List.of("requests", "connects", "active", "idle")) {
                assertThat(s.path(f).isIntegralNumber()).as(f).isTrue();
            }
            assertThat(s.path("requests").asLong()).isEqualTo(o.requests().size());
            assertThat(s.path("connects").asLong()).isEqualTo(o.accepted());
            assertThat(s.path("active").asLong()).isZero();
            long closed = 0;
            for (String reason : CLOSE_REASONS) {
                assertThat(s.path("closes").path(reason).isIntegralNumber()).as("closes." + reason).isTrue();
                closed += s.path("closes").path(reason).asLong();
            }
            assertThat(s.path("idle").asLong()).as("connects - closes = active + idle")
                    .isEqualTo(s.path("connects").asLong() - closed);
            requests += s.path("requests").asLong();
        }
        assertThat(requests).isEqualTo(6);
        if (ProxyFixture.workers() == 1) {
            // with several event loops each loop keeps its own round-robin position
            assertThat(a.requests()).as("round robin").hasSize(3);
            assertThat(b.requests()).hasSize(3);
        }
        assertThat(stats.path("leases").asLong()).isZero();
    }

    @Test
    void connectsStayWithinMaxConnectionsUnderConcurrency() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 2, origin).start();
        List<CompletableFuture<RawResponse>> all = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String target = "/delay/20/size/10?i=" + i;
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
        JsonNode stats = proxy.stats();
        JsonNode s = ProxyFixture.server(stats, "web", origin.authority());
        long rebalance = s.path("closes").path("rebalance").asLong();
        assertThat(s.path("connects").asLong()).isLessThanOrEqualTo(2 + rebalance);
        assertThat(s.path("requests").asLong()).isEqualTo(40);
        assertThat(origin.maxOpenConnections()).isLessThanOrEqualTo(2);
    }

    private long listenerField(String field) {
        try {
            return ProxyFixture.listener(proxy.stats(), ProxyFixture.LISTENER).path(field).asLong(-1);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
