package io.sluice.tcp;

import io.sluice.config.AdminConfig;
import io.sluice.config.Balance;
import io.sluice.config.ClusterConfig;
import io.sluice.config.ClusterTimeouts;
import io.sluice.config.HostPort;
import io.sluice.config.ListenerConfig;
import io.sluice.config.ListenerLimits;
import io.sluice.config.ListenerTimeouts;
import io.sluice.config.PoolConfig;
import io.sluice.config.Protocol;
import io.sluice.config.ServerConfig;
import io.sluice.config.SluiceConfig;
import io.sluice.config.SocketOptions;
import io.sluice.config.Transport;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * TCP pass-through listeners, spliced and copied: bytes relayed untouched both ways at once, half-close passed on
 * (a client that shuts its write side still gets the whole answer), a reset passed on as a reset, backpressure
 * instead of buffering, a failed connect retried on the next server before any client byte is lost, no server →
 * the client connection closes, idle and maximum session times, a server's max_connections.
 */
@IntegrationTest
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TcpPassThroughTest {
    private static final long GIB = 1L << 30;

    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();
    private final List<RawTcpServer> servers = new ArrayList<>();

    @AfterEach
    void stopServers() throws IOException {
        for (RawTcpServer s : servers) {
            assertThat(s.failures).isEmpty();
            s.close();
        }
    }

    private InetSocketAddress start(boolean splice, ListenerTimeouts timeouts, int maxPerServer,
                                    InetSocketAddress... backends) {
        List<ServerConfig> list = new ArrayList<>();
        for (InetSocketAddress a : backends) {
            list.add(new ServerConfig(ProxyFixture.hostPort(a), 1, maxPerServer));
        }
        ClusterConfig cluster = new ClusterConfig("db", Balance.ROUND_ROBIN, list, PoolConfig.DEFAULTS,
                new ClusterTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(30)));
        ListenerConfig listener = new ListenerConfig("tcp", new HostPort("127.0.0.1", 0), Protocol.TCP, 1000,
                List.of(), "db", timeouts, ListenerLimits.DEFAULTS, SocketOptions.DEFAULTS, splice, false);
        proxy.start(new SluiceConfig(ProxyFixture.workers(), Transport.AUTO, List.of(listener), List.of(cluster),
                new AdminConfig(new HostPort("127.0.0.1", 0))));
        return proxy.sluice().listenerAddress("tcp");
    }

    private InetSocketAddress start(boolean splice, InetSocketAddress... backends) {
        return start(splice, ListenerTimeouts.DEFAULTS, 100, backends);
    }

    private RawTcpServer server(RawTcpServer.Behaviour behaviour) throws IOException {
        RawTcpServer s = new RawTcpServer(behaviour);
        servers.add(s);
        return s;
    }

    @ParameterizedTest(name = "splice={0}")
    @ValueSource(booleans = {true, false})
    void aGibibyteGoesEachWayAtOnceUntouched(boolean splice) throws Exception {
        CompletableFuture<long[]> serverReceived = new CompletableFuture<>();
        CompletableFuture<Long> serverSent = new CompletableFuture<>();
        RawTcpServer duplex = server(s -> {
            CompletableFuture.runAsync(() -> {
                try {
                    serverSent.complete(Stream.send(s.getOutputStream(), GIB, 2));
                    s.shutdownOutput();
                } catch (IOException e) {
                    serverSent.completeExceptionally(e);
                }
            });
            serverReceived.complete(Stream.receive(s.getInputStream()));
            serverSent.join(); // the socket closes when this returns
        });
        InetSocketAddress address = start(splice, duplex.address());
        try (Socket s = new Socket(address.getAddress(), address.getPort())) {
            CompletableFuture<Long> clientSent = CompletableFuture.supplyAsync(() -> {
                try {
                    long crc = Stream.send(s.getOutputStream(), GIB, 1);
                    s.shutdownOutput();
                    return crc;
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            long[] clientReceived = Stream.receive(s.getInputStream());
            assertThat(clientReceived[0]).isEqualTo(GIB);
            assertThat(clientReceived[1]).as("CRC32C server → client").isEqualTo(serverSent.get(60, TimeUnit.SECONDS));
            long[] atServer = serverReceived.get(60, TimeUnit.SECONDS);
            assertThat(atServer[0]).isEqualTo(GIB);
            assertThat(atServer[1]).as("CRC32C client → server").isEqualTo(clientSent.get(60, TimeUnit.SECONDS));
        }
    }

    @ParameterizedTest(name = "splice={0}")
    @ValueSource(booleans = {true, false})
    void aClientThatShutsItsWriteSideStillGetsTheWholeAnswer(boolean splice) throws Exception {
        RawTcpServer replyAfterEof = server(RawTcpServer::countThenReply);
        InetSocketAddress address = start(splice, replyAfterEof.address());
        for (int i = 0; i < 5; i++) {
            try (Socket s = new Socket(address.getAddress(), address.getPort())) {
                s.getOutputStream().write(new byte[100_000]);
                s.shutdownOutput();
                byte[] answer = s.getInputStream().readAllBytes();
                String text = new String(answer, 0, Math.min(answer.length, 20), StandardCharsets.US_ASCII);
                assertThat(text).startsWith("got 100000\n");
                assertThat(answer).hasSize("got 100000\n".length() + RawTcpServer.TAIL);
            }
        }
    }

    @ParameterizedTest(name = "splice={0}")
    @ValueSource(booleans = {true, false})
    void aServerResetReachesTheClientAsAReset(boolean splice) throws Exception {
        RawTcpServer resetter = server(s -> {
            s.getInputStream().read();
            s.setSoLinger(true, 0);
            s.close();
        });
        InetSocketAddress address = start(splice, resetter.address());
        try (Socket s = new Socket(address.getAddress(), address.getPort())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write('x');
            assertThatThrownBy(() -> s.getInputStream().read())
                    .isInstanceOf(SocketException.class).hasMessageContaining("reset");
        }
    }

    @ParameterizedTest(name = "splice={0}")
    @ValueSource(booleans = {true, false})
    void aClientThatDoesNotReadHoldsTheServerBackInsteadOfFillingTheProxy(boolean splice) throws Exception {
        AtomicLong written = new AtomicLong();
        CountDownLatch done = new CountDownLatch(1);
        RawTcpServer firehose = server(s -> {
            byte[] chunk = new byte[64 * 1024];
            OutputStream out = s.getOutputStream();
            try {
                for (;;) {
                    out.write(chunk);
                    written.addAndGet(chunk.length);
                }
            } finally {
                done.countDown();
            }
        });
        InetSocketAddress address = start(splice, firehose.address());
        try (Socket s = new Socket(address.getAddress(), address.getPort())) {
            long stalledAt = awaitStall(written);
            // the client, the proxy's two sockets and the server hold at most a few socket buffers; no proxy queue
            assertThat(stalledAt).isLessThan(64L << 20);
            InputStream in = s.getInputStream();
            byte[] buf = new byte[64 * 1024];
            long read = 0;
            while (read < stalledAt + (8 << 20)) {
                int n = in.read(buf);
                assertThat(n).as("the stream goes on").isPositive();
                read += n;
            }
            assertThat(written.get()).as("the server moves again once the client reads").isGreaterThan(stalledAt);
        }
        assertThat(done.await(10, TimeUnit.SECONDS)).as("the server's connection ends with the client's").isTrue();
    }

    /** Polls until {@code counter} stops growing for half a second; returns where it stopped. */
    private static long awaitStall(AtomicLong counter) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        long last = -1;
        while (System.nanoTime() < deadline) {
            long now = counter.get();
            if (now == last && now > 0) {
                return now;
            }
            last = now;
            Thread.sleep(500); // a stall is the absence of progress: only time shows it
        }
        throw new AssertionError("the server never stalled: " + counter.get() + " bytes written");
    }

    @ParameterizedTest(name = "splice={0}")
    @ValueSource(booleans = {true, false})
    void aFailedConnectGoesToTheNextServerWithoutLosingAByte(boolean splice) throws Exception {
        RawTcpServer echo = server(RawTcpServer::echo);
        InetSocketAddress address = start(splice, ProxyFixture.deadAddress(), echo.address());
        for (int i = 0; i < 6; i++) {
            try (Socket s = new Socket(address.getAddress(), address.getPort())) {
                byte[] hello = ("hello " + i).getBytes(StandardCharsets.US_ASCII);
                s.getOutputStream().write(hello); // sent before any server is connected
                s.shutdownOutput();
                assertThat(s.getInputStream().readAllBytes()).isEqualTo(hello);
            }
        }
    }

    @ParameterizedTest(name = "splice={0}")
    @ValueSource(booleans = {true, false})
    void withNoServerTheClientConnectionCloses(boolean splice) throws Exception {
        InetSocketAddress address = start(splice, ProxyFixture.deadAddress());
        try (Socket s = new Socket(address.getAddress(), address.getPort())) {
            s.setSoTimeout(10_000);
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
    }

    @ParameterizedTest(name = "splice={0}")
    @ValueSource(booleans = {true, false})
    void anIdleSessionEndsAfterTunnelIdle(boolean splice) throws Exception {
        RawTcpServer echo = server(RawTcpServer::echo);
        ListenerTimeouts t = ListenerTimeouts.DEFAULTS;
        InetSocketAddress address = start(splice, new ListenerTimeouts(t.requestHeader(), t.bodyIdle(),
                t.keepaliveIdle(), Duration.ofMillis(800), Duration.ZERO), 100, echo.address());
        try (Socket s = new Socket(address.getAddress(), address.getPort())) {
            s.setSoTimeout(10_000);
            long before = System.nanoTime();
            for (int i = 0; i < 8; i++) { // active for longer than the idle time
                s.getOutputStream().write('x');
                assertThat(s.getInputStream().read()).isEqualTo('x');
                Thread.sleep(150); // the pace of a slow but live session
            }
            assertThat(s.getInputStream().read()).as("closed by the proxy").isEqualTo(-1);
            assertThat(Duration.ofNanos(System.nanoTime() - before)).isGreaterThan(Duration.ofMillis(1900));
        }
    }

    @ParameterizedTest(name = "splice={0}")
    @ValueSource(booleans = {true, false})
    void aSessionEndsAtTunnelMaxEvenWhileBusy(boolean splice) throws Exception {
        RawTcpServer echo = server(RawTcpServer::echo);
        ListenerTimeouts t = ListenerTimeouts.DEFAULTS;
        InetSocketAddress address = start(splice, new ListenerTimeouts(t.requestHeader(), t.bodyIdle(),
                t.keepaliveIdle(), Duration.ofSeconds(30), Duration.ofMillis(500)), 100, echo.address());
        try (Socket s = new Socket(address.getAddress(), address.getPort())) {
            s.setSoTimeout(10_000);
            long before = System.nanoTime();
            int echoed = 0;
            try {
                while (true) {
                    s.getOutputStream().write('x');
                    if (s.getInputStream().read() != 'x') {
                        break;
                    }
                    echoed++;
                }
            } catch (SocketException e) {
                // writing after the proxy closed may reset: also an end
            }
            assertThat(echoed).isPositive();
            assertThat(Duration.ofNanos(System.nanoTime() - before)).isBetween(Duration.ofMillis(400),
                    Duration.ofSeconds(5));
        }
    }

    @ParameterizedTest(name = "splice={0}")
    @ValueSource(booleans = {true, false})
    void aFullServerIsNotUsedAndWithNoneLeftTheClientIsClosed(boolean splice) throws Exception {
        RawTcpServer echo = server(RawTcpServer::echo);
        InetSocketAddress address = start(splice, ListenerTimeouts.DEFAULTS, 1, echo.address());
        try (Socket first = new Socket(address.getAddress(), address.getPort())) {
            first.setSoTimeout(10_000);
            first.getOutputStream().write('a');
            assertThat(first.getInputStream().read()).isEqualTo('a');
            try (Socket second = new Socket(address.getAddress(), address.getPort())) {
                second.setSoTimeout(10_000);
                assertThat(second.getInputStream().read()).as("max_connections 1 is taken").isEqualTo(-1);
            }
        }
        assertThat(echoesWithinDeadline(address)).as("the slot came back").isTrue();
    }

    /** Whether a connection echoes a byte within 10 s of tries (a slot comes back once both sides have closed). */
    private static boolean echoesWithinDeadline(InetSocketAddress address) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket(address.getAddress(), address.getPort())) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write('c');
                if (s.getInputStream().read() == 'c') {
                    return true;
                }
            } catch (SocketException e) {
                // closed at once: no slot yet
            }
            Thread.sleep(20);
        }
        return false;
    }
}
