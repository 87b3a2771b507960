package io.sluice;

import io.sluice.config.ConfigLoader;
import io.sluice.listener.ClientCloseReason;
import io.sluice.testing.Await;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.RawHttpClient;
import io.sluice.testing.RawResponse;
import io.sluice.testing.TestOrigin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A graceful shutdown (what SIGTERM does) stops accepting at once, lets requests in flight finish with
 * {@code Connection: close}, lets idle keep-alive connections go at their idle timeout, and cuts what is left at
 * {@code shutdown_timeout}.
 */
@IntegrationTest
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class GracefulShutdownTest {
    private final TestOrigin origin = TestOrigin.start("o");

    @AfterEach
    void stopOrigin() {
        origin.close();
    }

    private Sluice start(String keepaliveIdle, String shutdownTimeout) {
        return Sluice.start(ConfigLoader.parse(String.join("\n",
                "workers: " + ProxyFixture.workers(),
                "shutdown_timeout: " + shutdownTimeout,
                "listeners:",
                "  - name: web",
                "    address: 127.0.0.1:0",
                "    timeouts: { keepalive_idle: " + keepaliveIdle + " }",
                "    routes: [ { match: { path_prefix: / }, cluster: o } ]",
                "clusters:",
                "  - { name: o, servers: [ { address: " + origin.authority() + " } ] }",
                ""), "test.yaml"));
    }

    @Test
    void requestsInFlightFinishWithConnectionCloseAndNewConnectionsAreRefused() throws Exception {
        Sluice sluice = start("15s", "10s");
        InetSocketAddress web = sluice.listenerAddress("web");
        try (RawHttpClient slow = RawHttpClient.connect(web)) {
            slow.send("GET /delay/700/slow HTTP/1.1\r\nHost: t\r\n\r\n");
            origin.awaitRequests(1, Duration.ofSeconds(5));
            long began = System.nanoTime();
            CompletableFuture<Boolean> drained = CompletableFuture.supplyAsync(sluice::shutdownGracefully);
            Await.refused(web);
            RawResponse answer = slow.readResponse();
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.header("Connection")).isEqualTo("close");
            assertThat(drained.get(10, TimeUnit.SECONDS)).as("every connection ended in time").isTrue();
            assertThat(sluice.listenerStats().get("web").closes(ClientCloseReason.SHUTDOWN))
                    .as("the close counted as a shutdown's").isEqualTo(1);
            assertThat(Duration.ofNanos(System.nanoTime() - began)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void idleKeepAliveConnectionsGoAtTheirIdleTimeout() throws Exception {
        Sluice sluice = start("300ms", "10s");
        try (RawHttpClient idle = RawHttpClient.connect(sluice.listenerAddress("web"))) {
            idle.send("GET /first HTTP/1.1\r\nHost: t\r\n\r\n");
            assertThat(idle.readResponse().header("Connection")).isNull();
            long began = System.nanoTime();
            assertThat(sluice.shutdownGracefully()).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - began)).isLessThan(Duration.ofSeconds(5));
            assertThat(idle.socket().getInputStream().read()).as("closed without a byte").isEqualTo(-1);
        }
    }

    @Test
    void whatIsStillInFlightAtTheDeadlineIsCut() throws Exception {
        Sluice sluice = start("15s", "500ms");
        try (RawHttpClient hung = RawHttpClient.connect(sluice.listenerAddress("web"))) {
            hung.send("GET /hang HTTP/1.1\r\nHost: t\r\n\r\n");
            origin.awaitRequests(1, Duration.ofSeconds(5));
            long began = System.nanoTime();
            assertThat(sluice.shutdownGracefully()).as("not drained").isFalse();
            assertThat(Duration.ofNanos(System.nanoTime() - began)).isBetween(Duration.ofMillis(450),
                    Duration.ofSeconds(8));
            assertThat(hung.socket().getInputStream().read()).isEqualTo(-1);
            assertThat(sluice.listenerStats().get("web").closes(ClientCloseReason.SHUTDOWN)).isEqualTo(1);
        }
    }
}
