package io.sluice.cache;

import io.sluice.config.ConfigLoader;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.RawHttpClient;
import io.sluice.testing.RawResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Responses that look cacheable but are not quite what they seem: a transfer coding besides chunked, an error with
 * validators, and a large response whose first client reads slowly while others want it too.
 */
@IntegrationTest
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CacheQuirksTest {
    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();

    private AutoCloseable origin;

    @AfterEach
    void stopOrigin() throws Exception {
        if (origin != null) {
            origin.close();
        }
    }

    private void start(String authority, String listenerLines) {
        proxy.start(ConfigLoader.parse("workers: " + ProxyFixture.workers() + "\n"
                + "listeners:\n"
                + "  - name: web\n"
                + "    address: 127.0.0.1:0\n"
                + listenerLines
                + "    routes:\n"
                + "      - { match: { path_prefix: / }, cluster: o, cache: { max_object: 1MiB, lock_timeout: 20s } }\n"
                + "clusters:\n"
                + "  - { name: o, servers: [ { address: " + authority + " } ] }\n"
                + "admin: { address: 127.0.0.1:0 }\n", "test.yaml"));
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void aTransferCodingBesidesChunkedIsNotStored() throws Exception {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(gz)) {
            g.write(ascii("hello, world\n".repeat(20)));
        }
        byte[] coded = gz.toByteArray();
        ScriptedOrigin scripted = new ScriptedOrigin(head -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(ascii("HTTP/1.1 200 OK\r\nCache-Control: max-age=300\r\nContent-Type: text/plain\r\n"
                    + "Transfer-Encoding: gzip, chunked\r\n\r\n" + Integer.toHexString(coded.length) + "\r\n"));
            out.writeBytes(coded);
            out.writeBytes(ascii("\r\n0\r\n\r\n"));
            return out.toByteArray();
        });
        origin = scripted;
        start(scripted.authority(), "");
        try (RawHttpClient c = proxy.connect()) {
            for (int i = 0; i < 2; i++) {
                c.send(RawHttpClient.request("GET", "/tc", "Host: test"));
                RawResponse r = c.readResponse();
                // the payload is still gzip-coded: stored de-chunked it would have lost its coding
                assertThat(r.header("Transfer-Encoding")).isEqualTo("gzip, chunked");
                assertThat(r.header("Cache-Status")).endsWith("detail=transfer-coding");
            }
        }
    }

    @Test
    void theClientsConditionsDoNotTurnAStoredErrorInto304() throws Exception {
        ScriptedOrigin scripted = new ScriptedOrigin(head -> ascii("HTTP/1.1 404 Not Found\r\n"
                + "Cache-Control: max-age=300\r\nLast-Modified: " + CachingOrigin.LAST_MODIFIED + "\r\n"
                + "ETag: \"e\"\r\nContent-Length: 4\r\n\r\ngone"));
        origin = scripted;
        start(scripted.authority(), "");
        try (RawHttpClient c = proxy.connect()) {
            c.send(RawHttpClient.request("GET", "/gone", "Host: test"));
            assertThat(c.readResponse().status()).isEqualTo(404);
            for (String condition : new String[] {"If-None-Match: *", "If-None-Match: \"e\"",
                    "If-Modified-Since: " + CachingOrigin.LAST_MODIFIED}) {
                c.send(RawHttpClient.request("GET", "/gone", "Host: test", condition));
                RawResponse r = c.readResponse();
                assertThat(r.status()).as(condition).isEqualTo(404); // RFC 9110 §13.2.1: conditions are for 2xx
                assertThat(r.bodyText()).isEqualTo("gone");
                assertThat(r.header("Cache-Status")).startsWith("sluice; hit");
            }
        }
    }

    /**
     * The first client of a large response reads nothing: the response is stored at the server's speed all the
     * same, and a second request for it is answered from the cache at once, not after lock_timeout (20 s here).
     */
    @Test
    void aClientThatReadsSlowlyDoesNotHoldUpTheOthers() throws Exception {
        CachingOrigin caching = new CachingOrigin();
        origin = caching;
        // small socket buffers: unheld, the first client's silence would stop Sluice reading the server
        start(caching.authority(), "    socket: { send_buffer: 4KiB }\n");
        String target = "/big?cc=" + URLEncoder.encode("max-age=300", StandardCharsets.UTF_8) + "&size=900000";
        try (RawHttpClient slow = RawHttpClient.connect(proxy.address(), 2048)) {
            slow.send(RawHttpClient.request("GET", target, "Host: test"));
            io.sluice.testing.Await.until(() -> caching.requests(target) == 1, Duration.ofSeconds(10),
                    () -> "not fetched");
            try (RawHttpClient other = proxy.connect()) {
                other.timeout(Duration.ofSeconds(10)); // far below lock_timeout
                other.send(RawHttpClient.request("GET", target, "Host: test"));
                RawResponse r = other.readResponse();
                assertThat(r.body()).hasSize(900000);
                assertThat(r.header("Cache-Status")).startsWith("sluice; hit");
            }
            RawResponse first = slow.readResponse();
            assertThat(first.body()).hasSize(900000);
        }
        assertThat(caching.requests(target)).isEqualTo(1);
    }
}
