package io.sluice.http;

import io.sluice.config.ListenerTimeouts;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.RawHttpClient;
import io.sluice.testing.RawResponse;
import io.sluice.testing.TestOrigin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Client-side timeouts: a request head not complete within {@code request_header} (counted from its first byte,
 * so trickling bytes does not extend it) → 408 and close; a request body pausing longer than {@code body_idle}
 * → 408 and close; an idle keep-alive connection is closed after {@code keepalive_idle}.
 */
@IntegrationTest
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ClientTimeoutTest {
    private static final Duration SHORT = Duration.ofMillis(300);

    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();

    private TestOrigin start() {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 4, origin).listenerTimeouts(new ListenerTimeouts(SHORT, SHORT, SHORT)).start();
        return origin;
    }

    @Test
    void incompleteHeadIs408() throws Exception {
        TestOrigin origin = start();
        try (RawHttpClient c = proxy.connect()) {
            long t0 = System.nanoTime();
            c.send("GET / HTTP/1.1\r\nHost: x\r\n");
            RawResponse r = c.readResponse();
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(250));
            ServerFaults.assertGeneratedError(r, 408);
            assertThat(c.closedByPeer(Duration.ofSeconds(5))).isTrue();
        }
        assertThat(origin.requests()).isEmpty();
    }

    @Test
    void tricklingHeadIs408() throws Exception {
        start();
        try (RawHttpClient c = proxy.connect()) {
            byte[] head = "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: abcdefghijklmnopqrstuvwxyz\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII);
            AtomicBoolean stop = new AtomicBoolean();
            CompletableFuture<Void> trickle = CompletableFuture.runAsync(() -> {
                try {
                    for (int i = 0; i < head.length - 4 && !stop.get(); i++) {
                        c.output().write(head[i]);
                        c.output().flush();
                        Thread.sleep(50);       // the slow client being simulated
                    }
                } catch (IOException | InterruptedException e) {
                    // closed by Sluice: expected
                }
            });
            RawResponse r = c.readResponse();
            stop.set(true);
            ServerFaults.assertGeneratedError(r, 408);
            trickle.join();
        }
    }

    @Test
    void pausedBodyIs408() throws Exception {
        start();
        try (RawHttpClient c = proxy.connect()) {
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhello");
            RawResponse r = c.readResponse("POST");
            assertThat(r.status()).as("%s", r).isEqualTo(408);
            assertThat(c.closedByPeer(Duration.ofSeconds(5))).isTrue();
        }
        ServerFaults.assertNewConnectionWorks(proxy);
    }

    @Test
    void idleKeepAliveConnectionIsClosed() throws Exception {
        start();
        try (RawHttpClient c = proxy.connect()) {
            c.send(RawHttpClient.request("GET", "/size/1", "Host: x"));
            assertThat(c.readResponse().status()).isEqualTo(200);
            byte[] extra = c.readUntilClosed(Duration.ofSeconds(5));
            String text = new String(extra, StandardCharsets.ISO_8859_1);
            assertThat(text.isEmpty() || text.startsWith("HTTP/1.1 408 "))
                    .as("closed silently or with a 408, got: %s", text).isTrue();
        }
    }
}
