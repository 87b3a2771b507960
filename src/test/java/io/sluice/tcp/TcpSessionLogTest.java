package io.sluice.tcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.config.AccessLogConfig;
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
import io.sluice.testing.Await;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** TCP sessions: one access log line each, their bytes and their client close reasons in /stats. */
@IntegrationTest
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TcpSessionLogTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(5);

    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();
    @TempDir
    Path dir;
    private RawTcpServer echo;

    @AfterEach
    void stopServer() throws IOException {
        if (echo != null) {
            assertThat(echo.failures).isEmpty();
            echo.close();
        }
    }

    private Path log() {
        return dir.resolve("access.log");
    }

    private void start() throws IOException {
        echo = new RawTcpServer(RawTcpServer::echo);
        ClusterConfig db = new ClusterConfig("db", Balance.ROUND_ROBIN,
                List.of(new ServerConfig(ProxyFixture.hostPort(echo.address()), 1, 100)), PoolConfig.DEFAULTS,
                new ClusterTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(30)));
        ClusterConfig none = new ClusterConfig("none", Balance.ROUND_ROBIN,
                List.of(new ServerConfig(ProxyFixture.hostPort(ProxyFixture.deadAddress()), 1, 100)),
                PoolConfig.DEFAULTS, new ClusterTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(30)));
        ListenerTimeouts idle = new ListenerTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(30),
                Duration.ofSeconds(15), Duration.ofMillis(500), Duration.ZERO);
        ListenerConfig tcp = new ListenerConfig("tcp", new HostPort("127.0.0.1", 0), Protocol.TCP, 1000, List.of(),
                "db", idle, ListenerLimits.DEFAULTS, SocketOptions.DEFAULTS, true, false);
        ListenerConfig dead = new ListenerConfig("dead", new HostPort("127.0.0.1", 0), Protocol.TCP, 1000,
                List.of(), "none", idle, ListenerLimits.DEFAULTS, SocketOptions.DEFAULTS, true, false);
        proxy.start(new SluiceConfig(ProxyFixture.workers(), Transport.AUTO, List.of(tcp, dead), List.of(db, none),
                new AdminConfig(new HostPort("127.0.0.1", 0)), null, null, new AccessLogConfig(log(), null, 1024)));
    }

    private List<String> rawLines() {
        try {
            return Files.exists(log()) ? Files.readAllLines(log(), StandardCharsets.UTF_8) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private JsonNode lastLine(int count) throws IOException {
        Await.until(() -> rawLines().size() >= count, WAIT, () -> "lines: " + rawLines());
        return JSON.readTree(rawLines().get(count - 1));
    }

    private JsonNode listener(String name) {
        return ProxyFixture.listener(proxy.statsNow(), name);
    }

    private static boolean closed(Socket s) throws IOException {
        s.setSoTimeout((int) WAIT.toMillis());
        try {
            return s.getInputStream().read() < 0;
        } catch (IOException e) {
            return true; // reset: closed as well
        }
    }

    @Test
    void sessionsAreLoggedAndTheirClosesCounted() throws Exception {
        start();
        InetSocketAddress address = proxy.sluice().listenerAddress("tcp");
        try (Socket s = new Socket(address.getAddress(), address.getPort())) {
            s.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            assertThat(in.readNBytes(5)).isEqualTo("hello".getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput();
            assertThat(closed(s)).isTrue();
        }
        JsonNode done = lastLine(1);
        assertThat(done.path("listener").asText()).isEqualTo("tcp");
        assertThat(done.path("protocol").asText()).isEqualTo("TCP");
        assertThat(done.path("method").isNull()).isTrue();
        assertThat(done.path("status").asInt()).isZero();
        assertThat(done.path("bytes_in").asLong()).isEqualTo(5);
        assertThat(done.path("bytes_out").asLong()).isEqualTo(5);
        assertThat(done.path("route").asText()).isEqualTo("db");
        assertThat(done.path("server").asText()).isEqualTo("127.0.0.1:" + echo.address().getPort());
        assertThat(done.path("term").asText()).isEqualTo("--");

        try (Socket s = new Socket(address.getAddress(), address.getPort())) {
            assertThat(closed(s)).as("closed after tunnel_idle").isTrue();
        }
        assertThat(lastLine(2).path("term").asText()).isEqualTo("cD");

        try (Socket s = new Socket(address.getAddress(), address.getPort())) {
            s.getOutputStream().write('x');
            assertThat(s.getInputStream().read()).isEqualTo('x');
            s.setSoLinger(true, 0);
        } // a reset
        assertThat(lastLine(3).path("term").asText()).isEqualTo("CD");

        InetSocketAddress deadAddress = proxy.sluice().listenerAddress("dead");
        try (Socket s = new Socket(deadAddress.getAddress(), deadAddress.getPort())) {
            assertThat(closed(s)).as("no server: closed").isTrue();
        }
        JsonNode noServer = lastLine(4);
        assertThat(noServer.path("listener").asText()).isEqualTo("dead");
        assertThat(noServer.path("term").asText()).isEqualTo("SC");

        Await.until(() -> listener("tcp").path("closes").path("client_close").asLong() == 1
                        && listener("tcp").path("closes").path("tunnel_timeout").asLong() == 1
                        && listener("tcp").path("closes").path("reset").asLong() == 1
                        && listener("dead").path("closes").path("server_error").asLong() == 1, WAIT,
                () -> "closes: " + listener("tcp").path("closes") + " " + listener("dead").path("closes"));
        JsonNode tcp = listener("tcp");
        assertThat(tcp.path("bytes_in").asLong()).isEqualTo(6);
        assertThat(tcp.path("bytes_out").asLong()).isEqualTo(6);
        assertThat(tcp.has("routes")).as("only http listeners have routes").isFalse();
        JsonNode server = ProxyFixture.server(proxy.statsNow(), "db", "127.0.0.1:" + echo.address().getPort());
        assertThat(server.path("closes").path("client_close").asLong()).isEqualTo(2);
        assertThat(server.path("closes").path("tunnel_timeout").asLong()).isEqualTo(1);
    }
}
