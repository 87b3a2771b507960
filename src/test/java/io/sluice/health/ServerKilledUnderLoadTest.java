package io.sluice.health;

import io.sluice.config.HealthConfig;
import io.sluice.config.OutlierConfig;
import io.sluice.testing.Await;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.RawHttpClient;
import io.sluice.testing.RawResponse;
import io.sluice.testing.TestOrigin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A server killed during a steady load: zero failed idempotent requests after the first detection interval
 * ({@code fall × interval + timeout} after the kill), and the server is back in rotation after it returns and
 * passes {@code rise} checks.
 *
 * <p>Requests in flight on the server at the moment it dies may fail inside that first interval (a request on a
 * fresh connection that the server closes has no safe retry); every later request must be served by the other
 * server, both while the dead one is still believed up (its connects fail, the request moves on) and once it is
 * marked down.
 */
@IntegrationTest
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ServerKilledUnderLoadTest {
    private static final HealthConfig HEALTH = new HealthConfig(HealthConfig.Type.HTTP, "/healthz", 200, 399,
            Duration.ofMillis(100), Duration.ofMillis(200), 2, 2);
    private static final Duration DETECTION = HEALTH.interval().multipliedBy(HEALTH.fall()).plus(HEALTH.timeout());
    private static final Duration WAIT = Duration.ofSeconds(10);

    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();

    @Test
    void zeroFailuresAfterDetectionAndBackAfterRise() throws Exception {
        TestOrigin a = proxy.origin("a");
        TestOrigin b = proxy.origin("b");
        proxy.setup().cluster("web", 64, a, b).start(c -> ProxyFixture.withHealth(c, HEALTH, OutlierConfig.DEFAULTS));
        int port = a.port();

        List<Outcome> outcomes;
        long killedAt;
        long downAt;
        try (SteadyLoad load = new SteadyLoad(proxy.address(), 3)) {
            Await.until(() -> a.requests("/load").size() >= 20 && b.requests("/load").size() >= 20, WAIT,
                    () -> "load not reaching both servers: " + load.completed() + " done");

            killedAt = System.nanoTime();
            a.close();
            Await.until(() -> state(a).equals("down"), WAIT, () -> "a not marked down");
            downAt = System.nanoTime();
            int atDown = load.completed();
            Await.until(() -> load.completed() >= atDown + 200, WAIT, () -> "load stalled after a went down");

            TestOrigin back = proxy.origin("a", port);
            Await.until(() -> state(a).equals("up"), WAIT, () -> "a not back up");
            Await.until(() -> back.requests("/load").size() >= 20, WAIT, () -> "a back up but not in rotation");
            outcomes = load.stop();
        }

        assertThat(Duration.ofNanos(downAt - killedAt)).as("detected").isLessThan(Duration.ofSeconds(3));
        long graceEnd = killedAt + DETECTION.toNanos();
        List<Outcome> early = new ArrayList<>();
        List<Outcome> late = new ArrayList<>();
        for (Outcome o : outcomes) {
            if (!o.ok()) {
                (o.startNanos < graceEnd ? early : late).add(o);
            }
        }
        assertThat(late).as("failed requests started over %d ms after the kill (%d failed before: %s), of %d",
                DETECTION.toMillis(), early.size(), early, outcomes.size()).isEmpty();
        assertThat(outcomes.stream().filter(o -> o.startNanos > downAt).count()).isGreaterThanOrEqualTo(200);
    }

    private String state(TestOrigin o) {
        try {
            return ProxyFixture.server(proxy.stats(), "web", o.authority()).path("state").asText();
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** One request of the load: when it started, and how it ended. */
    record Outcome(long startNanos, int status, String error) {
        boolean ok() {
            return status == 200;
        }

        @Override
        public String toString() {
            return status > 0 ? Integer.toString(status) : error;
        }
    }

    /** Keep-alive clients sending GETs back to back through the proxy, reconnecting after any failure. */
    static final class SteadyLoad implements AutoCloseable {
        private final InetSocketAddress address;
        private final List<Thread> threads = new ArrayList<>();
        private final ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
        private final AtomicInteger completed = new AtomicInteger();
        private volatile boolean stopping;

        SteadyLoad(InetSocketAddress address, int clients) {
            this.address = address;
            for (int i = 0; i < clients; i++) {
                int id = i;
                Thread t = new Thread(() -> run(id), "load-" + i);
                t.setDaemon(true);
                threads.add(t);
                t.start();
            }
        }

        int completed() {
            return completed.get();
        }

        private void run(int id) {
            RawHttpClient c = null;
            for (int n = 0; !stopping; n++) {
                long start = System.nanoTime();
                Outcome outcome;
                try {
                    if (c == null) {
                        c = RawHttpClient.connect(address).timeout(Duration.ofSeconds(5));
                    }
                    c.send(RawHttpClient.request("GET", "/load/" + id + "/" + n, "Host: test"));
                    RawResponse r = c.readResponse();
                    outcome = new Outcome(start, r.status(), null);
                    if (r.status() != 200 || r.hasToken("Connection", "close")) {
                        c.close();
                        c = null;
                    }
                } catch (IOException e) {
                    outcome = new Outcome(start, 0, e.toString());
                    if (c != null) {
                        c.close();
                        c = null;
                    }
                }
                outcomes.add(outcome);
                completed.incrementAndGet();
            }
            if (c != null) {
                c.close();
            }
        }

        /** Stops the clients after their current request; every outcome. */
        List<Outcome> stop() throws InterruptedException {
            stopping = true;
            for (Thread t : threads) {
                t.join(10_000);
            }
            return List.copyOf(outcomes);
        }

        @Override
        public void close() throws InterruptedException {
            stop();
        }
    }
}
