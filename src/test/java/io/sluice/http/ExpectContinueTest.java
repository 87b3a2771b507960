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

import java.io.InputStream;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code Expect: 100-continue}: the expectation reaches the server, the server's {@code 100 Continue} reaches the
 * client before it has sent any body byte, then the final response follows.
 */
@IntegrationTest
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ExpectContinueTest {
    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();

    @Test
    void continueIsRelayedBeforeTheBodyIsSent() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.start(origin);
        try (RawHttpClient c = proxy.connect()) {
            c.timeout(Duration.ofSeconds(5));
            c.send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 11\r\n\r\n");
            RawResponse interim = c.readResponse("POST");
            assertThat(interim.status()).as("interim response before any body byte").isEqualTo(100);
            assertThat(interim.body()).isEmpty();
            c.send("hello world");
            RawResponse r = c.readResponse("POST");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("hello world");
            c.send(RawHttpClient.request("GET", "/size/4", "Host: t"));
            assertThat(c.readResponse().header("X-Target")).isEqualTo("/size/4");
        }
        TestOrigin.Request req = origin.requests().get(0);
        assertThat(req.headers("Expect")).containsExactly("100-continue");
        assertThat(req.bodyText()).isEqualTo("hello world");
    }

    @Test
    void largeUploadAfterContinue() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.start(origin);
        long n = 2 * 1024 * 1024;
        try (RawHttpClient c = proxy.connect(); InputStream body = BodyPattern.stream(n)) {
            c.timeout(Duration.ofSeconds(5));
            c.send("PUT /sink HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: " + n + "\r\n\r\n");
            assertThat(c.readResponse("PUT").status()).isEqualTo(100);
            body.transferTo(c.output());
            c.output().flush();
            RawResponse r = c.readResponse("PUT");
            assertThat(r.bodyText()).isEqualTo(n + " " + BodyPattern.sha256(n));
        }
    }
}
