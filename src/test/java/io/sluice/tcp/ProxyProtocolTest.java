package io.sluice.tcp;

import com.fasterxml.jackson.databind.JsonNode;
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
import io.sluice.testing.RawResponse;
import io.sluice.testing.TestOrigin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The PROXY protocol: sent to servers ({@code send_proxy: v1|v2}) on TCP and HTTP clusters, where HTTP server
 * connections stay pooled per client address; accepted from a balancer in front ({@code accept_proxy}), where a
 * connection without a valid header is closed before any server sees a byte.
 */
@IntegrationTest
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ProxyProtocolTest {
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

    private RawTcpServer server(RawTcpServer.Behaviour behaviour) throws IOException {
        RawTcpServer s = new RawTcpServer(behaviour);
        servers.add(s);
        return s;
    }

    private InetSocketAddress startTcp(RawTcpServer backend, SendProxy send, boolean acceptProxy) {
        ClusterConfig cluster = new ClusterConfig("db", Balance.ROUND_ROBIN,
                List.of(new ServerConfig(ProxyFixture.hostPort(backend.address()), 1, 100, send)),
                PoolConfig.DEFAULTS, ClusterTimeouts.DEFAULTS);
        ListenerConfig listener = new ListenerConfig("tcp", new HostPort("127.0.0.1", 0), Protocol.TCP, 1000,
                List.of(), "db", ListenerTimeouts.DEFAULTS, ListenerLimits.DEFAULTS, SocketOptions.DEFAULTS, true,
                acceptProxy);
        proxy.start(new SluiceConfig(ProxyFixture.workers(), Transport.AUTO, List.of(listener), List.of(cluster),
                new AdminConfig(new HostPort("127.0.0.1", 0))));
        return proxy.sluice().listenerAddress("tcp");
    }

    /** A PROXY header as a test server reads it, parsed here independently of Sluice's reader. */
    record Header(String sourceIp, int sourcePort, String destinationIp, int destinationPort) {
        String source() {
            return sourceIp + ":" + sourcePort;
        }
    }

    static Header readHeader(InputStream in) throws IOException {
        int first = in.read();
        if (first == 'P') {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            line.write(first);
            int b;
            while ((b = in.read()) != '\n') {
                line.write(b);
            }
            String[] f = line.toString(StandardCharsets.US_ASCII).trim().split(" ");
            assertThat(f[0]).isEqualTo("PROXY");
            assertThat(f[1]).isIn("TCP4", "TCP6");
            return new Header(f[2], Integer.parseInt(f[4]), f[3], Integer.parseInt(f[5]));
        }
        DataInputStream data = new DataInputStream(in);
        byte[] signature = new byte[12];
        signature[0] = (byte) first;
        data.readFully(signature, 1, 11);
        assertThat(signature).isEqualTo(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49,
                0x54, 0x0A});
        assertThat(data.readUnsignedByte()).as("version 2, PROXY").isEqualTo(0x21);
        int family = data.readUnsignedByte();
        int length = data.readUnsignedShort();
        byte[] block = new byte[length];
        data.readFully(block);
        assertThat(family).as("TCP over IPv4").isEqualTo(0x11);
        String src = InetAddress.getByAddress(java.util.Arrays.copyOfRange(block, 0, 4)).getHostAddress();
        String dst = InetAddress.getByAddress(java.util.Arrays.copyOfRange(block, 4, 8)).getHostAddress();
        int srcPort = ((block[8] & 0xff) << 8) | (block[9] & 0xff);
        int dstPort = ((block[10] & 0xff) << 8) | (block[11] & 0xff);
        return new Header(src, srcPort, dst, dstPort);
    }

    @ParameterizedTest
    @EnumSource(value = SendProxy.class, names = {"V1", "V2"})
    void aTcpServerSeesTheClientAddressAndPortInTheHeader(SendProxy version) throws Exception {
        Queue<Header> seen = new ConcurrentLinkedQueue<>();
        RawTcpServer backend = server(s -> {
            seen.add(readHeader(s.getInputStream()));
            RawTcpServer.echo(s);
        });
        InetSocketAddress address = startTcp(backend, version, false);
        try (Socket s = new Socket(address.getAddress(), address.getPort())) {
            s.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput();
            assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("hello");
            assertThat(seen).containsExactly(new Header("127.0.0.1", s.getLocalPort(), "127.0.0.1", address.getPort()));
        }
    }

    @Test
    void aTcpListenerBehindABalancerPassesTheRealClientOn() throws Exception {
        Queue<Header> seen = new ConcurrentLinkedQueue<>();
        RawTcpServer backend = server(s -> {
            seen.add(readHeader(s.getInputStream()));
            RawTcpServer.echo(s);
        });
        InetSocketAddress address = startTcp(backend, SendProxy.V2, true);
        try (Socket s = new Socket(address.getAddress(), address.getPort())) {
            s.getOutputStream().write("PROXY TCP4 198.51.100.7 203.0.113.1 40000 5432\r\nhi"
                    .getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput();
            assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("hi");
        }
        assertThat(seen).containsExactly(new Header("198.51.100.7", 40000, "203.0.113.1", 5432));
    }

    @Test
    void aTcpConnectionWithABadHeaderIsClosedBeforeAnyServerIsAsked() throws Exception {
        AtomicInteger connections = new AtomicInteger();
        RawTcpServer backend = server(s -> connections.incrementAndGet());
        InetSocketAddress address = startTcp(backend, SendProxy.OFF, true);
        try (Socket s = new Socket(address.getAddress(), address.getPort())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
        assertThat(connections).hasValue(0);
        awaitListenerConnections("tcp", 0);
    }

    @Test
    void anHttpListenerBehindABalancerForwardsTheRealClient() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 8, origin).acceptProxy().start();
        try (RawHttpClient c = RawHttpClient.connect(proxy.address())) {
            c.send("PROXY TCP4 192.0.2.44 192.0.2.1 51000 80\r\nGET /a HTTP/1.1\r\nHost: example\r\n\r\n");
            assertThat(c.readResponse().status()).isEqualTo(200);
            c.send("GET /b HTTP/1.1\r\nHost: example\r\n\r\n");
            assertThat(c.readResponse().status()).isEqualTo(200);
        }
        assertThat(origin.requests()).extracting(r -> r.header("X-Forwarded-For"))
                .containsExactly("192.0.2.44", "192.0.2.44");
    }

    @Test
    void anHttpConnectionWithoutAHeaderIsClosedUnanswered() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 8, origin).acceptProxy().start();
        try (RawHttpClient c = RawHttpClient.connect(proxy.address())) {
            c.send("GET / HTTP/1.1\r\nHost: example\r\n\r\n");
            assertThat(c.readUntilClosed(Duration.ofSeconds(10))).isEmpty();
        }
        assertThat(origin.requests()).isEmpty();
        awaitListenerConnections(ProxyFixture.LISTENER, 0);
    }

    /**
     * Keep-alive HTTP behind a PROXY header: answers "source-of-header conn#N" on each request of a connection.
     */
    private RawTcpServer proxiedHttpServer(AtomicInteger connections) throws IOException {
        return server(s -> {
            Header header = readHeader(s.getInputStream());
            int n = connections.incrementAndGet();
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            while (RawTcpServer.readRequestHead(in)) {
                byte[] body = (header.source() + " conn#" + n).getBytes(StandardCharsets.US_ASCII);
                out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
            }
        });
    }

    private RawResponse get(InetAddress from) throws IOException {
        try (Socket s = new Socket(proxy.address().getAddress(), proxy.address().getPort(), from, 0);
             RawHttpClient c = RawHttpClient.over(s)) {
            c.send("GET / HTTP/1.1\r\nHost: example\r\n\r\n");
            RawResponse first = c.readResponse();
            c.send("GET / HTTP/1.1\r\nHost: example\r\n\r\n");
            assertThat(c.readResponse().bodyText()).isEqualTo(first.bodyText());
            return first;
        }
    }

    @Test
    void httpServerConnectionsArePooledPerClientAddress() throws Exception {
        AtomicInteger connections = new AtomicInteger();
        RawTcpServer backend = proxiedHttpServer(connections);
        // one event loop: pools are per loop, and a client's next connection may land on another one
        proxy.setup().workers(1).cluster("web", 1, backend.address())
                .clusterConfig("web", c -> withSendProxy(c, SendProxy.V1)).start();
        InetAddress one = InetAddress.getByName("127.0.0.1");
        InetAddress two = InetAddress.getByName("127.0.0.2");

        String first = get(one).bodyText();
        assertThat(first).startsWith("127.0.0.1:").endsWith(" conn#1");
        // a second connection of the same client reuses the server connection (its header named the first one)
        assertThat(get(one).bodyText()).isEqualTo(first);
        // another client gets its own; with max_connections 1 the first client's idle one gives up its slot
        assertThat(get(two).bodyText()).startsWith("127.0.0.2:").endsWith(" conn#2");
        assertThat(get(one).bodyText()).startsWith("127.0.0.1:").endsWith(" conn#3");

        JsonNode server = ProxyFixture.server(proxy.stats(), "web", ProxyFixture.hostPort(backend.address()).toString());
        assertThat(server.get("requests").asLong()).isEqualTo(8);
        assertThat(server.get("connects").asLong()).isEqualTo(3);
        assertThat(server.get("reuse_ratio").asDouble()).isEqualTo(2.67);
        assertThat(server.get("closes").get("other_client").asLong()).isEqualTo(2);
    }

    private static ClusterConfig withSendProxy(ClusterConfig c, SendProxy send) {
        List<ServerConfig> servers = c.servers().stream()
                .map(s -> new ServerConfig(s.address(), s.weight(), s.maxConnections(), send)).toList();
        return new ClusterConfig(c.name(), c.balance(), servers, c.pool(), c.timeouts(), c.hashOn(), c.health(),
                c.outlier(), c.slowStart(), c.queue(), c.retryBudget());
    }

    private void awaitListenerConnections(String listener, long expected) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        long now = -1;
        while (System.nanoTime() < deadline) {
            now = ProxyFixture.listener(proxy.statsNow(), listener).get("connections").asLong();
            if (now == expected) {
                return;
            }
            Thread.sleep(20);
        }
        assertThat(now).as("open connections of listener " + listener).isEqualTo(expected);
    }
}
