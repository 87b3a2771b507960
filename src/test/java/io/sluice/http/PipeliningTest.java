package io.sluice.http;

import io.sluice.testing.BodyPattern;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.RawHttpClient;
import io.sluice.testing.RawResponse;
import io.sluice.testing.TestOrigin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pipelined requests on one client connection are all answered, in request order, each with exactly its own bytes:
 * nothing lost, duplicated or interleaved, even when a slow request sits in the middle and when the requests
 * arrive in awkward fragments.
 */
@IntegrationTest
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PipeliningTest {
    private static final String PIPELINE =
            "GET /size/100?n=1 HTTP/1.1\r\nHost: t\r\n\r\n"
            + "HEAD /size/200?n=2 HTTP/1.1\r\nHost: t\r\n\r\n"
            + "POST /echo?n=3 HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello"
            + "GET /chunked/3000?n=4 HTTP/1.1\r\nHost: t\r\n\r\n"
            + "GET /delay/150/size/10?n=5 HTTP/1.1\r\nHost: t\r\n\r\n"
            + "GET /status/204?n=6 HTTP/1.1\r\nHost: t\r\n\r\n"
            + "PUT /echo?n=7 HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
            + "GET /size/50?n=8 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";

    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.start(origin);
        try (RawHttpClient c = proxy.connect()) {
            c.send(PIPELINE);
            readAll(c);
        }
        assertThat(origin.requests()).hasSize(8);
    }

    @Test
    void pipelinedRequestsSplitIntoSmallFragments() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.start(origin);
        byte[] bytes = PIPELINE.getBytes(StandardCharsets.ISO_8859_1);
        try (RawHttpClient c = proxy.connect()) {
            for (int off = 0; off < bytes.length; off += 7) {
                c.output().write(bytes, off, Math.min(7, bytes.length - off));
                c.output().flush();
            }
            readAll(c);
        }
    }

    @Test
    void nothingAfterConnectionCloseIsForwarded() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.start(origin);
        try (RawHttpClient c = proxy.connect()) {
            c.send("GET /size/10?n=1 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
                    + "GET /size/10?n=2 HTTP/1.1\r\nHost: t\r\n\r\n");
            RawResponse r = c.readResponse();
            assertThat(r.header("X-Target")).isEqualTo("/size/10?n=1");
            assertThat(r.hasToken("Connection", "close")).isTrue();
            assertThat(c.closedByPeer(Duration.ofSeconds(5))).as("no second response").isTrue();
        }
        assertThat(origin.requests()).extracting(TestOrigin.Request::target).containsExactly("/size/10?n=1");
    }

    private static void readAll(RawHttpClient c) throws Exception {
        List<String> methods = List.of("GET", "HEAD", "POST", "GET", "GET", "GET", "PUT", "GET");
        for (int i = 0; i < methods.size(); i++) {
            RawResponse r = c.readResponse(methods.get(i));
            int n = i + 1;
            assertThat(r.header("X-Target")).as("response %d: %s", n, r).endsWith("?n=" + n);
            assertThat(r.complete()).isTrue();
            switch (n) {
                case 1 -> assertPattern(r, 100);
                case 2 -> {
                    assertThat(r.header("Content-Length")).isEqualTo("200");
                    assertThat(r.body()).isEmpty();
                }
                case 3 -> assertThat(r.bodyText()).isEqualTo("hello");
                case 4 -> assertPattern(r, 3000);
                case 5 -> assertPattern(r, 10);
                case 6 -> {
                    assertThat(r.status()).isEqualTo(204);
                    assertThat(r.body()).isEmpty();
                }
                case 7 -> assertThat(r.bodyText()).isEqualTo("abc");
                case 8 -> {
                    assertPattern(r, 50);
                    assertThat(r.hasToken("Connection", "close")).isTrue();
                }
                default -> throw new AssertionError();
            }
        }
        assertThat(c.closedByPeer(Duration.ofSeconds(5))).as("closed after the last, with no stray bytes").isTrue();
    }

    private static void assertPattern(RawResponse r, int size) {
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).hasSize(size);
        assertThat(BodyPattern.firstMismatch(r.body())).isEqualTo(-1);
    }
}
