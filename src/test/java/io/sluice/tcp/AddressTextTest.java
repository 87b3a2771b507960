package io.sluice.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class AddressTextTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "::,                                      00000000000000000000000000000000",
        "::1,                                     00000000000000000000000000000001",
        "1::,                                     00010000000000000000000000000000",
        "2001:db8::1,                             20010db8000000000000000000000001",
        "2001:DB8:0:0:0:0:0:1,                    20010db8000000000000000000000001",
        "0000:0000:0000:0000:0000:0000:0000:0001, 00000000000000000000000000000001",
        "1:2:3:4:5:6:7:8,                         00010002000300040005000600070008",
        "1::8,                                    00010000000000000000000000000008",
        "1:2:3:4:5:6::8,                          00010002000300040005000600000008",
        "::2:3:4:5:6:7:8,                         00000002000300040005000600070008",
        "::ffff:192.0.2.1,                        00000000000000000000ffffc0000201",
        "::192.0.2.1,                             000000000000000000000000c0000201",
        "1:2:3:4:5:6:192.0.2.1,                   000100020003000400050006c0000201",
        "64:ff9b::192.0.2.1,                      0064ff9b0000000000000000c0000201",
    })
    void parsesIpv6(String text, String hex) {
        byte[] out = new byte[16];
        assertThat(parseIpv6(text, out)).isTrue();
        assertThat(HexFormat.of().formatHex(out)).isEqualTo(hex);
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"", ":", ":::", "1:::2", "1::2::3", ":1::", "::1:", "1:", ":1", "1:2:3:4:5:6:7",
        "1:2:3:4:5:6:7:8:9", "1::2:3:4:5:6:7:8", "12345::", "g::", "::-1", " ::1", "::1 ", "[::1]", "fe80::1%eth0",
        "::1.2.3", "::1.2.3.4:5", "1:2:3:4:5:6:7:1.2.3.4", "::01.2.3.4", "::256.1.1.1", "1.2.3.4", "localhost"})
    void rejectsInvalidIpv6(String text) {
        assertThat(parseIpv6(text, new byte[16])).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"0.0.0.0, 00000000", "192.0.2.1, c0000201", "255.255.255.255, ffffffff", "10.0.100.0, 0a006400"})
    void parsesIpv4(String text, String hex) {
        byte[] out = new byte[4];
        assertThat(parseIpv4(text, out)).isTrue();
        assertThat(HexFormat.of().formatHex(out)).isEqualTo(hex);
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.1000", "01.2.3.4", "1.2.3.00", "1..2.3",
        "1.2.3.4.", ".1.2.3.4", "+1.2.3.4", "1.2.3.a", " 1.2.3.4", "0x1.2.3.4", "::1", "example.com"})
    void rejectsInvalidIpv4(String text) {
        assertThat(parseIpv4(text, new byte[4])).isFalse();
    }

    @ParameterizedTest(name = "\"{0}\"")
    @CsvSource({"0, 0", "1, 1", "443, 443", "65535, 65535", "'', -1", "65536, -1", "99999, -1", "123456, -1",
        "01, -1", "00, -1", "+1, -1", "-1, -1", "1a, -1", "' 1', -1"})
    void parsesPorts(String text, int port) {
        ByteBuf buf = ascii(text);
        try {
            assertThat(AddressText.parsePort(buf, 0, buf.writerIndex())).isEqualTo(port);
        } finally {
            buf.release();
        }
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "00000000000000000000000000000000, ::",
        "00000000000000000000000000000001, ::1",
        "00010000000000000000000000000000, 1::",
        "20010db8000000000000000000000001, 2001:db8::1",
        "00010000000000010000000000000001, 1:0:0:1::1",
        "00010000000000010001000000000001, 1::1:1:0:0:1",
        "00010000000100010001000100010001, 1:0:1:1:1:1:1:1",
        "20010db8000000000001000000000001, 2001:db8::1:0:0:1",
        "abcd0bcd00cd000d0000000000000000, abcd:bcd:cd:d::",
        "00000000000000000000ffffc0000201, ::ffff:192.0.2.1",
        "c0000201, 192.0.2.1",
        "00000000, 0.0.0.0",
        "ffffffff, 255.255.255.255",
    })
    void writesCanonicalText(String hex, String text) {
        assertThat(write(HexFormat.of().parseHex(hex), false)).isEqualTo(text);
    }

    @Test
    void writesIpv4AsIpv4MappedWhenAskedForIpv6() {
        assertThat(write(HexFormat.of().parseHex("c0000201"), true)).isEqualTo("::ffff:192.0.2.1");
    }

    @Test
    void writesDecimals() {
        for (int n : new int[] {0, 7, 10, 99, 100, 65535, 1_000_000}) {
            ByteBuf buf = Unpooled.buffer();
            AddressText.writeDecimal(buf, n);
            assertThat(buf.toString(StandardCharsets.US_ASCII)).isEqualTo(Integer.toString(n));
            buf.release();
        }
    }

    @Test
    void whatIsWrittenParsesBackToTheSameAddress() {
        Random random = new Random(42);
        for (int i = 0; i < 2000; i++) {
            byte[] ip = new byte[16];
            for (int w = 0; w < 8; w++) {
                // mostly zero words, so that runs of every length and position occur
                int word = random.nextInt(3) == 0 ? random.nextInt(0x10000) : 0;
                ip[w * 2] = (byte) (word >> 8);
                ip[w * 2 + 1] = (byte) word;
            }
            String text = write(ip, false);
            byte[] back = new byte[16];
            assertThat(parseIpv6(text, back)).as(text).isTrue();
            assertThat(back).as(text).isEqualTo(ip);
        }
    }

    private static boolean parseIpv6(String text, byte[] out) {
        ByteBuf buf = ascii(text);
        try {
            return AddressText.parseIpv6(buf, 0, buf.writerIndex(), out);
        } finally {
            buf.release();
        }
    }

    private static boolean parseIpv4(String text, byte[] out) {
        ByteBuf buf = ascii(text);
        try {
            return AddressText.parseIpv4(buf, 0, buf.writerIndex(), out, 0);
        } finally {
            buf.release();
        }
    }

    private static String write(byte[] ip, boolean asIpv6) {
        ByteBuf buf = Unpooled.buffer();
        try {
            AddressText.writeIp(buf, ip, asIpv6);
            return buf.toString(StandardCharsets.US_ASCII);
        } finally {
            buf.release();
        }
    }

    private static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }
}
