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

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Parallel pipelining (seed 002): back-to-back idempotent requests of one connection go to servers at once over
 * separate connections, and their responses come back strictly in request order; a non-idempotent request waits
 * for the ones before it, and those after it wait for it.
 */
@IntegrationTest
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ParallelPipeliningTest {
    private static final int DELAY_MS = 400;

    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();

    private static String get(String target) {
        return "GET " + target + " HTTP/1.1\r\nHost: t\r\n\r\n";
    }

    @Test
    void eightDelayedGetsFinishInAboutOneDelayInOrder() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.start(origin);
        StringBuilder pipeline = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            // later requests answer sooner: order must come from the proxy, not from the servers
            pipeline.append(get("/delay/" + (DELAY_MS - 30 * i) + "/size/" + (100 + i) + "?i=" + i));
        }
        try (RawHttpClient c = proxy.connect()) {
            long sent = System.nanoTime();
            c.send(pipeline.toString());
            List<RawResponse> responses = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                responses.add(c.readResponse());
            }
            long tookMillis = (System.nanoTime() - sent) / 1_000_000;
            for (int i = 0; i < 8; i++) {
                assertThat(responses.get(i).header("X-Target")).as("response %d", i)
                        .isEqualTo("/delay/" + (DELAY_MS - 30 * i) + "/size/" + (100 + i) + "?i=" + i);
                assertThat(responses.get(i).body()).hasSize(100 + i);
            }
            assertThat(tookMillis).as("in parallel: about one delay, not eight").isLessThan(3L * DELAY_MS);
            c.send(get("/size/5?after"));
            assertThat(c.readResponse().header("X-Target")).isEqualTo("/size/5?after");
        }
        assertThat(origin.maxOpenConnections()).as("separate server connections").isGreaterThan(1);
    }

    @Test
    void aPostWaitsForTheRequestsBeforeItAndTheOnesAfterItWaitForIt() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.start(origin);
        String pipeline = get("/delay/" + DELAY_MS + "/size/1?first")
                + "POST /delay/" + DELAY_MS + "/echo?post HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nhi"
                + get("/size/3?last");
        try (RawHttpClient c = proxy.connect()) {
            c.send(pipeline);
            assertThat(c.readResponse().header("X-Target")).isEqualTo("/delay/" + DELAY_MS + "/size/1?first");
            RawResponse post = c.readResponse();
            assertThat(post.header("X-Target")).isEqualTo("/delay/" + DELAY_MS + "/echo?post");
            assertThat(post.bodyText()).isEqualTo("hi");
            assertThat(c.readResponse().header("X-Target")).isEqualTo("/size/3?last");
        }
        // the server saw them strictly one after the other
        assertThat(origin.arrivals()).containsExactly("/delay/" + DELAY_MS + "/size/1?first",
                "/delay/" + DELAY_MS + "/echo?post", "/size/3?last");
        List<TestOrigin.Request> done = origin.requests();
        assertThat(done).extracting(TestOrigin.Request::target).containsExactly(
                "/delay/" + DELAY_MS + "/size/1?first", "/delay/" + DELAY_MS + "/echo?post", "/size/3?last");
    }

    @Test
    void maxPipelineOneServesThemOneAfterTheOther() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 8, origin).limits(new ListenerLimits(8 * 1024, 32 * 1024, 100, 1)).start();
        try (RawHttpClient c = proxy.connect()) {
            c.send(get("/size/1?a") + get("/size/2?b") + get("/size/3?c"));
            for (String t : List.of("/size/1?a", "/size/2?b", "/size/3?c")) {
                assertThat(c.readResponse().header("X-Target")).isEqualTo(t);
            }
        }
        assertThat(origin.maxOpenConnections()).as("one request at a time needs one connection").isEqualTo(1);
    }

    @Test
    void anErrorOfAPipelinedRequestKeepsItsPlace() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.start(origin);
        try (RawHttpClient c = proxy.connect()) {
            c.send(get("/delay/" + DELAY_MS + "/size/1?a") + get("/close-no-response?b") + get("/size/3?c"));
            RawResponse a = c.readResponse();
            RawResponse b = c.readResponse();
            RawResponse cc = c.readResponse();
            assertThat(a.header("X-Target")).isEqualTo("/delay/" + DELAY_MS + "/size/1?a");
            assertThat(b.status()).as("%s", b).isEqualTo(502);
            assertThat(cc.header("X-Target")).isEqualTo("/size/3?c");
        }
    }
}
