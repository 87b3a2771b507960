package io.sluice.tcp;

import io.netty.channel.socket.ChannelInputShutdownEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.sluice.tcp.ReaderHarness.LOCAL;
import static io.sluice.tcp.ReaderHarness.REMOTE;
import static io.sluice.tcp.ReaderHarness.ascii;
import static io.sluice.tcp.ReaderHarness.inet;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class ProxyHeaderReaderTest {
    private static final String FULL_IPV6 = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
    /** The spec's longest version 1 header: 107 bytes. */
    private static final String LONGEST_V1 = "PROXY UNKNOWN " + FULL_IPV6 + " " + FULL_IPV6 + " 65535 65535\r\n";

    private final ReaderHarness h = new ReaderHarness();

    // ---- accepted headers

    @Test
    void v1Tcp4() {
        h.writeEach(ascii("PROXY TCP4 192.0.2.1 198.51.100.2 51000 443\r\n"));
        assertAccepted(inet("192.0.2.1", 51000), inet("198.51.100.2", 443));
    }

    @Test
    void v1Tcp4WithExtremePorts() {
        h.writeEach(ascii("PROXY TCP4 0.0.0.0 255.255.255.255 0 65535\r\n"));
        assertAccepted(inet("0.0.0.0", 0), inet("255.255.255.255", 65535));
    }

    @Test
    void v1Tcp6() {
        h.writeEach(ascii("PROXY TCP6 2001:db8::1 ::1 51000 443\r\n"));
        assertAccepted(inet("2001:db8::1", 51000), inet("::1", 443));
    }

    @Test
    void v1Tcp6InFullUppercaseForm() {
        h.writeEach(ascii("PROXY TCP6 2001:0DB8:0:0:0:0:0:0001 0:0:0:0:0:0:0:1 1 2\r\n"));
        assertAccepted(inet("2001:db8::1", 1), inet("::1", 2));
    }

    @Test
    void v1Tcp6WithIpv4MappedAddressGivesTheIpv4Address() {
        h.writeEach(ascii("PROXY TCP6 ::ffff:192.0.2.1 2001:db8::2 1 2\r\n"));
        assertAccepted(inet("192.0.2.1", 1), inet("2001:db8::2", 2));
    }

    @Test
    void v1UnknownGivesTheConnectionsOwnAddresses() {
        h.writeEach(ascii("PROXY UNKNOWN\r\n"));
        assertAccepted(REMOTE, LOCAL);
    }

    @Test
    void v1UnknownIgnoresTheRestOfTheLine() {
        h.writeEach(ascii(LONGEST_V1));
        assertThat(LONGEST_V1).hasSize(107);
        assertAccepted(REMOTE, LOCAL);
    }

    @Test
    void v2Ipv4() {
        h.writeEach(v2(0x21, 0x11, hex("c0000201 c6336402 c738 01bb")));
        assertAccepted(inet("192.0.2.1", 51000), inet("198.51.100.2", 443));
    }

    @Test
    void v2Ipv6() {
        h.writeEach(v2(0x21, 0x21, hex("20010db8000000000000000000000001 00000000000000000000000000000001 c738 01bb")));
        assertAccepted(inet("2001:db8::1", 51000), inet("::1", 443));
    }

    @Test
    void v2LocalGivesTheConnectionsOwnAddresses() {
        h.writeEach(v2(0x20, 0x00, new byte[0]));
        assertAccepted(REMOTE, LOCAL);
    }

    @Test
    void v2LocalIgnoresItsAddressBlock() {
        h.writeEach(v2(0x20, 0x11, hex("c0000201 c6336402 c738 01bb")));
        assertAccepted(REMOTE, LOCAL);
    }

    @Test
    void v2ProxyWithUnspecifiedFamilyGivesTheConnectionsOwnAddresses() {
        h.writeEach(v2(0x21, 0x00, hex("0102030405")));
        assertAccepted(REMOTE, LOCAL);
    }

    @Test
    void v2TlvsAreSkipped() {
        // PP2_TYPE_AUTHORITY "example.com", then PP2_TYPE_NOOP of 3 bytes
        byte[] tlvs = concat(hex("02000b"), ascii("example.com"), hex("040003 000000"));
        h.writeEach(v2(0x21, 0x11, concat(hex("c0000201 c6336402 c738 01bb"), tlvs), ascii("GET")));
        assertAccepted(inet("192.0.2.1", 51000), inet("198.51.100.2", 443), "read GET", "readComplete",
                "readComplete");
    }

    @Test
    void v2AtTheLengthBoundIsAccepted() {
        byte[] padding = new byte[ProxyHeaderParser.V2_MAX_ADDRESSES - 12];
        padding[0] = 0x04;    // PP2_TYPE_NOOP filling the rest of the block
        padding[1] = (byte) ((padding.length - 3) >> 8);
        padding[2] = (byte) (padding.length - 3);
        h.writeEach(v2(0x21, 0x11, concat(hex("c0000201 c6336402 c738 01bb"), padding)));
        assertAccepted(inet("192.0.2.1", 51000), inet("198.51.100.2", 443));
    }

    // ---- arrival: pieces, bytes after the header, reads asked for

    @Test
    void v1OneByteAtATime() {
        byte[] header = ascii("PROXY TCP6 2001:db8::1 2001:db8::2 51000 443\r\n");
        h.writeBytewise(Arrays.copyOf(header, header.length - 1));
        assertThat(h.recorder.events).isEmpty();
        assertThat(h.channel.isOpen()).isTrue();
        h.writeEach(new byte[] {'\n'});
        assertAccepted(inet("2001:db8::1", 51000), inet("2001:db8::2", 443));
        // one read on activation and one after each incomplete piece; none once the header was in
        assertThat(h.reads()).isEqualTo(header.length);
    }

    @Test
    void v2OneByteAtATime() {
        byte[] header = v2(0x21, 0x21, hex("20010db8000000000000000000000001 00000000000000000000000000000001 c738 01bb"));
        h.writeBytewise(Arrays.copyOf(header, header.length - 1));
        assertThat(h.recorder.events).isEmpty();
        h.writeEach(new byte[] {header[header.length - 1]});
        assertAccepted(inet("2001:db8::1", 51000), inet("::1", 443));
        assertThat(h.reads()).isEqualTo(header.length);
    }

    @Test
    void bytesAfterTheHeaderFollowTheEventAndActivationExactlyOnce() {
        h.writeTogether(ascii("PROXY TCP4 192.0.2.1 198.51.100.2 51000 443\r\nGET / HTTP/1.1\r\n"), ascii("Host: x\r\n"));
        // the transport's own channelReadComplete ends the read loop, after the second buffer reached the recorder
        assertAccepted(inet("192.0.2.1", 51000), inet("198.51.100.2", 443),
                "read GET / HTTP/1.1\r\n", "readComplete", "read Host: x\r\n", "readComplete");
    }

    @Test
    void bytesAfterAHeaderInPiecesArriveAsOneRead() {
        h.writeEach(ascii("PROXY TCP4 192.0.2.1 198."), ascii("51.100.2 51000 443\r"), ascii("\nhello"));
        assertAccepted(inet("192.0.2.1", 51000), inet("198.51.100.2", 443), "read hello", "readComplete",
                "readComplete");
    }

    @Test
    void withAutoReadOnTheHeaderIsReadAllTheSame() {
        ReaderHarness autoRead = new ReaderHarness(true);
        autoRead.writeEach(ascii("PROXY TCP4 192.0.2.1 "), ascii("198.51.100.2 1 2\r\nx"));
        assertThat(autoRead.recorder.events).containsExactly("proxied", "active", "read x", "readComplete",
                "readComplete");
        assertThat(autoRead.channel.finishAndReleaseAll()).isFalse();
    }

    @Test
    void otherUserEventsPassWhileTheHeaderIsAwaited() {
        h.channel.pipeline().fireUserEventTriggered("something");
        assertThat(h.recorder.events).containsExactly("event something");
    }

    // ---- refused

    static Stream<Arguments> invalid() {
        byte[] ipv4Block = hex("c0000201 c6336402 c738 01bb");
        return Stream.of(
                arguments("HTTP instead of a header", ascii("GET / HTTP/1.1\r\nHost: x\r\n\r\n")),
                arguments("garbage", hex("00ff13370d0a")),
                arguments("v1 lowercase", ascii("proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n")),
                arguments("v1 too long without CRLF", ascii("PROXY TCP4 " + "1".repeat(200))),
                arguments("v1 one byte too long", ascii("PROXY UNKNOWN " + FULL_IPV6 + " " + FULL_IPV6
                        + " 65535 655350\r\n")),
                arguments("v1 double space", ascii("PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n")),
                arguments("v1 trailing space", ascii("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n")),
                arguments("v1 tab for a space", ascii("PROXY TCP4 1.2.3.4\t5.6.7.8 1 2\r\n")),
                arguments("v1 missing port", ascii("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n")),
                arguments("v1 extra field", ascii("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n")),
                arguments("v1 unknown protocol", ascii("PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n")),
                arguments("v1 UNKNOWN glued to more", ascii("PROXY UNKNOWNX\r\n")),
                arguments("v1 protocol alone", ascii("PROXY TCP4\r\n")),
                arguments("v1 hostname for an address", ascii("PROXY TCP4 example.com 5.6.7.8 1 2\r\n")),
                arguments("v1 localhost for an address", ascii("PROXY TCP6 localhost ::1 1 2\r\n")),
                arguments("v1 octet 256", ascii("PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n")),
                arguments("v1 octet with leading zero", ascii("PROXY TCP4 1.2.3.04 5.6.7.8 1 2\r\n")),
                arguments("v1 IPv6 under TCP4", ascii("PROXY TCP4 ::1 5.6.7.8 1 2\r\n")),
                arguments("v1 IPv4 under TCP6", ascii("PROXY TCP6 1.2.3.4 ::1 1 2\r\n")),
                arguments("v1 IPv6 with zone", ascii("PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n")),
                arguments("v1 IPv6 in brackets", ascii("PROXY TCP6 [::1] ::1 1 2\r\n")),
                arguments("v1 port 65536", ascii("PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n")),
                arguments("v1 port with leading zero", ascii("PROXY TCP4 1.2.3.4 5.6.7.8 01111 2222\r\n")),
                arguments("v1 port with sign", ascii("PROXY TCP4 1.2.3.4 5.6.7.8 +1 2\r\n")),
                arguments("v1 negative port", ascii("PROXY TCP4 1.2.3.4 5.6.7.8 1 -2\r\n")),
                arguments("v1 LF without CR", ascii("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n")),
                arguments("v1 CR without LF", ascii("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX")),
                arguments("v2 bad signature", concat(hex("0d0a0d0a000d0a51554958 0a 21 11 000c"), ipv4Block)),
                arguments("v2 version 1", v2(0x11, 0x11, ipv4Block)),
                arguments("v2 version 3", v2(0x31, 0x11, ipv4Block)),
                arguments("v2 unknown command", v2(0x22, 0x11, ipv4Block)),
                arguments("v2 UDP over IPv4", v2(0x21, 0x12, ipv4Block)),
                arguments("v2 unix stream", v2(0x21, 0x31, new byte[216])),
                arguments("v2 unspecified family value", v2(0x21, 0x41, ipv4Block)),
                arguments("v2 truncated IPv4 block", v2(0x21, 0x11, Arrays.copyOf(ipv4Block, 8))),
                arguments("v2 IPv4 block under IPv6", v2(0x21, 0x21, ipv4Block)),
                arguments("v2 length over the bound", concat(ProxyHeader.V2_SIGNATURE, hex("21 11 0801"))),
                arguments("v2 TLV running past the block", v2(0x21, 0x11, concat(ipv4Block, hex("040005 0000")))),
                arguments("v2 TLV cut in its header", v2(0x21, 0x11, concat(ipv4Block, hex("0400")))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void invalidHeaderClosesTheConnection(String name, byte[] input) {
        h.writeEach(input);
        assertRefused();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void invalidHeaderInOneBytePiecesClosesTheConnection(String name, byte[] input) {
        h.writeBytewise(input);
        assertRefused();
    }

    @Test
    void v2WrongVersionIsRefusedBeforeTheAddressBlockArrives() {
        h.writeEach(concat(ProxyHeader.V2_SIGNATURE, hex("11 11 000c")));
        assertRefused();
    }

    @Test
    void v1LineWithoutCrIsRefusedAtTheLengthBound() {
        // 105 bytes may still be followed by CRLF; a 106th that is not CR cannot
        h.writeEach(ascii("PROXY UNKNOWN " + "x".repeat(ProxyHeader.V1_MAX_LENGTH - 16)));
        assertThat(h.channel.isOpen()).isTrue();
        h.writeEach(ascii("x"));
        assertRefused();
    }

    @Test
    void endOfInputMidHeaderClosesQuietly() {
        h.writeEach(ascii("PROXY TCP4 192.0.2.1"));
        // a peer's FIN closes the channel when half-closure is off
        h.channel.close();
        assertRefused();
    }

    @Test
    void endOfInputMidHeaderWithHalfClosureClosesTheConnection() {
        h.writeEach(v2(0x21, 0x11, hex("c0000201")));
        h.channel.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        assertRefused();
    }

    @Test
    void resetMidHeaderClosesQuietly() {
        h.writeEach(ascii("PROXY "));
        h.channel.pipeline().fireExceptionCaught(new IOException("Connection reset by peer"));
        assertRefused();
    }

    @Test
    void somethingOtherThanBytesClosesTheConnection() {
        h.channel.writeInbound("not bytes");
        assertRefused();
    }

    @Test
    void bytesAfterARefusalAreReleased() {
        h.writeTogether(ascii("GET / HTTP/1.1\r\n"), ascii("Host: x\r\n"));
        assertRefused();
    }

    // ---- timeout

    @Test
    void timeoutClosesAnIdleConnection() {
        h.channel.advanceTimeBy(ReaderHarness.TIMEOUT_NANOS - 1_000_000, TimeUnit.NANOSECONDS);
        h.channel.runScheduledPendingTasks();
        assertThat(h.channel.isOpen()).isTrue();
        h.channel.advanceTimeBy(2, TimeUnit.MILLISECONDS);
        h.channel.runScheduledPendingTasks();
        assertRefused();
    }

    @Test
    void timeoutClosesAConnectionWithAPartialHeader() {
        h.writeEach(ascii("PROXY TCP4 192.0.2.1 "));
        h.channel.advanceTimeBy(ReaderHarness.TIMEOUT_NANOS, TimeUnit.NANOSECONDS);
        h.channel.runScheduledPendingTasks();
        assertRefused();
    }

    @Test
    void timeoutIsCancelledOnceTheHeaderIsIn() {
        h.writeEach(ascii("PROXY UNKNOWN\r\n"));
        h.channel.advanceTimeBy(ReaderHarness.TIMEOUT_NANOS * 2, TimeUnit.NANOSECONDS);
        h.channel.runScheduledPendingTasks();
        assertThat(h.channel.isOpen()).isTrue();
        assertThat(h.recorder.events).containsExactly("proxied", "active", "readComplete");
        assertThat(h.channel.finishAndReleaseAll()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -1})
    void timeoutMustBePositive(long nanos) {
        assertThatThrownBy(() -> new ProxyHeaderReader(nanos, null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("timeoutNanos: " + nanos + " (expected: > 0)");
    }

    // ---- helpers

    /**
     * The header was accepted: the reader left, the next handler got the event, then activation, then
     * {@code more} events; the channel is open and no byte leaked.
     */
    private void assertAccepted(InetSocketAddress source, InetSocketAddress destination, String... more) {
        assertThat(h.channel.isOpen()).isTrue();
        assertThat(h.recorder.connection).isEqualTo(new ProxiedConnection(source, destination));
        String[] expected = Stream.concat(Stream.of("proxied", "active"),
                more.length == 0 ? Stream.of("readComplete") : Arrays.stream(more)).toArray(String[]::new);
        assertThat(h.recorder.events).containsExactly(expected);
        assertThat(h.readerInPipeline()).isFalse();
        assertThat(h.allReleased()).isTrue();
        assertThat(h.channel.finishAndReleaseAll()).isFalse();
    }

    /** The connection was closed without a byte sent, only its close reached the next handler, nothing leaked. */
    private void assertRefused() {
        assertThat(h.channel.isOpen()).isFalse();
        assertThat(h.recorder.events).containsExactly("inactive");
        assertThat(h.allReleased()).isTrue();
        Object sent = h.channel.readOutbound();
        assertThat(sent).isNull();
        h.channel.checkException();
    }

    /** A version 2 header with the given version-and-command and family bytes around {@code block}, then more. */
    static byte[] v2(int versionCommand, int family, byte[] block, byte[]... more) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ProxyHeader.V2_SIGNATURE);
        out.write(versionCommand);
        out.write(family);
        out.write(block.length >> 8);
        out.write(block.length);
        out.writeBytes(block);
        for (byte[] m : more) {
            out.writeBytes(m);
        }
        return out.toByteArray();
    }

    static byte[] hex(String spaced) {
        return HexFormat.of().parseHex(spaced.replace(" ", ""));
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
