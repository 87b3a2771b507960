package io.sluice.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class ClientAddressFormatTest {
    @ParameterizedTest
    @ValueSource(strings = {"0.0.0.0", "127.0.0.1", "9.10.99.100", "255.254.200.199", "10.0.100.7", "::1",
            "2001:db8:0:0:0:0:0:17"})
    void writesTheAddressTheWayTheJdkSpellsIt(String literal) throws Exception {
        InetAddress address = InetAddress.getByName(literal);
        ByteBuf out = Unpooled.buffer();
        try {
            HeadWriter.writeAddress(out, address);
            assertThat(out.toString(StandardCharsets.US_ASCII)).isEqualTo(address.getHostAddress());
        } finally {
            out.release();
        }
    }
}
