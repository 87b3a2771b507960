package io.sluice.http;

import io.sluice.config.ClusterTimeouts;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.RawResponse;
import io.sluice.testing.TestOrigin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No server reachable (connection refused on every server): 503; one refusing or unresponsive server among live
 * ones: no error.
 */
@IntegrationTest
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class NoServerTest {
    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();

    @Test
    void everyServerRefusingIs503() throws Exception {
        proxy.setup().cluster("web", 4, ProxyFixture.deadAddress(), ProxyFixture.deadAddress()).start();
        for (int i = 0; i < 3; i++) {
            ServerFaults.assertGeneratedError(proxy.get("/x?i=" + i), 503);
        }
    }

    @Test
    void refusingServerIsSkipped() throws Exception {
        TestOrigin live = proxy.origin();
        InetSocketAddress dead = ProxyFixture.deadAddress();
        proxy.setup().cluster("web", 4, dead, live.address()).start();
        for (int i = 0; i < 6; i++) {
            RawResponse r = proxy.get("/size/10?i=" + i);
            assertThat(r.status()).as("request %d: %s", i, r).isEqualTo(200);
        }
        assertThat(live.requests()).hasSize(6);
    }

    /**
     * A server whose connects never complete (a listening socket with a full backlog drops the SYNs, like a
     * black-holed host) next to a live one: when the connect timeout, which also bounds the wait for the lease,
     * expires, the request goes to the next server instead of failing with 503.
     */
    @Test
    void unresponsiveServerIsSkipped() throws Exception {
        TestOrigin live = proxy.origin();
        Duration connectTimeout = Duration.ofMillis(500);
        List<Socket> fillers = new ArrayList<>();
        try (ServerSocket hole = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            // fill the backlog (never accepted) until a connect hangs: from then on SYNs are dropped
            boolean full = false;
            for (int i = 0; i < 16 && !full; i++) {
                Socket f = new Socket();
                fillers.add(f);
                try {
                    f.connect(hole.getLocalSocketAddress(), 200);
                } catch (SocketTimeoutException e) {
                    full = true;
                }
            }
            assertThat(full).as("setup: the backlog of the unresponsive server is full").isTrue();
            InetSocketAddress unresponsive = new InetSocketAddress("127.0.0.1", hole.getLocalPort());
            proxy.setup().cluster("web", 4, unresponsive, live.address())
                    .timeouts("web", new ClusterTimeouts(connectTimeout, Duration.ofSeconds(30))).start();
            for (int i = 0; i < 3; i++) {
                long t0 = System.nanoTime();
                RawResponse r = proxy.get("/size/10?i=" + i);
                Duration took = Duration.ofNanos(System.nanoTime() - t0);
                assertThat(r.status()).as("request %d after %d ms: %s", i, took.toMillis(), r).isEqualTo(200);
                assertThat(r.header("X-Origin")).isEqualTo(live.name());
                assertThat(took).as("one connect timeout at most").isLessThan(connectTimeout.multipliedBy(4));
            }
            assertThat(live.requests()).hasSize(3);
            assertThat(ProxyFixture.server(proxy.stats(), "web", "127.0.0.1:" + hole.getLocalPort())
                    .path("requests").asLong()).as("nothing was sent to the unresponsive server").isZero();
        } finally {
            for (Socket f : fillers) {
                f.close();
            }
        }
    }
}
