package io.sluice.http;

import io.sluice.config.ListenerLimits;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.RawHttpClient;
import io.sluice.testing.RawResponse;
import io.sluice.testing.TestOrigin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sluice's own answers to HEAD requests have no body (fuzzing finding F3): a body there would be read by the client
 * as the start of the next response on the connection.
 */
@IntegrationTest
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class HeadRequestAnswersTest {
    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();

    private static String head(String target) {
        return RawHttpClient.request("HEAD", target, "Host: t");
    }

    @Test
    void noRouteAnswerToHeadHasNoBody() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 4, origin).route(null, "/size", "web").start();
        try (RawHttpClient c = proxy.connect()) {
            c.send(head("/nowhere") + RawHttpClient.request("GET", "/size/3", "Host: t"));
            RawResponse none = c.readResponse("HEAD");
            assertThat(none.status()).isEqualTo(404);
            assertThat(none.header("Content-Length")).isNotNull();
            RawResponse next = c.readResponse();
            assertThat(next.status()).as("the next response starts where it should").isEqualTo(200);
            assertThat(next.body()).hasSize(3);
        }
    }

    @Test
    void refusedHeadRequestGetsNoBodyEither() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 4, origin).limits(new ListenerLimits(1024, 4096, 2)).start();
        try (RawHttpClient c = proxy.connect()) {
            c.send(RawHttpClient.request("HEAD", "/", "Host: t", "A: 1", "B: 2"));
            String got = new String(c.readUntilClosed(Duration.ofSeconds(5)), StandardCharsets.ISO_8859_1);
            assertThat(got).startsWith("HTTP/1.1 431 ").endsWith("\r\n\r\n").contains("Content-Length: ");
        }
        assertThat(origin.requests()).isEmpty();
    }

    @Test
    void badGatewayAnswerToHeadHasNoBody() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 4, origin).start();
        try (RawHttpClient c = proxy.connect()) {
            c.send(head("/garbage-close") + RawHttpClient.request("GET", "/size/3", "Host: t"));
            RawResponse bad = c.readResponse("HEAD");
            assertThat(bad.status()).isEqualTo(502);
            RawResponse next = c.readResponse();
            assertThat(next.status()).isEqualTo(200);
            assertThat(next.body()).hasSize(3);
        }
    }
}
