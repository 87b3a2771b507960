package io.sluice.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.testing.Await;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.RawResponse;
import io.sluice.testing.TestOrigin;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Drain (and disable): in-flight requests on a drained server complete; no new ones arrive. A slow request is in
 * flight on server A when A is drained; it still completes with 200 from A, and every request sent after the drain
 * goes to B.
 */
@IntegrationTest
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DrainTest {
    private static final long SLOW_MILLIS = 1500;

    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();

    @ParameterizedTest
    @ValueSource(strings = {"drain", "disable"})
    void inFlightRequestsCompleteAndNoNewOnesArrive(String action) throws Exception {
        TestOrigin a = proxy.origin("a");
        TestOrigin b = proxy.origin("b");
        proxy.setup().cluster("web", 16, a, b).start();

        String slowPath = "/delay/" + SLOW_MILLIS + "/slow";
        CompletableFuture<HttpResponse<String>> slow = proxy.http().sendAsync(
                HttpRequest.newBuilder(proxy.uri(slowPath)).timeout(Duration.ofSeconds(20)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        Await.until(() -> a.requests(slowPath).size() + b.requests(slowPath).size() == 1,
                Duration.ofSeconds(10), () -> "the slow request did not reach a server");
        TestOrigin busy = a.requests(slowPath).isEmpty() ? b : a;
        TestOrigin other = busy == a ? b : a;

        HttpResponse<String> r = proxy.admin("POST", "/servers/web/" + busy.authority() + "/" + action);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(slow).as("the admin action must not wait for or cut the request in flight").isNotDone();
        JsonNode s = ProxyFixture.server(proxy.stats(), "web", busy.authority());
        assertThat(s.path("state").asText()).isEqualTo(action.equals("drain") ? "draining" : "disabled");
        assertThat(s.path("active").asLong()).as("the slow request's connection is still leased").isEqualTo(1);

        int busyBefore = busy.requests().size();
        for (int i = 0; i < 10; i++) {
            RawResponse after = proxy.get("/after?i=" + i);
            assertThat(after.status()).isEqualTo(200);
            assertThat(after.header("X-Origin")).isEqualTo(other.name());
        }

        HttpResponse<String> done = slow.get(20, TimeUnit.SECONDS);
        assertThat(done.statusCode()).isEqualTo(200);
        assertThat(done.headers().firstValue("X-Origin")).hasValue(busy.name());
        assertThat(done.body()).isEqualTo("origin " + busy.name() + ": GET " + slowPath + "\n");
        assertThat(busy.requests()).as("nothing new reached the %sed server", action).hasSize(busyBefore);
        assertThat(other.requests("/after")).hasSize(10);
        assertThat(busy.requests(slowPath)).hasSize(1);
    }
}
