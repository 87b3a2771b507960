package io.sluice.http;

import io.sluice.testing.BodyPattern;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.RawHttpClient;
import io.sluice.testing.RawResponse;
import io.sluice.testing.TestOrigin;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Responses that have no body whatever their headers say: HEAD (with Content-Length or chunked), 204, 304 (with a
 * Content-Length, as RFC 9110 allows) and 1xx interim responses. Each is followed on the same connection by a
 * request whose answer must be exact, which fails if the proxy waited for, forwarded or invented body bytes.
 */
@IntegrationTest
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class BodilessResponseTest {
    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();
    private RawHttpClient client;

    @BeforeEach
    void start() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.start(origin);
        client = proxy.connect();
    }

    @Test
    void headWithContentLength() throws Exception {
        client.send(RawHttpClient.request("HEAD", "/size/1234", "Host: t"));
        RawResponse r = client.readResponse("HEAD");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Length")).isEqualTo("1234");
        assertNextRequestIsExact();
    }

    @Test
    void headOfAChunkedResource() throws Exception {
        client.send(RawHttpClient.request("HEAD", "/chunked/1000", "Host: t"));
        RawResponse r = client.readResponse("HEAD");
        assertThat(r.status()).isEqualTo(200);
        assertNextRequestIsExact();
    }

    @Test
    void noContent() throws Exception {
        client.send(RawHttpClient.request("GET", "/status/204", "Host: t"));
        RawResponse r = client.readResponse();
        assertThat(r.status()).isEqualTo(204);
        assertThat(r.hasHeader("Transfer-Encoding")).as("no chunked framing on 204").isFalse();
        assertThat(r.hasHeader("Content-Length")).as("no Content-Length on 204 (RFC 9110 §8.6)").isFalse();
        assertNextRequestIsExact();
    }

    @Test
    void notModifiedWithContentLength() throws Exception {
        client.send(RawHttpClient.request("GET", "/status/304", "Host: t", "If-None-Match: \"v1\""));
        RawResponse r = client.readResponse();
        assertThat(r.status()).isEqualTo(304);
        assertThat(r.header("ETag")).isEqualTo("\"v1\"");
        assertThat(r.hasHeader("Transfer-Encoding")).isFalse();
        assertNextRequestIsExact();
    }

    @Test
    void interimResponseThenFinal() throws Exception {
        client.send(RawHttpClient.request("GET", "/interim", "Host: t"));
        RawResponse r = client.readFinalResponse("GET");
        for (RawResponse interim : r.interim()) {
            assertThat(interim.status()).isEqualTo(103);
        }
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.bodyText()).isEqualTo("final");
        assertNextRequestIsExact();
    }

    private void assertNextRequestIsExact() throws Exception {
        client.send(RawHttpClient.request("GET", "/size/77?next", "Host: t"));
        RawResponse next = client.readResponse();
        assertThat(next.status()).as("%s", next).isEqualTo(200);
        assertThat(next.header("X-Target")).isEqualTo("/size/77?next");
        assertThat(next.body()).hasSize(77);
        assertThat(BodyPattern.firstMismatch(next.body())).isEqualTo(-1);
    }
}
