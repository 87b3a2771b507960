package io.sluice.http;

import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.RawHttpClient;
import io.sluice.testing.RawResponse;
import io.sluice.testing.TestOrigin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A server that answers with something that is not HTTP: 502, and that server connection is never reused. What
 * HTTP allows, even if unusual, is not garbage: a reason phrase with obs-text (bytes 0x80-0xFF, RFC 9112 §4) is
 * relayed.
 */
@IntegrationTest
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class GarbageServerTest {
    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();

    @ParameterizedTest
    @ValueSource(strings = {"/garbage", "/garbage-close"})
    void garbageIsA502(String path) throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 1, origin).start();
        ServerFaults.assertGeneratedError(proxy.get(path), 502);
        ServerFaults.assertNewConnectionWorks(proxy);
        assertThat(origin.requests().get(1).connection()).as("the garbage connection is not reused")
                .isNotEqualTo(origin.requests().get(0).connection());
    }

    @Test
    void obsTextReasonPhraseIsRelayed() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 1, origin).start();
        try (RawHttpClient c = proxy.connect()) {
            c.send(RawHttpClient.request("GET", "/obs-text-reason", "Host: t"));
            RawResponse r = c.readResponse();
            assertThat(r.status()).as("%s", r).isEqualTo(200);
            assertThat(r.reason()).isEqualTo("Tr\u00e8s bien");
            assertThat(r.bodyText()).isEqualTo("ok");
            c.send(RawHttpClient.request("GET", "/size/10?next", "Host: t"));
            assertThat(c.readResponse().header("X-Target")).isEqualTo("/size/10?next");
        }
        assertThat(origin.accepted()).as("the server connection was fine and reused").isEqualTo(1);
    }
}
