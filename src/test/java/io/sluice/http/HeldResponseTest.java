package io.sluice.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.config.BuffersConfig;
import io.sluice.config.ListenerTimeouts;
import io.sluice.config.RouteBuffering;
import io.sluice.config.RouteConfig;
import io.sluice.config.RouteMatch;
import io.sluice.config.SocketOptions;
import io.sluice.testing.Await;
import io.sluice.testing.BodyPattern;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.RawHttpClient;
import io.sluice.testing.RawResponse;
import io.sluice.testing.TestOrigin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Held responses (route option {@code buffer_response}): the server's answer is read at server speed, its
 * connection goes back to the pool as soon as it is complete, and the client is fed at its own speed; past the
 * exchange's share of memory the rest goes to a spill file, deleted once sent.
 */
@IntegrationTest
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class HeldResponseTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    /** The proxy's client socket send buffer, fixed small so that kernel buffers do not hide a slow client. */
    private static final SocketOptions SMALL_SEND = new SocketOptions(64 * 1024, 0);

    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();
    @TempDir
    Path spillDir;

    private static RouteConfig held(String prefix) {
        return new RouteConfig(new RouteMatch(null, prefix), "web", null, Map.of(), List.of(), null,
                RouteConfig.DEFAULT_RETRIES, new RouteBuffering(false, RouteBuffering.DEFAULT_MAX_REQUEST_BUFFER,
                RouteBuffering.Overflow.REJECT, true));
    }

    private BuffersConfig buffers(long budget, int perExchange) {
        return new BuffersConfig(budget, perExchange, spillDir, 1L << 30, false);
    }

    private JsonNode serverStats(TestOrigin origin) {
        return ProxyFixture.server(proxy.statsNow(), "web", origin.authority());
    }

    private JsonNode bufferStats() {
        return proxy.statsNow().path("buffers");
    }

    private long spillFiles() {
        try (Stream<Path> files = Files.walk(spillDir)) {
            return files.filter(Files::isRegularFile).count();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void serverConnectionIsReleasedBeforeASlowClientReadsTheResponse() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 8, origin).route(held("/")).socket(SMALL_SEND)
                .buffers(buffers(64L << 20, 4 << 20)).start();
        int size = 2 << 20;
        try (RawHttpClient c = RawHttpClient.connect(proxy.address(), 16 * 1024)) {
            c.send(RawHttpClient.request("GET", "/size/" + size, "Host: t"));
            // the client reads nothing yet: the response cannot have reached it, and still the server is free
            Await.until(() -> serverStats(origin).path("active").asLong() == 0
                    && serverStats(origin).path("idle").asLong() == 1, WAIT, () -> "server connection still leased");
            RawResponse r = c.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).hasSize(size);
            assertThat(BodyPattern.firstMismatch(r.body())).isEqualTo(-1);
            c.send(RawHttpClient.request("GET", "/size/10?next", "Host: t"));
            assertThat(c.readResponse().body()).hasSize(10);
        }
        Await.until(() -> bufferStats().path("memory_used").asLong() == 0, WAIT, () -> "held memory not released");
    }

    @Test
    void withoutHoldingASlowClientHoldsTheServerConnection() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 8, origin).socket(SMALL_SEND).start();
        int size = 16 << 20;
        try (RawHttpClient c = RawHttpClient.connect(proxy.address(), 16 * 1024)) {
            c.send(RawHttpClient.request("GET", "/size/" + size, "Host: t"));
            Await.until(() -> serverStats(origin).path("active").asLong() == 1, WAIT, () -> "not leased");
            // backpressure: the server connection stays leased while the client does not read
            assertThat(origin.bytesWritten()).isLessThan(size);
            RawResponse r = c.readResponse();
            assertThat(r.body()).hasSize(size);
        }
    }

    @Test
    void pastItsShareOfMemoryAResponseSpillsAndTheFileGoesOnceSent() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 8, origin).route(held("/")).socket(SMALL_SEND)
                .buffers(buffers(1 << 20, 256 * 1024)).start();
        int size = 4 << 20;
        try (RawHttpClient c = RawHttpClient.connect(proxy.address(), 16 * 1024)) {
            c.send(RawHttpClient.request("GET", "/size/" + size, "Host: t"));
            Await.until(() -> serverStats(origin).path("idle").asLong() == 1, WAIT, () -> "server still leased");
            assertThat(spillFiles()).as("spill file while the client has not read").isEqualTo(1);
            assertThat(bufferStats().path("memory_used").asLong()).isLessThanOrEqualTo(256 * 1024);
            RawResponse r = c.readResponse();
            assertThat(r.body()).hasSize(size);
            assertThat(BodyPattern.firstMismatch(r.body())).isEqualTo(-1);
        }
        Await.until(() -> spillFiles() == 0, WAIT, () -> "spill file left behind");
        assertThat(bufferStats().path("spilled_bytes").asLong()).isGreaterThan(size / 2);
    }

    @Test
    void manyHeldResponsesWithinASmallBudgetAllCompleteAndLeaveNothing() throws Exception {
        TestOrigin origin = proxy.origin();
        int clients = 40;
        int size = 2 << 20;
        proxy.setup().cluster("web", clients, origin).route(held("/")).socket(SMALL_SEND)
                .buffers(buffers(4 << 20, 1 << 20)).start();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<RawResponse>> answers = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                int n = i;
                answers.add(pool.submit(() -> {
                    try (RawHttpClient c = RawHttpClient.connect(proxy.address(), 32 * 1024)) {
                        c.send(RawHttpClient.request("GET", "/size/" + size + "?i=" + n, "Host: t"));
                        return c.readResponse();
                    }
                }));
            }
            for (Future<RawResponse> f : answers) {
                RawResponse r = f.get(60, TimeUnit.SECONDS);
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.body()).hasSize(size);
                assertThat(BodyPattern.firstMismatch(r.body())).isEqualTo(-1);
            }
        } finally {
            pool.shutdownNow();
        }
        Await.until(() -> spillFiles() == 0 && bufferStats().path("memory_used").asLong() == 0
                && bufferStats().path("holders").asLong() == 0, WAIT, () -> "left behind: " + bufferStats());
        assertThat(bufferStats().path("spilled_bytes").asLong()).as("the budget made them spill").isPositive();
    }

    @Test
    void aServerFailingMidBodyGetsTheClientACleanError() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 8, origin).route(held("/")).buffers(buffers(64L << 20, 1 << 20)).start();
        try (RawHttpClient c = proxy.connect()) {
            c.send(RawHttpClient.request("GET", "/close-mid-body", "Host: t"));
            RawResponse r = c.readResponse();
            assertThat(r.status()).as("nothing of the broken answer was sent yet: %s", r).isEqualTo(502);
        }
        Await.until(() -> bufferStats().path("holders").asLong() == 0, WAIT, () -> "holder left");
    }

    @Test
    void aClientLeavingDuringDeliveryLeavesNothingBehind() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 8, origin).route(held("/")).socket(SMALL_SEND)
                .buffers(buffers(1 << 20, 128 * 1024)).start();
        try (RawHttpClient c = RawHttpClient.connect(proxy.address(), 16 * 1024)) {
            c.send(RawHttpClient.request("GET", "/size/" + (4 << 20), "Host: t"));
            Await.until(() -> serverStats(origin).path("idle").asLong() == 1, WAIT, () -> "server still leased");
            c.abort();
        }
        Await.until(() -> spillFiles() == 0 && bufferStats().path("holders").asLong() == 0
                && bufferStats().path("memory_used").asLong() == 0, WAIT, () -> "left behind: " + bufferStats());
    }

    @Test
    void preallocationWarmsTheAllocatorAndHoldsNothing() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 8, origin).route(held("/"))
                .buffers(new BuffersConfig(4 << 20, 1 << 20, spillDir, 1L << 30, true)).start();
        try (RawHttpClient c = proxy.connect()) {
            c.send(RawHttpClient.request("GET", "/size/100000", "Host: t"));
            assertThat(c.readResponse().body()).hasSize(100_000);
        }
        Await.until(() -> bufferStats().path("memory_used").asLong() == 0, WAIT, () -> "held: " + bufferStats());
    }

    /**
     * Spilled ranges count toward the client channel's watermarks like memory does, so a client that stops
     * reading is still paced by them and timed out by {@code body_idle} (then the file goes), instead of the
     * whole file being handed to the channel and the exchange looking finished.
     */
    @Test
    void aClientThatStopsReadingASpilledResponseIsTimedOut() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 8, origin).route(held("/")).socket(SMALL_SEND)
                .listenerTimeouts(new ListenerTimeouts(Duration.ofSeconds(10), Duration.ofMillis(500),
                        Duration.ofSeconds(30)))
                .buffers(buffers(1 << 20, 128 * 1024)).start();
        try (RawHttpClient c = RawHttpClient.connect(proxy.address(), 16 * 1024)) {
            c.send(RawHttpClient.request("GET", "/size/" + (8 << 20), "Host: t"));
            Await.until(() -> listenerConnections() == 0, WAIT, () -> "the stalled client is still connected");
        }
        Await.until(() -> spillFiles() == 0 && bufferStats().path("holders").asLong() == 0, WAIT,
                () -> "left behind: " + bufferStats());
    }

    private long listenerConnections() {
        return ProxyFixture.listener(proxy.statsNow(), ProxyFixture.LISTENER).path("connections").asLong();
    }

    @Test
    void pastTheProcessWideSpillLimitAHeldResponseStreamsInstead() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 8, origin).route(held("/")).socket(SMALL_SEND)
                .buffers(new BuffersConfig(1 << 20, 128 * 1024, spillDir, 1L << 30, false, 512 * 1024)).start();
        int size = 4 << 20;
        try (RawHttpClient c = RawHttpClient.connect(proxy.address(), 16 * 1024)) {
            c.send(RawHttpClient.request("GET", "/size/" + size, "Host: t"));
            RawResponse r = c.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).hasSize(size);
            assertThat(BodyPattern.firstMismatch(r.body())).isEqualTo(-1);
        }
        assertThat(bufferStats().path("spilled_bytes").asLong()).isLessThanOrEqualTo(512 * 1024);
        Await.until(() -> spillFiles() == 0 && bufferStats().path("memory_used").asLong() == 0, WAIT,
                () -> "left behind: " + bufferStats());
    }
}
