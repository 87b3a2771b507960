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
import io.sluice.config.SendProxy;
import io.sluice.config.ServerConfig;
import io.sluice.config.SluiceConfig;
import io.sluice.config.SocketOptions;
import io.sluice.config.Transport;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.RawHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Transparent servers: connections come from the client's own address. On loopback every 127.0.0.0/8 address is
 * local, so this runs without policy routing; setting IP_TRANSPARENT needs CAP_NET_ADMIN (root here). Routing the
 * answers of real servers back through the proxy (docs/tcp.md) is not tested.
 */
@IntegrationTest
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TransparentSourceTest {
    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();
    private final Queue<InetAddress> sources = new ConcurrentLinkedQueue<>();
    private RawTcpServer backend;

    @BeforeEach
    void needsPrivilege() {
        assumeTrue("root".equals(System.getProperty("user.name")), "IP_TRANSPARENT needs CAP_NET_ADMIN");
    }

    @AfterEach
    void stop() throws IOException {
        if (backend != null) {
            assertThat(backend.failures).isEmpty();
            backend.close();
        }
    }

    private static ServerConfig transparent(InetSocketAddress a) {
        return new ServerConfig(ProxyFixture.hostPort(a), 1, 10, SendProxy.OFF, true);
    }

    @Test
    void aTcpServerSeesTheClientsAddress() throws Exception {
        backend = new RawTcpServer(s -> {
            sources.add(s.getInetAddress());
            RawTcpServer.echo(s);
        });
        ClusterConfig cluster = new ClusterConfig("db", Balance.ROUND_ROBIN, List.of(transparent(backend.address())),
                PoolConfig.DEFAULTS, ClusterTimeouts.DEFAULTS);
        ListenerConfig listener = new ListenerConfig("tcp", new HostPort("127.0.0.1", 0), Protocol.TCP, 100,
                List.of(), "db", ListenerTimeouts.DEFAULTS, ListenerLimits.DEFAULTS, SocketOptions.DEFAULTS);
        proxy.start(new SluiceConfig(ProxyFixture.workers(), Transport.AUTO, List.of(listener), List.of(cluster),
                new AdminConfig(new HostPort("127.0.0.1", 0))));
        InetSocketAddress address = proxy.sluice().listenerAddress("tcp");
        InetAddress client = InetAddress.getByName("127.0.0.9");
        try (Socket s = new Socket(address.getAddress(), address.getPort(), client, 0)) {
            s.getOutputStream().write('x');
            s.shutdownOutput();
            assertThat(s.getInputStream().readAllBytes()).containsExactly('x');
        }
        assertThat(sources).containsExactly(client);
    }

    @Test
    void anHttpServerSeesEachClientsAddressOnConnectionsPooledPerClient() throws Exception {
        backend = new RawTcpServer(s -> {
            sources.add(s.getInetAddress());
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            byte[] body = s.getInetAddress().getHostAddress().getBytes(StandardCharsets.US_ASCII);
            while (RawTcpServer.readRequestHead(in)) {
                out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
            }
        });
        proxy.setup().workers(1).cluster("web", 10, backend.address())
                .clusterConfig("web", c -> new ClusterConfig(c.name(), c.balance(),
                        List.of(transparent(backend.address())), c.pool(), c.timeouts(), c.hashOn(), c.health(),
                        c.outlier(), c.slowStart(), c.queue(), c.retryBudget()))
                .start();
        for (String from : List.of("127.0.0.2", "127.0.0.3", "127.0.0.2")) {
            InetAddress client = InetAddress.getByName(from);
            try (Socket s = new Socket(proxy.address().getAddress(), proxy.address().getPort(), client, 0);
                 RawHttpClient c = RawHttpClient.over(s)) {
                for (int i = 0; i < 2; i++) {
                    c.send("GET / HTTP/1.1\r\nHost: example\r\n\r\n");
                    assertThat(c.readResponse().bodyText()).isEqualTo(from);
                }
            }
        }
        assertThat(sources).as("one server connection per client address, reused")
                .containsExactly(InetAddress.getByName("127.0.0.2"), InetAddress.getByName("127.0.0.3"));
    }
}
