package io.sluice.http;

import io.sluice.config.ListenerTimeouts;
import io.sluice.config.SocketOptions;
import io.sluice.testing.Await;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.RawHttpClient;
import io.sluice.testing.RawResponse;
import io.sluice.testing.TestOrigin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Client-side timeouts: a request head not complete within {@code request_header} (counted from its first byte,
 * so trickling bytes does not extend it) → 408 and close; a request body pausing longer than {@code body_idle}
 * → 408 and close, but once the body is complete the client owes nothing and a slow server is not its fault; an
 * idle keep-alive connection is closed after {@code keepalive_idle}; a connection Sluice closes while its last
 * answer is still unread is closed after {@code body_idle} at the latest.
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
    void bodyIdleDoesNotFireOnceTheBodyIsComplete() throws Exception {
        start();
        try (RawHttpClient c = proxy.connect()) {
            c.send("POST /delay/900/sink HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhello");
            Thread.sleep(100);                  // a pause within body_idle
            c.send("world");
            long t0 = System.nanoTime();
            RawResponse r = c.readResponse("POST");
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            // the server answers after 3 x body_idle: the client sent everything and must not be timed out
            assertThat(r.status()).as("%s after %d ms", r, took.toMillis()).isEqualTo(200);
            assertThat(r.bodyText()).startsWith("10 ");
            assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(700));
            c.send(RawHttpClient.request("GET", "/size/3?after", "Host: x"));
            assertThat(c.readResponse().header("X-Target")).as("still usable").isEqualTo("/size/3?after");
        }
    }

    /**
     * A client that never reads its answers: whatever state each connection ends in (answer still streaming,
     * answer complete but unsent, everything handed to the kernel), Sluice wants it closed, after the response or
     * at {@code keepalive_idle}, and it must be closed even though the queued bytes can never be flushed. With the
     * listener's send buffer pinned small, the response sizes swept here cover the case where the answer completes
     * while part of it still waits in Sluice (the flush that the close waits for never finishes).
     */
    @ParameterizedTest(name = "Connection: {0}")
    @ValueSource(strings = {"keep-alive", "close"})
    void connectionWithAnUnreadAnswerIsClosedAfterBodyIdle(String connection) throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 256, origin).listenerTimeouts(new ListenerTimeouts(SHORT, SHORT, SHORT))
                .socket(new SocketOptions(16 * 1024, 0)).start();
        List<RawHttpClient> clients = new ArrayList<>();
        try {
            for (int size = 8 * 1024; size <= 256 * 1024; size += 8 * 1024) {
                RawHttpClient c = RawHttpClient.connect(proxy.address(), 4096);
                clients.add(c);
                c.send(connection.equals("close")
                        ? RawHttpClient.request("GET", "/size/" + size, "Host: x", "Connection: close")
                        : RawHttpClient.request("GET", "/size/" + size, "Host: x"));
            }
            int total = clients.size();
            Await.until(() -> origin.requests().size() == total, Duration.ofSeconds(10),
                    () -> "requests received: " + origin.requests().size() + " of " + total);
            // nothing is read; keepalive_idle + body_idle + linger are 300 ms each here
            Await.until(() -> openClientConnections() == 0, Duration.ofSeconds(10),
                    () -> openClientConnections() + " of " + total + " connections whose answer is not read"
                            + " are still open");
        } finally {
            clients.forEach(RawHttpClient::close);
        }
    }

    private int openClientConnections() {
        try {
            return ProxyFixture.listener(proxy.stats(), ProxyFixture.LISTENER).path("connections").asInt(-1);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
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
