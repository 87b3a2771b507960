package io.sluice.http;

import io.sluice.testing.ProxyFixture;
import io.sluice.testing.RawResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** Assertions shared by the server fault tests. */
final class ServerFaults {
    private ServerFaults() {
    }

    /** A generated error response: the status, a Content-Length, a short text body. */
    static void assertGeneratedError(RawResponse r, int status) {
        assertThat(r.status()).as("%s", r).isEqualTo(status);
        assertThat(r.header("Content-Length")).as("generated errors carry Content-Length").isNotNull();
        assertThat(r.hasHeader("Transfer-Encoding")).isFalse();
        assertThat(r.body()).as("a short text body").isNotEmpty().hasSizeLessThan(1024);
        assertThat(r.complete()).isTrue();
    }

    /** After a fault, a new client connection gets a right answer from a working path. */
    static void assertNewConnectionWorks(ProxyFixture proxy) throws Exception {
        RawResponse r = proxy.get("/size/10?recovered");
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(r.header("X-Target")).isEqualTo("/size/10?recovered");
        assertThat(r.body()).hasSize(10);
    }
}
