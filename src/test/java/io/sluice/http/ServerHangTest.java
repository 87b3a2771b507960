package io.sluice.http;

import io.sluice.config.ClusterTimeouts;
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

import static org.assertj.core.api.Assertions.assertThat;

/** A server that does not answer within {@code timeouts.response}: 504, and its connection is closed, not pooled. */
@IntegrationTest
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ServerHangTest {
    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();

    @Test
    void hangingServerIs504() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 4, origin)
                .timeouts("web", new ClusterTimeouts(Duration.ofSeconds(5), Duration.ofMillis(500))).start();
        long t0 = System.nanoTime();
        RawResponse r = proxy.get("/hang");
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        ServerFaults.assertGeneratedError(r, 504);
        assertThat(took).isBetween(Duration.ofMillis(400), Duration.ofSeconds(5));
        ServerFaults.assertNewConnectionWorks(proxy);
        Await.until(() -> origin.openConnections() <= 1, Duration.ofSeconds(5),
                () -> "the timed-out server connection is still open");
        assertThat(origin.accepted()).isEqualTo(2);
    }

    @Test
    void slowUploadIsNotAResponseTimeout() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 4, origin)
                .timeouts("web", new ClusterTimeouts(Duration.ofSeconds(5), Duration.ofMillis(300))).start();
        try (RawHttpClient c = proxy.connect()) {
            c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n");
            for (int i = 0; i < 10; i++) {
                Thread.sleep(100);          // a slow client: the response timeout starts after the last byte
                c.send(Integer.toString(i));
            }
            RawResponse r = c.readResponse("POST");
            assertThat(r.status()).as("%s", r).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("0123456789");
        }
    }

    @Test
    void slowButInTimeIsAnswered() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 4, origin)
                .timeouts("web", new ClusterTimeouts(Duration.ofSeconds(5), Duration.ofMillis(1500))).start();
        RawResponse r = proxy.get("/delay/200/size/10");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).hasSize(10);
    }
}
