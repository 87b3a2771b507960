package io.sluice.http;

import io.sluice.config.QueueConfig;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The surge queue: when every server is at its {@code max_connections}, requests wait in the cluster's queue in
 * order of arrival instead of opening more connections; beyond {@code queue.max}, or after {@code queue.timeout},
 * they get 503 with Retry-After.
 */
@IntegrationTest
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SurgeQueueTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();


    private int queued() {
        return proxy.statsNow().path("clusters").get(0).path("queued").asInt();
    }

    private long active(TestOrigin origin) {
        return ProxyFixture.server(proxy.statsNow(), "web", origin.authority()).path("active").asLong();
    }

    /**
     * Queued requests reach the server in their order of arrival at the proxy; with two connections in parallel,
     * two requests dispatched one right after the other may reach it swapped, but none overtakes further.
     */
    @Test
    void fiftyStalledRequestsOverTwoConnectionsQueueInOrderAndTheOverflowGets503AtOnce() throws Exception {
        int maxConnections = 2;
        int queueMax = 20;
        int total = 50;
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", maxConnections, origin)
                .clusterConfig("web", c -> ProxyFixture.withQueue(c, new QueueConfig(queueMax, Duration.ofSeconds(30))))
                .start();
        ExecutorService readers = Executors.newFixedThreadPool(total);
        List<RawHttpClient> clients = new ArrayList<>();
        List<Future<RawResponse>> answers = new ArrayList<>();
        try {
            for (int i = 0; i < total; i++) {
                RawHttpClient c = proxy.connect();
                clients.add(c);
                c.send(RawHttpClient.request("GET", "/stall-sink?i=" + i, "Host: t"));
                answers.add(readers.submit(() -> c.readResponse()));
                // one at a time into the proxy, so that the order of arrival is the order of sending
                int expectedQueued = Math.min(Math.max(0, i + 1 - maxConnections), queueMax);
                if (i < maxConnections) {
                    int leased = i + 1;
                    Await.until(() -> active(origin) == leased, WAIT, () -> "leased: " + leased);
                } else if (i < maxConnections + queueMax) {
                    Await.until(() -> queued() >= expectedQueued, WAIT, () -> "queued: " + expectedQueued);
                }
            }
            for (int i = maxConnections + queueMax; i < total; i++) {
                RawResponse r = answers.get(i).get(5, TimeUnit.SECONDS);
                assertThat(r.status()).as("overflow request %d, answered while the others wait: %s", i, r)
                        .isEqualTo(503);
            }
            // the server now answers, two at a time, as the queue feeds it
            Await.until(() -> {
                origin.releaseSinks();
                return answers.stream().allMatch(Future::isDone);
            }, Duration.ofSeconds(30), () -> "not every queued request was answered");
            int served = 0;
            int overflow = 0;
            for (int i = 0; i < total; i++) {
                RawResponse r = answers.get(i).get(30, TimeUnit.SECONDS);
                if (i < maxConnections + queueMax) {
                    assertThat(r.status()).as("request %d: %s", i, r).isEqualTo(200);
                    served++;
                } else {
                    assertThat(r.status()).as("request %d: %s", i, r).isEqualTo(503);
                    assertThat(r.header("Retry-After")).isEqualTo("1");
                    overflow++;
                }
            }
            assertThat(served).isEqualTo(maxConnections + queueMax);
            assertThat(overflow).isEqualTo(total - served);
        } finally {
            for (RawHttpClient c : clients) {
                c.close();
            }
            readers.shutdownNow();
        }
        List<String> order = origin.arrivals();
        assertThat(order).hasSize(maxConnections + queueMax);
        for (int position = 0; position < order.size(); position++) {
            int i = Integer.parseInt(order.get(position).substring("/stall-sink?i=".length()));
            // two connections work in parallel, so two requests dispatched together may reach it swapped
            assertThat(Math.abs(i - position)).as("request %d reached the server at position %d: %s", i, position,
                    order).isLessThanOrEqualTo(1);
        }
        assertThat(origin.maxOpenConnections()).as("server connections open at once").isLessThanOrEqualTo(2);
        assertThat(queued()).isZero();
    }

    @Test
    void aRequestWaitingLongerThanTheQueueTimeoutGets503() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 1, origin)
                .clusterConfig("web", c -> ProxyFixture.withQueue(c, new QueueConfig(10, Duration.ofMillis(300))))
                .start();
        try (RawHttpClient busy = proxy.connect(); RawHttpClient waiting = proxy.connect()) {
            busy.send(RawHttpClient.request("GET", "/delay/3000/size/1?busy", "Host: t"));
            origin.awaitRequests(1, WAIT);
            long sent = System.nanoTime();
            waiting.send(RawHttpClient.request("GET", "/size/1?waiting", "Host: t"));
            RawResponse r = waiting.readResponse();
            long waitedMillis = (System.nanoTime() - sent) / 1_000_000;
            assertThat(r.status()).as("%s", r).isEqualTo(503);
            assertThat(r.header("Retry-After")).isEqualTo("1");
            assertThat(waitedMillis).isBetween(250L, 2500L);
            assertThat(busy.readResponse().status()).isEqualTo(200);
        }
        assertThat(origin.requests("/size/1?waiting")).isEmpty();
    }

    @Test
    void aClientLeavingTheQueueFreesItsPlace() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 1, origin)
                .clusterConfig("web", c -> ProxyFixture.withQueue(c, new QueueConfig(1, Duration.ofSeconds(30))))
                .start();
        try (RawHttpClient busy = proxy.connect()) {
            busy.send(RawHttpClient.request("GET", "/delay/1500/size/1?busy", "Host: t"));
            origin.awaitRequests(1, WAIT);
            try (RawHttpClient leaving = proxy.connect()) {
                leaving.send(RawHttpClient.request("GET", "/size/1?left", "Host: t"));
                Await.until(() -> queued() == 1, WAIT, () -> "queued");
            }
            Await.until(() -> queued() == 0, WAIT, () -> "the closed client still holds its place");
            try (RawHttpClient next = proxy.connect()) {
                next.send(RawHttpClient.request("GET", "/size/1?next", "Host: t"));
                assertThat(next.readResponse().status()).isEqualTo(200);
            }
            assertThat(busy.readResponse().status()).isEqualTo(200);
        }
        assertThat(origin.requests("/size/1?left")).isEmpty();
    }
}
