package io.sluice.health;

import io.sluice.cluster.Cluster;
import io.sluice.cluster.Server;
import io.sluice.cluster.ServerState;
import io.sluice.health.HealthServer.Hit;
import io.sluice.log.Log;
import io.sluice.testing.Await;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.TestOrigin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import static io.sluice.health.HealthTesting.NO_OUTLIER;
import static io.sluice.health.HealthTesting.cluster;
import static io.sluice.health.HealthTesting.http;
import static io.sluice.health.HealthTesting.tcp;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Active health checks against real loopback servers: what passes and what fails (HTTP status in or out of the
 * expected range, TCP connect refused, no answer within the timeout), rise and fall counted exactly, servers up
 * from the start, one check in flight per server, and the checker's thread gone after close.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ActiveHealthCheckTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @RegisterExtension
    final HealthTesting health = new HealthTesting();

    private final List<AutoCloseable> closeAfter = new CopyOnWriteArrayList<>();

    @org.junit.jupiter.api.AfterEach
    void closeServers() throws Exception {
        for (AutoCloseable c : closeAfter) {
            c.close();
        }
    }

    private TestOrigin origin() {
        TestOrigin o = TestOrigin.start("health");
        closeAfter.add(o);
        return o;
    }

    private static void awaitChecks(HealthChecker checker, Server server, long n) {
        Await.until(() -> checker.status(server).checks() >= n, WAIT,
                () -> "checks of " + server.address() + ": " + checker.status(server));
    }

    @ParameterizedTest(name = "{0} with expect {1}..{2}: {3}")
    @CsvSource({
            "/healthz,     200, 399, up",
            "/status/204,  200, 299, up",
            "/status/302,  200, 399, up",
            "/status/302,  200, 299, down",
            "/status/503,  200, 399, down",
            "/status/404,  200, 399, down",
            "/status/503,  500, 503, up",
    })
    void httpStatusInRangePassesOutOfRangeFails(String path, int from, int to, String expected) {
        TestOrigin origin = origin();
        Cluster c = cluster(http(path, from, to, 50, 1000, 1, 1), NO_OUTLIER, origin.address());
        Server server = c.servers().get(0);
        HealthChecker checker = health.start(c);

        awaitChecks(checker, server, 2);
        assertThat(server.state().key()).isEqualTo(expected);
        HealthStatus status = checker.status(server);
        String code = path.startsWith("/status/") ? path.substring("/status/".length()) : "200";
        assertThat(status.lastCheck()).isEqualTo((expected.equals("up") ? "passed" : "failed") + ": status " + code);
        assertThat(origin.requests(path)).as("each check a GET of the path")
                .allSatisfy(r -> {
                    assertThat(r.method()).isEqualTo("GET");
                    assertThat(r.header("Connection")).isEqualTo("close");
                    assertThat(r.header("Host")).isEqualTo(origin.authority());
                });
        int requests = origin.requests().size();
        // the next check (every 50 ms) may be connected with its request not read yet
        assertThat(origin.accepted()).as("a new connection per check").isBetween(requests, requests + 1);
    }

    @Test
    void tcpConnectRefusedFails() {
        InetSocketAddress dead = ProxyFixture.deadAddress();
        Cluster c = cluster(tcp(50, 1000, 1, 2), NO_OUTLIER, dead);
        Server server = c.servers().get(0);
        HealthChecker checker = health.start(c);

        Await.until(() -> server.state() == ServerState.DOWN, WAIT, () -> "still " + server.state());
        assertThat(checker.status(server).checksFailed()).isGreaterThanOrEqualTo(2);
        assertThat(checker.status(server).lastCheck()).isEqualTo("failed: connection refused");
    }

    @Test
    void tcpConnectOpensPasses() {
        TestOrigin origin = origin();
        Cluster c = cluster(tcp(50, 1000, 1, 1), NO_OUTLIER, origin.address());
        Server server = c.servers().get(0);
        HealthChecker checker = health.start(c);

        awaitChecks(checker, server, 3);
        assertThat(server.state()).isEqualTo(ServerState.UP);
        assertThat(checker.status(server).checksFailed()).isZero();
        assertThat(checker.status(server).lastCheck()).isEqualTo("passed: connected");
        assertThat(origin.requests()).as("a TCP check sends nothing").isEmpty();
    }

    @Test
    void aReloadStartsCheckingAddedClustersAndStopsCheckingRemovedOnes() {
        TestOrigin kept = origin();
        TestOrigin removed = origin();
        Cluster first = cluster(http("/healthz", 200, 399, 50, 1000, 1, 1), NO_OUTLIER, removed.address());
        HealthChecker checker = health.start(first);
        awaitChecks(checker, first.servers().get(0), 2);

        Cluster added = cluster(http("/healthz", 200, 399, 50, 1000, 1, 1), NO_OUTLIER, kept.address());
        checker.update(List.of(added), List.of(first));
        awaitChecks(checker, added.servers().get(0), 2);
        Await.until(() -> checker.status(first.servers().get(0)) == HealthStatus.NONE, WAIT,
                () -> "the removed cluster's server is still tracked");
        int checksOfRemoved = removed.requests("/healthz").size();
        awaitChecks(checker, added.servers().get(0), checker.status(added.servers().get(0)).checks() + 3);
        assertThat(removed.requests("/healthz")).as("no check after the removal").hasSizeLessThanOrEqualTo(
                checksOfRemoved + 1);
    }

    /** A server that accepts (the kernel completes the handshake) and never answers: the check times out. */
    @Test
    void noAnswerWithinTheTimeoutFails() throws Exception {
        ServerSocket silent = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        closeAfter.add(silent);
        Cluster c = cluster(http("/healthz", 200, 399, 50, 150, 1, 2), NO_OUTLIER,
                new InetSocketAddress("127.0.0.1", silent.getLocalPort()));
        Server server = c.servers().get(0);
        HealthChecker checker = health.start(c);

        Await.until(() -> server.state() == ServerState.DOWN, WAIT, () -> "still " + server.state());
        assertThat(checker.status(server).lastCheck()).isEqualTo("failed: timeout after 150 ms");
    }

    /**
     * Exact counting: with fall 3, the three checks after the server starts failing each find it still up and the
     * fourth finds it down; with rise 2, the two checks after it recovers find it down and the third finds it up.
     * Each transition is logged once.
     */
    @Test
    void fallAndRiseCountChecksInARow() throws Exception {
        HealthServer target = HealthServer.start();
        closeAfter.add(target);
        Cluster c = cluster(http("/healthz", 200, 399, 30, 1000, 2, 3), NO_OUTLIER, target.address());
        Server server = c.servers().get(0);
        target.observe(server::state);
        List<String> log = new CopyOnWriteArrayList<>();
        Consumer<String> before = Log.sink(line -> {
            if (line.contains(server.config().address().toString())) {
                log.add(line);
            }
        });
        try {
            HealthChecker checker = health.start(c);
            Await.until(() -> target.hits().size() >= 2, WAIT, () -> "hits: " + target.hits());

            target.status(503);
            Await.until(() -> server.state() == ServerState.DOWN, WAIT, () -> "still " + server.state());
            int downAt = target.hits().size();
            Await.until(() -> target.hits().size() > downAt, WAIT, () -> "no check after down");
            assertThat(checker.status(server).checkFailures()).isGreaterThanOrEqualTo(3);

            target.status(200);
            Await.until(() -> server.state() == ServerState.UP, WAIT, () -> "still " + server.state());
            int upAt = target.hits().size();
            Await.until(() -> target.hits().size() > upAt, WAIT, () -> "no check after up");

            List<Hit> hits = target.hits();
            int firstFail = indexOf(hits, 503, 0);
            assertThat(hits.get(firstFail).stateSeen()).isEqualTo(ServerState.UP);
            assertThat(hits.get(firstFail + 1).stateSeen()).isEqualTo(ServerState.UP);
            assertThat(hits.get(firstFail + 2).stateSeen()).as("two failures: not down yet")
                    .isEqualTo(ServerState.UP);
            assertThat(hits.get(firstFail + 3).stateSeen()).as("three failures: down").isEqualTo(ServerState.DOWN);
            int firstPass = indexOf(hits, 200, firstFail);
            assertThat(hits.get(firstPass).stateSeen()).isEqualTo(ServerState.DOWN);
            assertThat(hits.get(firstPass + 1).stateSeen()).as("one pass: not up yet").isEqualTo(ServerState.DOWN);
            assertThat(hits.get(firstPass + 2).stateSeen()).as("two passes: up").isEqualTo(ServerState.UP);
            assertThat(checker.status(server).checkPasses()).isGreaterThanOrEqualTo(2);
        } finally {
            Log.sink(before);
        }
        String name = "web/" + server.config().address();
        assertThat(log).containsExactly(
                "sluice: server " + name + " down: 3 checks failed in a row, last: status 503",
                "sluice: server " + name + " up: 2 checks passed in a row");
    }

    private static int indexOf(List<Hit> hits, int status, int from) {
        for (int i = from; i < hits.size(); i++) {
            if (hits.get(i).status() == status) {
                return i;
            }
        }
        throw new AssertionError("no check answered " + status + " in " + hits);
    }

    /** Servers start up: a dead server is up until {@code fall} checks have failed, so start-up does not 503. */
    @Test
    void serversStartUp() {
        Cluster c = cluster(tcp(500, 1000, 1, 3), NO_OUTLIER, ProxyFixture.deadAddress());
        Server server = c.servers().get(0);
        assertThat(server.state()).isEqualTo(ServerState.UP);
        HealthChecker checker = health.start(c);
        awaitChecks(checker, server, 1);
        HealthStatus status = checker.status(server);
        ServerState state = server.state();
        if (status.checks() < 3) {
            assertThat(state).as("after %d failed checks of fall 3", status.checks()).isEqualTo(ServerState.UP);
        }
        Await.until(() -> server.state() == ServerState.DOWN, WAIT, () -> "still " + server.state());
    }

    /** A timeout longer than the interval never puts two checks of one server in flight. */
    @Test
    void oneCheckInFlightPerServer() {
        TestOrigin origin = origin();
        Cluster c = cluster(http("/hang", 200, 399, 20, 300, 1, 100), NO_OUTLIER, origin.address());
        Server server = c.servers().get(0);
        HealthChecker checker = health.start(c);

        awaitChecks(checker, server, 4);
        assertThat(checker.status(server).lastCheck()).isEqualTo("failed: timeout after 300 ms");
        assertThat(origin.maxOpenConnections()).as("checks open at once").isEqualTo(1);
        assertThat(origin.accepted()).isLessThanOrEqualTo((int) checker.status(server).checks() + 1);
    }

    /** Several clusters and servers share one checker thread; closing the checker ends it. */
    @Test
    void oneThreadStoppedByClose() throws Exception {
        TestOrigin a = origin();
        TestOrigin b = origin();
        Cluster one = cluster(tcp(30, 1000, 1, 1), NO_OUTLIER, a.address(), b.address());
        Cluster two = cluster(http("/healthz", 200, 399, 30, 1000, 1, 1), NO_OUTLIER, a.address());
        HealthChecker checker = health.start(one, two);
        for (Server s : List.of(one.servers().get(0), one.servers().get(1), two.servers().get(0))) {
            awaitChecks(checker, s, 2);
        }
        Thread thread = checker.thread();
        assertThat(thread.getName()).startsWith("sluice-health");
        checker.close();
        // the group reports termination just before its thread returns: wait for that, with a deadline
        thread.join(5000);
        assertThat(thread.isAlive()).isFalse();
    }

    @Test
    void statusLineParsing() {
        assertThat(Check.statusOf("HTTP/1.1 200 OK")).isEqualTo(200);
        assertThat(Check.statusOf("HTTP/1.0 503 Service Unavailable")).isEqualTo(503);
        assertThat(Check.statusOf("HTTP/1.1 204")).isEqualTo(204);
        assertThat(Check.statusOf("HTTP/1.1 103 Early Hints")).isEqualTo(103);
        assertThat(Check.statusOf("HTTP/1.1 2000 OK")).isEqualTo(-1);
        assertThat(Check.statusOf("HTTP/2 200 OK")).isEqualTo(-1);
        assertThat(Check.statusOf("SSH-2.0-OpenSSH_9.6")).isEqualTo(-1);
        assertThat(Check.statusOf("HTTP/1.1 2x0 OK")).isEqualTo(-1);
        assertThat(Check.statusOf("HTTP/1.1 099 OK")).isEqualTo(-1);
    }
}
