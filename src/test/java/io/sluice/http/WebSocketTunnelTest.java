package io.sluice.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.config.RouteConfig;
import io.sluice.config.RouteMatch;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.RawHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * HTTP upgrades: a WebSocket handshake through a route that allows it turns the client and server connections into
 * a tunnel (frames both ways, close), the server connection never returns to the pool and its slot comes back when
 * the tunnel ends; a route without the upgrade does not forward it; a 101 nobody asked for is a 502.
 */
@IntegrationTest
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class WebSocketTunnelTest {
    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();
    private final WebSocketEchoServer echo = new WebSocketEchoServer();

    @AfterEach
    void stopEcho() {
        echo.close();
    }

    /** Collects what a WebSocket client receives, a message per element, and its close. */
    static final class Recorder implements WebSocket.Listener {
        final LinkedBlockingQueue<Object> messages = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private final StringBuilder text = new StringBuilder();
        private ByteBuffer binary = ByteBuffer.allocate(0);

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                messages.add(text.toString());
                text.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            ByteBuffer joined = ByteBuffer.allocate(binary.remaining() + data.remaining());
            joined.put(binary).put(data).flip();
            binary = joined;
            if (last) {
                messages.add(binary);
                binary = ByteBuffer.allocate(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closed.completeExceptionally(error);
        }
    }

    private WebSocket open(Recorder recorder) throws Exception {
        return HttpClient.newHttpClient().newWebSocketBuilder()
                .connectTimeout(Duration.ofSeconds(10))
                .buildAsync(URI.create("ws://127.0.0.1:" + proxy.address().getPort() + "/ws"), recorder)
                .get(10, TimeUnit.SECONDS);
    }

    @Test
    void framesGoBothWaysThroughTheTunnelAndItsCloseEndsIt() throws Exception {
        proxy.setup().cluster("web", 4, echo.address()).start();
        Recorder recorder = new Recorder();
        WebSocket ws = open(recorder);
        for (int i = 0; i < 20; i++) {
            ws.sendText("hello " + i, true).get(10, TimeUnit.SECONDS);
            assertThat(recorder.messages.poll(10, TimeUnit.SECONDS)).isEqualTo("hello " + i);
        }
        byte[] big = new byte[300_000];
        new Random(3).nextBytes(big);
        ws.sendBinary(ByteBuffer.wrap(big), true).get(10, TimeUnit.SECONDS);
        Object back = recorder.messages.poll(10, TimeUnit.SECONDS);
        assertThat(back).isInstanceOf(ByteBuffer.class);
        byte[] got = new byte[((ByteBuffer) back).remaining()];
        ((ByteBuffer) back).get(got);
        assertThat(got).isEqualTo(big);

        ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
        assertThat(recorder.closed.get(10, TimeUnit.SECONDS)).isEqualTo(WebSocket.NORMAL_CLOSURE);

        JsonNode server = awaitTunnelEnded();
        assertThat(server.get("requests").asLong()).isEqualTo(1);
        assertThat(server.get("active").asLong()).isZero();
        assertThat(server.get("idle").asLong()).as("never pooled").isZero();
    }

    @Test
    void aReloadThatReplacesTheClusterDoesNotCutTheTunnel() throws Exception {
        proxy.setup().cluster("web", 4, echo.address()).start();
        Recorder recorder = new Recorder();
        WebSocket ws = open(recorder);
        ws.sendText("before", true).get(10, TimeUnit.SECONDS);
        assertThat(recorder.messages.poll(10, TimeUnit.SECONDS)).isEqualTo("before");

        assertThat(proxy.sluice().reload(proxy.setup().cluster("web", 8, echo.address()).config()).changes())
                .containsExactly("cluster changed: web");

        for (int i = 0; i < 5; i++) {
            ws.sendText("after " + i, true).get(10, TimeUnit.SECONDS);
            assertThat(recorder.messages.poll(10, TimeUnit.SECONDS)).isEqualTo("after " + i);
        }
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
        assertThat(recorder.closed.get(10, TimeUnit.SECONDS)).isEqualTo(WebSocket.NORMAL_CLOSURE);
    }

    private JsonNode awaitTunnelEnded() throws InterruptedException {
        String address = ProxyFixture.hostPort(echo.address()).toString();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        JsonNode server;
        do {
            server = ProxyFixture.server(proxy.statsNow(), "web", address);
            if (ProxyFixture.closes(proxy.statsNow(), "tunnel_end") == 1) {
                return server;
            }
            Thread.sleep(20);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("the tunnel did not end: " + server);
    }

    @Test
    void tunnelsAreIndependentOfEachOtherAndOfPlainRequests() throws Exception {
        proxy.setup().cluster("web", 8, echo.address()).start();
        Recorder a = new Recorder();
        Recorder b = new Recorder();
        WebSocket wa = open(a);
        WebSocket wb = open(b);
        wa.sendText("to a", true).get(10, TimeUnit.SECONDS);
        wb.sendText("to b", true).get(10, TimeUnit.SECONDS);
        assertThat(a.messages.poll(10, TimeUnit.SECONDS)).isEqualTo("to a");
        assertThat(b.messages.poll(10, TimeUnit.SECONDS)).isEqualTo("to b");
        assertThat(a.messages).isEmpty();
        wa.sendClose(WebSocket.NORMAL_CLOSURE, "").get(10, TimeUnit.SECONDS);
        wb.sendClose(WebSocket.NORMAL_CLOSURE, "").get(10, TimeUnit.SECONDS);
        assertThat(a.closed.get(10, TimeUnit.SECONDS)).isEqualTo(WebSocket.NORMAL_CLOSURE);
        assertThat(b.closed.get(10, TimeUnit.SECONDS)).isEqualTo(WebSocket.NORMAL_CLOSURE);
        assertThat(echo.connections).hasValue(2);
    }

    @Test
    void aRouteWithoutTheUpgradeDoesNotForwardIt() throws Exception {
        RouteConfig noUpgrades = new RouteConfig(new RouteMatch(null, "/"), "web", null, Map.of(), List.of(), null,
                RouteConfig.DEFAULT_RETRIES, null, List.of());
        proxy.setup().cluster("web", 4, echo.address()).route(noUpgrades).start();
        // the server sees a plain GET and refuses it as a handshake; no tunnel is made
        assertThatThrownBy(() -> open(new Recorder())).hasCauseInstanceOf(WebSocketHandshakeException.class);
        assertThat(ProxyFixture.closes(proxy.statsNow(), "tunnel_end")).isZero();
    }

    @Test
    void aSwitchNobodyAskedForIsABadGateway() throws Exception {
        try (ServerSocket rogue = new ServerSocket(0, 5, java.net.InetAddress.getByName("127.0.0.1"))) {
            Thread t = new Thread(() -> {
                try (Socket s = rogue.accept()) {
                    s.getInputStream().read(new byte[4096]);
                    s.getOutputStream().write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                            + "Connection: upgrade\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    s.getInputStream().read();
                } catch (IOException e) {
                    // closed by the proxy: expected
                }
            });
            t.setDaemon(true);
            t.start();
            proxy.setup().cluster("web", 4, new InetSocketAddress("127.0.0.1", rogue.getLocalPort())).start();
            try (RawHttpClient c = RawHttpClient.connect(proxy.address())) {
                c.send("GET /plain HTTP/1.1\r\nHost: example\r\n\r\n");
                assertThat(c.readResponse().status()).isEqualTo(502);
            }
        }
    }
}
