package io.sluice.health;

import io.sluice.cluster.Cluster;
import io.sluice.cluster.Server;
import io.sluice.cluster.ServerState;
import io.sluice.config.OutlierConfig;
import io.sluice.testing.Await;
import io.sluice.testing.TestOrigin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.sluice.health.HealthTesting.cluster;
import static io.sluice.health.HealthTesting.http;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Passive health checking against real loopback servers, driven through {@link Server#requestFailed()} as the
 * request path calls it: N failures in a row eject a server; after the ejection a check brings it back (a TCP
 * connect, or the cluster's own active check) or ejects it again for twice as long, up to the maximum; at most
 * half of a cluster is ejected, and never its last available server.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class OutlierDetectionTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final OutlierConfig OUTLIER = new OutlierConfig(3, Duration.ofMillis(200), Duration.ofMillis(700));

    @RegisterExtension
    final HealthTesting health = new HealthTesting();

    private final List<AutoCloseable> closeAfter = new CopyOnWriteArrayList<>();

    @AfterEach
    void closeServers() throws Exception {
        for (AutoCloseable c : closeAfter) {
            c.close();
        }
    }

    private InetSocketAddress[] origins(int n) {
        InetSocketAddress[] a = new InetSocketAddress[n];
        for (int i = 0; i < n; i++) {
            TestOrigin o = TestOrigin.start("o" + i);
            closeAfter.add(o);
            a[i] = o.address();
        }
        return a;
    }

    private static void fail(Server server, int times) {
        for (int i = 0; i < times; i++) {
            server.requestFailed();
        }
    }

    private static void awaitState(Server server, ServerState state) {
        Await.until(() -> server.state() == state, WAIT, () -> server.address() + " is " + server.state());
    }

    /** The checker handled the run of failures (it starts a new run whether it ejected or not). */
    private static void awaitHandled(Server server) {
        Await.until(() -> server.consecutiveFailures() == 0, WAIT,
                () -> "failures of " + server.address() + " not handled: " + server.consecutiveFailures());
    }

    @Test
    void failuresInARowEjectUntilTheProbePasses() {
        Cluster c = cluster(null, OUTLIER, origins(2));
        Server a = c.servers().get(0);
        HealthChecker checker = health.start(c);

        fail(a, 2);
        a.requestSucceeded();
        fail(a, 2);
        assertThat(a.consecutiveFailures()).as("a success ends the run").isEqualTo(2);
        assertThat(a.state()).isEqualTo(ServerState.UP);

        long failedAt = System.nanoTime();
        a.requestFailed();
        awaitState(a, ServerState.EJECTED);
        assertThat(a.available()).isFalse();
        assertThat(checker.status(a).ejections()).isEqualTo(1);
        assertThat(checker.status(a).ejectionMillis()).isEqualTo(200);

        awaitState(a, ServerState.UP);
        assertThat(System.nanoTime() - failedAt).as("out for the whole ejection")
                .isGreaterThanOrEqualTo(Duration.ofMillis(200).toNanos());
        assertThat(checker.status(a).lastCheck()).as("the probe without active checks").isEqualTo("passed: connected");
        assertThat(checker.status(a).ejectionMillis()).isZero();
        assertThat(a.consecutiveFailures()).isZero();
    }

    @Test
    void repeatedEjectionsLastLongerUpToTheMaximum() {
        Cluster c = cluster(null, OUTLIER, origins(2));
        Server a = c.servers().get(0);
        HealthChecker checker = health.start(c);

        List<Long> lengths = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            long failedAt = System.nanoTime();
            fail(a, 3);
            awaitState(a, ServerState.EJECTED);
            long length = checker.status(a).ejectionMillis();
            lengths.add(length);
            awaitState(a, ServerState.UP);
            assertThat(System.nanoTime() - failedAt).isGreaterThanOrEqualTo(Duration.ofMillis(length).toNanos());
        }
        assertThat(lengths).containsExactly(200L, 400L, 700L);
        assertThat(checker.status(a).ejections()).isEqualTo(3);
    }

    /** The server is dead when its ejection ends: the TCP probe fails and it stays out, twice as long. */
    @Test
    void failedProbeEjectsAgainLonger() {
        TestOrigin dying = TestOrigin.start("dying");
        closeAfter.add(dying);
        InetSocketAddress[] others = origins(1);
        Cluster c = cluster(null, OUTLIER, dying.address(), others[0]);
        Server a = c.servers().get(0);
        HealthChecker checker = health.start(c);

        int port = dying.port();
        dying.close();
        fail(a, 3);
        awaitState(a, ServerState.EJECTED);
        Await.until(() -> checker.status(a).ejections() >= 2, WAIT, () -> "not ejected again: " + checker.status(a));
        assertThat(a.state()).isEqualTo(ServerState.EJECTED);
        assertThat(checker.status(a).lastCheck()).isEqualTo("failed: connection refused");
        assertThat(checker.status(a).ejectionMillis()).as("longer each time").isGreaterThanOrEqualTo(400);

        TestOrigin back = TestOrigin.start("back", port);
        closeAfter.add(back);
        awaitState(a, ServerState.UP);
        assertThat(checker.status(a).lastCheck()).isEqualTo("passed: connected");
    }

    /**
     * With active checks configured, the cluster's own check is the probe: a server whose HTTP check fails (503)
     * stays ejected although TCP connects to it work; once its check passes, it comes back.
     */
    @Test
    void probeIsTheActiveCheckWhenConfigured() throws Exception {
        HealthServer a = HealthServer.start();
        HealthServer b = HealthServer.start();
        closeAfter.add(a);
        closeAfter.add(b);
        // fall is high: the active checks alone would not take the server down during the test
        Cluster c = cluster(http("/healthz", 200, 399, 50, 1000, 1, 1000), OUTLIER, a.address(), b.address());
        Server server = c.servers().get(0);
        HealthChecker checker = health.start(c);

        a.status(503);
        fail(server, 3);
        awaitState(server, ServerState.EJECTED);
        Await.until(() -> checker.status(server).ejections() >= 2, WAIT,
                () -> "not ejected again: " + checker.status(server));
        assertThat(server.state()).isEqualTo(ServerState.EJECTED);
        assertThat(checker.status(server).lastCheck()).isEqualTo("failed: status 503");

        a.status(200);
        awaitState(server, ServerState.UP);
        assertThat(checker.status(server).lastCheck()).isEqualTo("passed: status 200");
    }

    @Test
    void aSingleServerIsNeverEjected() {
        Cluster c = cluster(null, OUTLIER, origins(1));
        Server a = c.servers().get(0);
        HealthChecker checker = health.start(c);

        fail(a, 3);
        awaitHandled(a);
        assertThat(a.state()).isEqualTo(ServerState.UP);
        assertThat(checker.status(a).ejections()).isZero();
    }

    @Test
    void atMostHalfOfTheClusterIsEjected() {
        Cluster c = cluster(null, new OutlierConfig(3, Duration.ofSeconds(20), Duration.ofSeconds(20)), origins(4));
        List<Server> s = c.servers();
        health.start(c);

        fail(s.get(0), 3);
        awaitState(s.get(0), ServerState.EJECTED);
        fail(s.get(1), 3);
        awaitState(s.get(1), ServerState.EJECTED);
        fail(s.get(2), 3);
        awaitHandled(s.get(2));
        assertThat(s.get(2).state()).as("a third of four would be more than half").isEqualTo(ServerState.UP);

        fail(s.get(2), 3);
        awaitHandled(s.get(2));
        assertThat(s.get(2).state()).as("a new run is judged again, with the same answer").isEqualTo(ServerState.UP);
    }

    /** Ejection never takes the last server that takes requests, whatever took the others out. */
    @Test
    void theLastAvailableServerIsNeverEjected() {
        Cluster c = cluster(null, new OutlierConfig(3, Duration.ofSeconds(20), Duration.ofSeconds(20)), origins(4));
        List<Server> s = c.servers();
        health.start(c);

        s.get(2).setAdminState(Server.AdminState.DISABLED);
        s.get(3).setAdminState(Server.AdminState.DRAINING);
        fail(s.get(0), 3);
        awaitState(s.get(0), ServerState.EJECTED);
        fail(s.get(1), 3);
        awaitHandled(s.get(1));
        assertThat(s.get(1).state()).isEqualTo(ServerState.UP);
    }

    /** Failures counted after the checker closed go nowhere (and do not throw on the request's thread). */
    @Test
    void closedCheckerIgnoresFailures() {
        Cluster c = cluster(null, OUTLIER, origins(2));
        Server a = c.servers().get(0);
        HealthChecker checker = health.start(c);
        checker.close();
        fail(a, 10);
        assertThat(a.state()).isEqualTo(ServerState.UP);
        assertThat(checker.status(a).ejections()).isZero();
    }
}
