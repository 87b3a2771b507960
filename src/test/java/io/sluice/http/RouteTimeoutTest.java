package io.sluice.http;

import io.sluice.config.RouteConfig;
import io.sluice.config.RouteMatch;
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

/** A route's {@code timeout} replaces the cluster's response timeout for the requests it matches, and only those. */
@IntegrationTest
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RouteTimeoutTest {
    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();

    @Test
    void routeTimeoutAppliesToItsRoute() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 8, origin)
                .route(new RouteConfig(new RouteMatch(null, "/fast/"), "web", "/", Map.of(), List.of(),
                        Duration.ofMillis(300), RouteConfig.DEFAULT_RETRIES))
                .route(new RouteConfig(new RouteMatch(null, "/"), "web"))
                .start();
        try (RawHttpClient c = proxy.connect()) {
            long sent = System.nanoTime();
            c.send(RawHttpClient.request("GET", "/fast/delay/3000/size/1", "Host: t"));
            RawResponse r = c.readResponse();
            long waitedMillis = (System.nanoTime() - sent) / 1_000_000;
            assertThat(r.status()).as("%s", r).isEqualTo(504);
            assertThat(waitedMillis).isBetween(250L, 2500L);
        }
        try (RawHttpClient c = proxy.connect()) {
            c.send(RawHttpClient.request("GET", "/delay/600/size/1", "Host: t"));
            assertThat(c.readResponse().status()).as("the cluster's 30 s apply elsewhere").isEqualTo(200);
        }
        assertThat(origin.arrivals()).containsExactly("/delay/3000/size/1", "/delay/600/size/1");
    }
}
