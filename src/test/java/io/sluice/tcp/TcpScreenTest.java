package io.sluice.tcp;

import io.sluice.config.AdminConfig;
import io.sluice.config.Balance;
import io.sluice.config.Cidr;
import io.sluice.config.ClusterConfig;
import io.sluice.config.ClusterTimeouts;
import io.sluice.config.HostPort;
import io.sluice.config.ListenerConfig;
import io.sluice.config.ListenerLimits;
import io.sluice.config.ListenerTimeouts;
import io.sluice.config.PoolConfig;
import io.sluice.config.Protocol;
import io.sluice.config.ScreenConfig;
import io.sluice.config.ServerConfig;
import io.sluice.config.SluiceConfig;
import io.sluice.config.SocketOptions;
import io.sluice.config.Transport;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The screen on a tcp listener: a refused client is closed and its server never gets a connection. */
@IntegrationTest
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TcpScreenTest {
    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();
    private final AtomicInteger sessions = new AtomicInteger();
    private RawTcpServer backend;

    @AfterEach
    void stop() throws IOException {
        assertThat(backend.failures).isEmpty();
        backend.close();
    }

    private InetSocketAddress start(ScreenConfig screen) throws IOException {
        backend = new RawTcpServer(s -> {
            sessions.incrementAndGet();
            RawTcpServer.echo(s);
        });
        ClusterConfig cluster = new ClusterConfig("db", Balance.ROUND_ROBIN,
                List.of(new ServerConfig(ProxyFixture.hostPort(backend.address()), 1, 100)),
                PoolConfig.DEFAULTS, ClusterTimeouts.DEFAULTS);
        ListenerConfig listener = new ListenerConfig("tcp", new HostPort("127.0.0.1", 0), Protocol.TCP, 1000,
                List.of(), "db", ListenerTimeouts.DEFAULTS, ListenerLimits.DEFAULTS, SocketOptions.DEFAULTS, true,
                false, screen, null);
        proxy.start(new SluiceConfig(ProxyFixture.workers(), Transport.AUTO, List.of(listener), List.of(cluster),
                new AdminConfig(new HostPort("127.0.0.1", 0))));
        return proxy.sluice().listenerAddress("tcp");
    }

    private static String roundTrip(Socket s, String text) throws IOException {
        s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
        byte[] got = s.getInputStream().readNBytes(text.length());
        return new String(got, StandardCharsets.US_ASCII);
    }

    private static void assertClosedWithoutBytes(Socket s) throws IOException {
        s.setSoTimeout(5000);
        InputStream in = s.getInputStream();
        try {
            s.getOutputStream().write('x');
            assertThat(in.read()).isEqualTo(-1);
        } catch (IOException reset) {
            // reset by the proxy: closed as well
        }
    }

    @Test
    void deniedClientNeverReachesTheServer() throws IOException {
        InetSocketAddress address = start(new ScreenConfig(List.of(), List.of(Cidr.parse("127.0.0.0/8")), 0, null,
                null, ScreenConfig.DEFAULT_TRACKED_CLIENTS));
        try (Socket s = new Socket(address.getAddress(), address.getPort())) {
            assertClosedWithoutBytes(s);
        }
        assertThat(sessions).hasValue(0);
        assertThat(ProxyFixture.listener(proxy.statsNow(), "tcp").get("denied").asLong()).isEqualTo(1);
    }

    @Test
    void sessionsPerClientAreLimited() throws IOException {
        InetSocketAddress address = start(new ScreenConfig(List.of(), List.of(), 1, null, null,
                ScreenConfig.DEFAULT_TRACKED_CLIENTS));
        try (Socket first = new Socket(address.getAddress(), address.getPort())) {
            assertThat(roundTrip(first, "hello")).isEqualTo("hello");
            try (Socket second = new Socket(address.getAddress(), address.getPort())) {
                assertClosedWithoutBytes(second);
            }
        }
        assertThat(ProxyFixture.listener(proxy.statsNow(), "tcp").get("client_limited").asLong()).isEqualTo(1);
    }
}
