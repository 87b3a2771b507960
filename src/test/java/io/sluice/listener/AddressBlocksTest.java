package io.sluice.listener;

import io.sluice.config.Cidr;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class AddressBlocksTest {
    private static AddressBlocks blocks(String... cidrs) {
        return new AddressBlocks(List.of(cidrs).stream().map(Cidr::parse).toList());
    }

    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    @Test
    void ipv4BlocksOfSeveralLengths() throws Exception {
        AddressBlocks b = blocks("10.0.0.0/8", "192.168.1.0/24", "203.0.113.7");
        assertThat(b.contains(ip("10.255.1.2"))).isTrue();
        assertThat(b.contains(ip("11.0.0.1"))).isFalse();
        assertThat(b.contains(ip("192.168.1.255"))).isTrue();
        assertThat(b.contains(ip("192.168.2.1"))).isFalse();
        assertThat(b.contains(ip("203.0.113.7"))).isTrue();
        assertThat(b.contains(ip("203.0.113.8"))).isFalse();
    }

    @Test
    void ipv6BlocksAndFamiliesDoNotMix() throws Exception {
        AddressBlocks b = blocks("2001:db8::/32", "::1", "fe80::/10", "0.0.0.0/0");
        assertThat(b.contains(ip("2001:db8:ffff::1"))).isTrue();
        assertThat(b.contains(ip("2001:db9::1"))).isFalse();
        assertThat(b.contains(ip("::1"))).isTrue();
        assertThat(b.contains(ip("::2"))).isFalse();
        assertThat(b.contains(ip("febf::1"))).isTrue();
        assertThat(b.contains(ip("fec0::1"))).isFalse();
        assertThat(b.contains(ip("127.0.0.1"))).as("0.0.0.0/0 covers all IPv4").isTrue();
        assertThat(blocks("0.0.0.0/0").contains(ip("::1"))).as("but no IPv6").isFalse();
    }

    @Test
    void prefixLengthsNotOnAByteBoundary() throws Exception {
        AddressBlocks b = blocks("172.16.0.0/12", "2001:db8:8000::/33");
        assertThat(b.contains(ip("172.31.255.255"))).isTrue();
        assertThat(b.contains(ip("172.32.0.0"))).isFalse();
        assertThat(b.contains(ip("2001:db8:8000::1"))).isTrue();
        assertThat(b.contains(ip("2001:db8:7fff::1"))).isFalse();
    }

    @Test
    void ipv4MappedAddressesAreIpv4() throws Exception {
        // the JDK gives a mapped address as the IPv4 one, so an IPv4 block covers a client on a dual-stack socket
        assertThat(blocks("10.0.0.0/8").contains(ip("::ffff:10.1.2.3"))).isTrue();
    }

    @Test
    void emptySet() throws Exception {
        assertThat(blocks().isEmpty()).isTrue();
        assertThat(blocks().contains(ip("10.0.0.1"))).isFalse();
    }
}
