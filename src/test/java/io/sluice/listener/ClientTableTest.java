package io.sluice.listener;

import io.sluice.config.RateLimit;
import io.sluice.config.ScreenConfig;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ClientTableTest {
    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    private static ClientTable table(int perClient, RateLimit connectRate, int tracked) {
        return new ClientTable(new ScreenConfig(List.of(), List.of(), perClient, connectRate, null, tracked));
    }

    @Test
    void connectionsAreCountedPerClient() throws Exception {
        ClientTable t = table(2, null, 1024);
        ClientState a = t.open(ip("192.0.2.1"), 0);
        assertThat(t.open(ip("192.0.2.1"), 0)).isSameAs(a);
        assertThat(t.open(ip("192.0.2.1"), 0)).isNull();
        assertThat(t.open(ip("192.0.2.2"), 0)).isNotNull().isNotSameAs(a);
        t.close(a);
        assertThat(t.open(ip("192.0.2.1"), 0)).isSameAs(a);
    }

    @Test
    void anIpv6ClientIsItsSlash64() throws Exception {
        ClientTable t = table(1, null, 1024);
        assertThat(t.open(ip("2001:db8:1:2::1"), 0)).isNotNull();
        assertThat(t.open(ip("2001:db8:1:2:ffff::9"), 0)).as("same /64").isNull();
        assertThat(t.open(ip("2001:db8:1:3::1"), 0)).as("next /64").isNotNull();
    }

    @Test
    void connectRateIsPerClient() throws Exception {
        ClientTable t = table(0, new RateLimit(2, 60, 2), 1024);
        assertThat(t.open(ip("192.0.2.1"), 0)).isNotNull();
        assertThat(t.open(ip("192.0.2.1"), 0)).isNotNull();
        assertThat(t.open(ip("192.0.2.1"), 0)).isNull();
        assertThat(t.open(ip("192.0.2.2"), 0)).isNotNull();
        assertThat(t.open(ip("192.0.2.1"), 30_000_000_000L)).isNotNull();
    }

    @Test
    void boundedForgettingClientsWithoutConnections() throws Exception {
        ClientTable t = table(0, new RateLimit(1, 3600, 1), 16);
        for (int i = 0; i < 10_000; i++) {
            ClientState s = t.open(ip("10.0." + (i >> 8) + "." + (i & 255)), 0);
            t.close(s);
        }
        assertThat(t.size()).isLessThanOrEqualTo(16 + 16);
    }

    @Test
    void clientsHoldingConnectionsDoNotStopIdleOnesFromBeingForgotten() throws Exception {
        ClientTable t = table(0, new RateLimit(1, 3600, 1), 64);
        for (int i = 0; i < 200; i++) {
            assertThat(t.open(ip("10.2.0." + i), 0)).as("held open").isNotNull();
        }
        for (int i = 0; i < 50_000; i++) {
            ClientState s = t.open(ip("10.3." + (i >> 8) + "." + (i & 255)), 0);
            t.close(s);
        }
        assertThat(t.size()).isLessThanOrEqualTo(200 + 64);
    }

    @Test
    void clientsHoldingConnectionsAreNeverForgotten() throws Exception {
        ClientTable t = table(1, null, 16);
        for (int i = 0; i < 200; i++) {
            assertThat(t.open(ip("10.1.0." + i), 0)).isNotNull();
        }
        assertThat(t.size()).isEqualTo(200);
        for (int i = 0; i < 200; i++) {
            assertThat(t.open(ip("10.1.0." + i), 0)).as("still counted").isNull();
        }
    }
}
