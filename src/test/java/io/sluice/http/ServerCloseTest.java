package io.sluice.http;

import io.sluice.testing.BodyPattern;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.RawHttpClient;
import io.sluice.testing.RawResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A server that closes during a response: before the head → 502; after the head was passed on → the client
 * connection is closed, so the client sees a truncated body and never a response that looks complete. A
 * close-delimited response (a legitimate close) arrives whole.
 */
@IntegrationTest
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ServerCloseTest {
    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();

    @Test
    void closeBeforeAnyResponseIs502() throws Exception {
        proxy.start(proxy.origin());
        ServerFaults.assertGeneratedError(proxy.get("/close-no-response"), 502);
        ServerFaults.assertNewConnectionWorks(proxy);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/close-mid-body", "/chunked-cut"})
    void closeMidBodyClosesTheClientConnection(String path) throws Exception {
        proxy.start(proxy.origin());
        try (RawHttpClient c = proxy.connect()) {
            c.send(RawHttpClient.request("GET", path, "Host: t"));
            RawResponse r = c.readResponse();
            if (r.status() == 502) {
                ServerFaults.assertGeneratedError(r, 502);       // allowed: nothing had been sent yet
            } else {
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.complete()).as("the client must see the truncation: %s", r).isFalse();
                assertThat(r.body()).hasSizeLessThan(1000);
            }
            assertThat(c.closedByPeer(Duration.ofSeconds(5))).isTrue();
        }
        ServerFaults.assertNewConnectionWorks(proxy);
    }

    @Test
    void closeDelimitedResponseArrivesWhole() throws Exception {
        proxy.start(proxy.origin());
        try (RawHttpClient c = proxy.connect()) {
            c.send(RawHttpClient.request("GET", "/close-delimited/100000", "Host: t"));
            RawResponse r = c.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.complete()).isTrue();
            assertThat(r.body()).hasSize(100_000);
            assertThat(BodyPattern.firstMismatch(r.body())).isEqualTo(-1);
            if (r.framing() != RawResponse.Framing.UNTIL_CLOSE) {
                c.send(RawHttpClient.request("GET", "/size/5", "Host: t"));
                assertThat(c.readResponse().header("X-Target")).isEqualTo("/size/5");
            }
        }
        ServerFaults.assertNewConnectionWorks(proxy);
    }
}
