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
import io.sluice.config.Transport;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * TCP pass-through listeners: bytes relayed untouched both ways at once, half-close propagated (a client that
 * shuts its write side still gets the whole answer), a failed connect goes to the next server before any client
 * byte is lost, no server → the client connection closes, an idle session ends.
 */
@IntegrationTest
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TcpPassThroughTest {
    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();
    private final List<RawServer> servers = new ArrayList<>();

    @AfterEach
    void stopServers() throws IOException {
        for (RawServer s : servers) {
            s.close();
        }
    }

    private InetSocketAddress start(Duration idle, InetSocketAddress... backends) {
        List<ServerConfig> list = new ArrayList<>();
        for (InetSocketAddress a : backends) {
            list.add(new ServerConfig(ProxyFixture.hostPort(a), 1, 100));
        }
        ClusterConfig cluster = new ClusterConfig("db", Balance.ROUND_ROBIN, list, PoolConfig.DEFAULTS,
                new ClusterTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(30)));
        ListenerConfig listener = new ListenerConfig("tcp", new HostPort("127.0.0.1", 0), Protocol.TCP, 1000,
                List.of(), "db", new ListenerTimeouts(Duration.ofSeconds(10), idle, Duration.ofSeconds(15)),
                ListenerLimits.DEFAULTS);
        proxy.start(new SluiceConfig(ProxyFixture.workers(), Transport.AUTO, List.of(listener), List.of(cluster),
                new AdminConfig(new HostPort("127.0.0.1", 0))));
        return proxy.sluice().listenerAddress("tcp");
    }

    private RawServer server(Behaviour behaviour) throws IOException {
        RawServer s = new RawServer(behaviour);
        servers.add(s);
        return s;
    }

    @Test
    void bytesGoBothWaysAtOnceUntouched() throws Exception {
        RawServer echo = server(RawServer::echo);
        InetSocketAddress address = start(Duration.ofSeconds(30), echo.address());
        int size = 32 << 20;
        byte[] data = new byte[1 << 16];
        new Random(7).nextBytes(data);
        try (Socket s = new Socket(address.getAddress(), address.getPort())) {
            CompletableFuture<String> sent = CompletableFuture.supplyAsync(() -> {
                try {
                    MessageDigest md = MessageDigest.getInstance("SHA-256");
                    OutputStream out = s.getOutputStream();
                    for (int done = 0; done < size; done += data.length) {
                        out.write(data);
                        md.update(data);
                    }
                    s.shutdownOutput();
                    return HexFormat.of().formatHex(md.digest());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            InputStream in = s.getInputStream();
            byte[] buf = new byte[1 << 16];
            long received = 0;
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
                received += n;
            }
            assertThat(received).isEqualTo(size);
            assertThat(HexFormat.of().formatHex(md.digest())).isEqualTo(sent.get(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void aClientThatShutsItsWriteSideStillGetsTheWholeAnswer() throws Exception {
        RawServer replyAfterEof = server(RawServer::countThenReply);
        InetSocketAddress address = start(Duration.ofSeconds(30), replyAfterEof.address());
        try (Socket s = new Socket(address.getAddress(), address.getPort())) {
            s.getOutputStream().write(new byte[100_000]);
            s.shutdownOutput();
            byte[] answer = s.getInputStream().readAllBytes();
            String text = new String(answer, 0, Math.min(answer.length, 20), StandardCharsets.US_ASCII);
            assertThat(text).startsWith("got 100000\n");
            assertThat(answer).hasSize("got 100000\n".length() + RawServer.TAIL);
        }
    }

    @Test
    void aFailedConnectGoesToTheNextServerWithoutLosingABtye() throws Exception {
        RawServer echo = server(RawServer::echo);
        InetSocketAddress address = start(Duration.ofSeconds(30), ProxyFixture.deadAddress(), echo.address());
        for (int i = 0; i < 6; i++) {
            try (Socket s = new Socket(address.getAddress(), address.getPort())) {
                byte[] hello = ("hello " + i).getBytes(StandardCharsets.US_ASCII);
                s.getOutputStream().write(hello); // sent before any server is connected
                s.shutdownOutput();
                assertThat(s.getInputStream().readAllBytes()).isEqualTo(hello);
            }
        }
    }

    @Test
    void withNoServerTheClientConnectionCloses() throws Exception {
        InetSocketAddress address = start(Duration.ofSeconds(30), ProxyFixture.deadAddress());
        try (Socket s = new Socket(address.getAddress(), address.getPort())) {
            s.setSoTimeout(10_000);
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
    }

    @Test
    void anIdleSessionEnds() throws Exception {
        RawServer echo = server(RawServer::echo);
        InetSocketAddress address = start(Duration.ofMillis(300), echo.address());
        try (Socket s = new Socket(address.getAddress(), address.getPort())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write('x');
            assertThat(s.getInputStream().read()).isEqualTo('x');
            long before = System.nanoTime();
            assertThat(s.getInputStream().read()).as("closed by the proxy").isEqualTo(-1);
            assertThat(Duration.ofNanos(System.nanoTime() - before)).isGreaterThan(Duration.ofMillis(200));
        }
    }

    interface Behaviour {
        void serve(Socket s) throws IOException;
    }

    /** A blocking test server, a thread per connection. */
    static final class RawServer implements AutoCloseable {
        static final int TAIL = 1 << 20;
        private final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));

        RawServer(Behaviour behaviour) throws IOException {
            Thread acceptor = new Thread(() -> {
                while (!socket.isClosed()) {
                    try {
                        Socket s = socket.accept();
                        Thread t = new Thread(() -> {
                            try (s) {
                                behaviour.serve(s);
                            } catch (IOException e) {
                                // the peer went away: the test says whether that was right
                            }
                        });
                        t.setDaemon(true);
                        t.start();
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "raw-server");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        InetSocketAddress address() {
            return new InetSocketAddress("127.0.0.1", socket.getLocalPort());
        }

        static void echo(Socket s) throws IOException {
            s.getInputStream().transferTo(s.getOutputStream());
            s.shutdownOutput();
        }

        static void countThenReply(Socket s) throws IOException {
            long n = 0;
            byte[] buf = new byte[8192];
            int r;
            while ((r = s.getInputStream().read(buf)) > 0) {
                n += r;
            }
            OutputStream out = s.getOutputStream();
            out.write(("got " + n + "\n").getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[TAIL]);
            out.flush();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
