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

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * HTTP/1.0 clients: keep-alive only when asked for with {@code Connection: keep-alive} (and then confirmed); never
 * a chunked response (a chunked server response is de-chunked and the connection closed after it); the server side
 * still gets HTTP/1.1 keep-alive.
 */
@IntegrationTest
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class Http10ClientTest {
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();

    @Test
    void withoutKeepAliveTheConnectionClosesAfterTheResponse() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.start(origin);
        try (RawHttpClient c = proxy.connect()) {
            c.send("GET /size/100 HTTP/1.0\r\nHost: t\r\n\r\n");
            RawResponse r = c.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).hasSize(100);
            assertThat(BodyPattern.firstMismatch(r.body())).isEqualTo(-1);
            assertThat(r.hasToken("Connection", "keep-alive")).isFalse();
            assertThat(c.closedByPeer(CLOSE_WAIT)).isTrue();
        }
        TestOrigin.Request req = origin.lastRequest();
        assertThat(req.version()).isEqualTo("HTTP/1.1");
        assertThat(req.headers("Connection")).isEmpty();
    }

    @Test
    void keepAliveWhenAskedFor() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.start(origin);
        try (RawHttpClient c = proxy.connect()) {
            for (int i = 0; i < 3; i++) {
                c.send("GET /size/" + (100 + i) + " HTTP/1.0\r\nHost: t\r\nConnection: keep-alive\r\n\r\n");
                RawResponse r = c.readResponse();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.hasToken("Connection", "keep-alive")).as("%s", r).isTrue();
                assertThat(r.header("Content-Length")).isEqualTo(Integer.toString(100 + i));
                assertThat(r.body()).hasSize(100 + i);
            }
            c.send("GET /size/7 HTTP/1.0\r\nHost: t\r\n\r\n");
            RawResponse last = c.readResponse();
            assertThat(last.body()).hasSize(7);
            assertThat(c.closedByPeer(CLOSE_WAIT)).isTrue();
        }
        for (TestOrigin.Request req : origin.requests()) {
            assertThat(req.headers("Connection")).isEmpty();
            assertThat(req.headers("Keep-Alive")).isEmpty();
        }
    }

    @Test
    void chunkedServerResponseIsDechunkedAndTheConnectionClosed() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.start(origin);
        try (RawHttpClient c = proxy.connect()) {
            c.send("GET /chunked/50000 HTTP/1.0\r\nHost: t\r\nConnection: keep-alive\r\n\r\n");
            RawResponse r = c.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.hasHeader("Transfer-Encoding")).as("HTTP/1.0 has no chunked coding").isFalse();
            assertThat(r.framing()).isIn(RawResponse.Framing.UNTIL_CLOSE, RawResponse.Framing.CONTENT_LENGTH);
            assertThat(r.complete()).isTrue();
            assertThat(r.body()).hasSize(50000);
            assertThat(BodyPattern.firstMismatch(r.body())).isEqualTo(-1);
            if (r.framing() == RawResponse.Framing.UNTIL_CLOSE) {
                assertThat(r.hasToken("Connection", "keep-alive")).isFalse();
                assertThat(r.hasToken("Connection", "close")).as("Sluice says it will close").isTrue();
            } else {
                assertThat(c.closedByPeer(CLOSE_WAIT)).isTrue();
            }
        }
    }

    @Test
    void headOfAChunkedResourceCarriesNoTransferEncoding() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.start(origin);
        try (RawHttpClient c = proxy.connect()) {
            for (String target : new String[] {"/chunked/5000?first", "/chunked/6000?second"}) {
                c.send("HEAD " + target + " HTTP/1.0\r\nHost: t\r\nConnection: keep-alive\r\n\r\n");
                RawResponse r = c.readResponse("HEAD");
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.header("X-Target")).isEqualTo(target);
                assertThat(r.hasHeader("Transfer-Encoding")).as("HTTP/1.0 has no transfer coding: %s", r).isFalse();
                assertThat(r.body()).isEmpty();
            }
        }
        assertThat(origin.requests()).extracting(TestOrigin.Request::method).containsExactly("HEAD", "HEAD");
    }

    @Test
    void noInterimResponsesToHttp10Clients() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.start(origin);
        try (RawHttpClient c = proxy.connect()) {
            c.send("GET /interim HTTP/1.0\r\nHost: t\r\n\r\n");
            RawResponse r = c.readResponse();
            assertThat(r.status()).as("RFC 9110 §15.2: no 1xx to an HTTP/1.0 client").isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("final");
        }
    }

    @Test
    void closeDelimitedServerResponse() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.start(origin);
        try (RawHttpClient c = proxy.connect()) {
            c.send("GET /close-delimited/3000 HTTP/1.0\r\nHost: t\r\nConnection: keep-alive\r\n\r\n");
            RawResponse r = c.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.complete()).isTrue();
            assertThat(r.body()).hasSize(3000);
            assertThat(BodyPattern.firstMismatch(r.body())).isEqualTo(-1);
            if (r.framing() == RawResponse.Framing.CONTENT_LENGTH) {
                c.send("GET /size/5 HTTP/1.0\r\nHost: t\r\n\r\n");
                assertThat(c.readResponse().body()).hasSize(5);
            }
        }
    }
}
