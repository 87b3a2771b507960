package io.sluice.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

import static io.sluice.tcp.ReaderHarness.inet;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProxyHeaderTest {
    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

    @Test
    void v1Tcp4() {
        assertThat(v1(inet("192.0.2.1", 51000), inet("198.51.100.2", 443)))
                .isEqualTo("PROXY TCP4 192.0.2.1 198.51.100.2 51000 443\r\n");
    }

    @Test
    void v1Tcp4ExtremeValues() {
        assertThat(v1(inet("0.0.0.0", 0), inet("255.255.255.255", 65535)))
                .isEqualTo("PROXY TCP4 0.0.0.0 255.255.255.255 0 65535\r\n");
    }

    @Test
    void v1Tcp6InCanonicalForm() {
        assertThat(v1(inet("2001:0DB8:0:0:0:0:0:1", 51000), inet("0:0:0:0:0:0:0:1", 443)))
                .isEqualTo("PROXY TCP6 2001:db8::1 ::1 51000 443\r\n");
    }

    @Test
    void v1MixedFamiliesSendTheIpv4AddressIpv4Mapped() {
        assertThat(v1(inet("192.0.2.1", 1), inet("2001:db8::2", 2)))
                .isEqualTo("PROXY TCP6 ::ffff:192.0.2.1 2001:db8::2 1 2\r\n");
        assertThat(v1(inet("2001:db8::1", 1), inet("198.51.100.2", 2)))
                .isEqualTo("PROXY TCP6 2001:db8::1 ::ffff:198.51.100.2 1 2\r\n");
    }

    @Test
    void v1LongestHeaderFitsTheBound() {
        String full = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
        String header = v1(inet(full, 65535), inet(full, 65535));
        assertThat(header).isEqualTo("PROXY TCP6 " + full + " " + full + " 65535 65535\r\n");
        assertThat(header.length()).isLessThanOrEqualTo(ProxyHeader.V1_MAX_LENGTH);
    }

    @Test
    void v2Ipv4() {
        assertThat(v2(inet("192.0.2.1", 51000), inet("198.51.100.2", 443)))
                .isEqualTo("0d0a0d0a000d0a515549540a" + "21" + "11" + "000c"
                        + "c0000201" + "c6336402" + "c738" + "01bb");
    }

    @Test
    void v2Ipv6() {
        assertThat(v2(inet("2001:db8::1", 51000), inet("::1", 443)))
                .isEqualTo("0d0a0d0a000d0a515549540a" + "21" + "21" + "0024"
                        + "20010db8000000000000000000000001" + "00000000000000000000000000000001" + "c738" + "01bb");
    }

    @Test
    void v2MixedFamiliesSendTheIpv4AddressIpv4Mapped() {
        assertThat(v2(inet("192.0.2.1", 1), inet("::1", 2)))
                .isEqualTo("0d0a0d0a000d0a515549540a" + "21" + "21" + "0024"
                        + "00000000000000000000ffffc0000201" + "00000000000000000000000000000001" + "0001" + "0002");
    }

    @Test
    void unresolvedAddressIsRefused() {
        InetSocketAddress unresolved = InetSocketAddress.createUnresolved("example.com", 80);
        InetSocketAddress resolved = inet("192.0.2.1", 1);
        assertThatThrownBy(() -> ProxyHeader.v1(ALLOC, unresolved, resolved))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("source: ");
        assertThatThrownBy(() -> ProxyHeader.v2(ALLOC, resolved, unresolved))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("destination: ");
    }

    private static String v1(InetSocketAddress source, InetSocketAddress destination) {
        return encode(ProxyHeader.v1(ALLOC, source, destination), b -> b.toString(StandardCharsets.US_ASCII));
    }

    private static String v2(InetSocketAddress source, InetSocketAddress destination) {
        return encode(ProxyHeader.v2(ALLOC, source, destination), ByteBufUtil::hexDump);
    }

    private static String encode(ByteBuf header, Function<ByteBuf, String> text) {
        try {
            return text.apply(header);
        } finally {
            header.release();
        }
    }
}
