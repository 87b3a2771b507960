package io.sluice.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetSocketAddress;

import static io.sluice.tcp.ReaderHarness.inet;
import static org.assertj.core.api.Assertions.assertThat;

/** What {@link ProxyHeader} writes, {@link ProxyHeaderReader} reads back as the same two addresses. */
class ProxyHeaderRoundTripTest {
    @ParameterizedTest(name = "v{0} {1} -> {2}")
    @CsvSource({
        "1, 192.0.2.1,      198.51.100.2",
        "2, 192.0.2.1,      198.51.100.2",
        "1, 2001:db8::1,    2001:db8:0:1:0:0:0:2",
        "2, 2001:db8::1,    2001:db8:0:1:0:0:0:2",
        "1, 192.0.2.1,      ::1",
        "2, 192.0.2.1,      ::1",
        "1, fe80::1:2:3:4,  10.0.0.2",
        "2, fe80::1:2:3:4,  10.0.0.2",
        "1, 0.0.0.0,        ::",
        "2, 0.0.0.0,        ::",
    })
    void readerGetsWhatTheEncoderWrote(int version, String source, String destination) {
        InetSocketAddress src = inet(source, 51000);
        InetSocketAddress dst = inet(destination, 443);
        ReaderHarness h = new ReaderHarness();
        ByteBufAllocator alloc = h.channel.alloc();
        ByteBuf header = version == 1 ? ProxyHeader.v1(alloc, src, dst) : ProxyHeader.v2(alloc, src, dst);
        h.write(header);
        assertThat(h.recorder.connection).isEqualTo(new ProxiedConnection(src, dst));
        assertThat(h.recorder.events).containsExactly("proxied", "active", "readComplete");
        assertThat(h.allReleased()).isTrue();
        assertThat(h.channel.finishAndReleaseAll()).isFalse();
    }

    @ParameterizedTest(name = "v1={0}")
    @ValueSource(booleans = {true, false})
    void aLocalHeaderLeavesTheConnectionsOwnAddresses(boolean v1) {
        ReaderHarness h = new ReaderHarness();
        h.write(Unpooled.wrappedBuffer(ProxyHeader.local(v1)));
        assertThat(h.recorder.connection).isEqualTo(new ProxiedConnection(
                (InetSocketAddress) h.channel.remoteAddress(), (InetSocketAddress) h.channel.localAddress()));
        assertThat(h.channel.finishAndReleaseAll()).isFalse();
    }
}
