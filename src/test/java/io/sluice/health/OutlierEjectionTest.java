package io.sluice.health;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.cluster.Cluster;
import io.sluice.cluster.Server;
import io.sluice.config.OutlierConfig;
import io.sluice.testing.Await;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.RawResponse;
import io.sluice.testing.TestOrigin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Passive health checking in a running Sluice: a server whose requests fail N times in a row is ejected (/stats
 * shows it, the balancers skip it) and comes back when the probe after its ejection passes.
 */
@IntegrationTest
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class OutlierEjectionTest {
    private static final OutlierConfig OUTLIER = new OutlierConfig(3, Duration.ofSeconds(2), Duration.ofSeconds(8));
    private static final Duration WAIT = Duration.ofSeconds(10);

    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();

    private Server server(TestOrigin o) {
        for (Cluster c : proxy.sluice().clusters()) {
            for (Server s : c.servers()) {
                if (s.config().address().toString().equals(o.authority())) {
                    return s;
                }
            }
        }
        throw new AssertionError("no server " + o);
    }

    private JsonNode stats(TestOrigin o) throws Exception {
        return ProxyFixture.server(proxy.stats(), "web", o.authority());
    }

    private String state(TestOrigin o) {
        try {
            return stats(o).path("state").asText();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Failures reported the way the request path reports them ({@link Server#requestFailed()}). */
    @Test
    void ejectedServerGetsNoRequestsUntilItComesBack() throws Exception {
        TestOrigin a = proxy.origin("a");
        TestOrigin b = proxy.origin("b");
        proxy.setup().cluster("web", 16, a, b).start(c -> ProxyFixture.withHealth(c, null, OUTLIER));
        Server s = server(a);

        for (int i = 0; i < 3; i++) {
            s.requestFailed();
        }
        Await.until(() -> state(a).equals("ejected"), WAIT, () -> "a is " + state(a));
        JsonNode ejected = stats(a);
        assertThat(ejected.path("ejections").asLong()).isEqualTo(1);
        assertThat(ejected.path("ejection_ms").asLong()).isEqualTo(2000);

        int before = a.requests().size();
        for (int i = 0; i < 6; i++) {
            RawResponse r = proxy.get("/while-ejected?i=" + i);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("X-Origin")).isEqualTo("b");
        }
        assertThat(a.requests()).hasSize(before);

        Await.until(() -> state(a).equals("up"), WAIT, () -> "a is " + state(a));
        assertThat(stats(a).path("last_check").asText()).isEqualTo("passed: connected");
        Await.until(() -> {
            try {
                proxy.get("/after");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            return !a.requests("/after").isEmpty();
        }, WAIT, () -> "a back but not in rotation");
    }

    /**
     * The same through real failed requests: a server whose connects are refused is ejected. Needs the request
     * path to report failures to {@link Server#requestFailed()}, which it does not yet.
     */
    @Test
    void serverFailingRealRequestsIsEjected() throws Exception {
        TestOrigin a = proxy.origin("a");
        TestOrigin b = proxy.origin("b");
        proxy.setup().cluster("web", 16, a, b).start(c -> ProxyFixture.withHealth(c, null, OUTLIER));
        a.close();
        for (int i = 0; i < 10; i++) {
            assertThat(proxy.get("/x?i=" + i).status()).isEqualTo(200);
        }
        Await.until(() -> state(a).equals("ejected"), WAIT, () -> "a is " + state(a));
    }

    /** 5xx answers count as failures too: a server answering 500 in a row is ejected. */
    @Test
    void serverAnswering5xxIsEjected() throws Exception {
        TestOrigin a = proxy.origin("a");
        TestOrigin b = proxy.origin("b");
        proxy.setup().cluster("web", 16, a, b).start(c -> ProxyFixture.withHealth(c, null, OUTLIER));
        for (int i = 0; i < 8; i++) {
            assertThat(proxy.get("/status/500?i=" + i).status()).as("5xx answers are forwarded").isEqualTo(500);
        }
        // both fail alike, but at most half of a cluster is ejected: exactly one of them
        Await.until(() -> state(a).equals("ejected") ^ state(b).equals("ejected"), WAIT,
                () -> "a is " + state(a) + ", b is " + state(b));
        assertThat(proxy.get("/status/200").status()).isEqualTo(200);
    }
}
