package io.sluice.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.config.AccessLogConfig;
import io.sluice.config.HostPort;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Access log lines: JSON that a JSON parser reads back exactly, whatever bytes a client sent; templates. */
class LineFormatTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static AccessRecord record() throws Exception {
        AccessRecord r = new AccessRecord();
        r.startMillis = 1_700_000_000_123L;
        r.listener = "web";
        r.client = new InetSocketAddress(InetAddress.getByName("10.1.2.3"), 40000);
        r.method = "GET";
        r.target = "/a?b=c".getBytes(StandardCharsets.US_ASCII);
        r.host = "example.com".getBytes(StandardCharsets.US_ASCII);
        r.protocol = "HTTP/1.1";
        r.status = 200;
        r.bytesIn = 78;
        r.bytesOut = 1234;
        r.route = "api";
        r.server = new HostPort("127.0.0.1", 9001);
        r.reused = true;
        r.retries = 1;
        r.queueNanos = 0;
        r.connectNanos = 1_234_567;
        r.firstByteNanos = 5_000_001;
        r.totalNanos = 12_345_678_901L;
        r.ended(Termination.SERVER_TIMEOUT, Termination.PHASE_HEADERS);
        return r;
    }

    private static String json(AccessRecord r) {
        StringBuilder out = new StringBuilder();
        new LineFormat(null).append(r, out);
        return out.toString();
    }

    @Test
    void everyFieldInOrder() throws Exception {
        String line = json(record());
        JsonNode n = JSON.readTree(line);
        List<String> names = new ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        assertThat(names).isEqualTo(AccessLogConfig.FIELDS);
        assertThat(n.path("time").asText()).isEqualTo("2023-11-14T22:13:20.123Z");
        assertThat(n.path("listener").asText()).isEqualTo("web");
        assertThat(n.path("client").asText()).isEqualTo("10.1.2.3:40000");
        assertThat(n.path("method").asText()).isEqualTo("GET");
        assertThat(n.path("target").asText()).isEqualTo("/a?b=c");
        assertThat(n.path("host").asText()).isEqualTo("example.com");
        assertThat(n.path("protocol").asText()).isEqualTo("HTTP/1.1");
        assertThat(n.path("status").asInt()).isEqualTo(200);
        assertThat(n.path("bytes_in").asLong()).isEqualTo(78);
        assertThat(n.path("bytes_out").asLong()).isEqualTo(1234);
        assertThat(n.path("route").asText()).isEqualTo("api");
        assertThat(n.path("server").asText()).isEqualTo("127.0.0.1:9001");
        assertThat(n.path("reused").asBoolean()).isTrue();
        assertThat(n.path("retries").asInt()).isEqualTo(1);
        assertThat(line).contains("\"queue_ms\":0.000,", "\"connect_ms\":1.234,", "\"first_byte_ms\":5.000,",
                "\"total_ms\":12345.678,");
        assertThat(n.path("term").asText()).isEqualTo("sH");
    }

    @Test
    void whatDidNotHappenIsNull() throws Exception {
        AccessRecord r = new AccessRecord();
        r.listener = "db";
        r.client = new InetSocketAddress(InetAddress.getByName("::1"), 5);
        JsonNode n = JSON.readTree(json(r));
        for (String f : List.of("method", "target", "host", "protocol", "route", "server", "first_byte_ms")) {
            assertThat(n.path(f).isNull()).as(f).isTrue();
        }
        assertThat(n.path("client").asText()).isEqualTo("[0:0:0:0:0:0:0:1]:5");
        assertThat(n.path("term").asText()).isEqualTo("--");
    }

    @Test
    void clientBytesAreEscapedAndComeBackExactly() throws Exception {
        AccessRecord r = record();
        byte[] target = new byte[256 + 4];
        for (int i = 0; i < 256; i++) {
            target[i] = (byte) i;
        }
        System.arraycopy("\"}\\\n".getBytes(StandardCharsets.US_ASCII), 0, target, 256, 4);
        r.target = target;
        r.method = "WEIRD\"\u0001";
        r.listener = "caf\u00e9 \u2603";
        String line = json(r);
        assertThat(line).as("one line of ASCII").doesNotContain("\n", "\r")
                .matches("[\\x20-\\x7e]+");
        JsonNode n = JSON.readTree(line);
        assertThat(n.path("target").asText().getBytes(StandardCharsets.ISO_8859_1)).isEqualTo(target);
        assertThat(n.path("method").asText()).isEqualTo("WEIRD\"\u0001");
        assertThat(n.path("listener").asText()).isEqualTo("caf\u00e9 \u2603");
    }

    @Test
    void templateNamesFieldsAndEscapesSpaces() throws Exception {
        AccessRecord r = record();
        r.target = "/a b\\c\u00ff".getBytes(StandardCharsets.ISO_8859_1);
        r.host = null;
        StringBuilder out = new StringBuilder();
        new LineFormat(AccessLogConfig.parseTemplate("%client %method %target %host %status %total_ms %term 100%%"))
                .append(r, out);
        assertThat(out.toString()).isEqualTo("10.1.2.3:40000 GET /a\\x20b\\x5cc\\xff - 200 12345.678 sH 100%");
    }
}
