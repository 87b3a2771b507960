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

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 10 MiB through the proxy in each direction, verified byte for byte (streamed and digested: the test holds no
 * 10 MiB copy), with Content-Length and with chunked framing, and the connection still exact afterwards.
 */
@IntegrationTest
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LargeBodyTest {
    private static final long TEN_MIB = 10L * 1024 * 1024;

    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();

    @Test
    void download() throws Exception {
        download("/size/" + TEN_MIB, RawResponse.Framing.CONTENT_LENGTH);
    }

    @Test
    void chunkedDownload() throws Exception {
        download("/chunked/" + TEN_MIB, RawResponse.Framing.CHUNKED);
    }

    private void download(String target, RawResponse.Framing framing) throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.start(origin);
        try (RawHttpClient c = proxy.connect()) {
            c.send(RawHttpClient.request("GET", target, "Host: t"));
            RawHttpClient.Streaming s = c.readStreaming("GET");
            assertThat(s.head().status()).isEqualTo(200);
            BodyPattern.Verifier v = new BodyPattern.Verifier();
            s.body().transferTo(v);
            assertThat(s.complete()).isTrue();
            assertThat(s.response().framing()).isEqualTo(framing);
            assertThat(v.count()).isEqualTo(TEN_MIB);
            assertThat(v.firstMismatch()).as("first corrupted offset").isEqualTo(-1);
            c.send(RawHttpClient.request("GET", "/size/10?after", "Host: t"));
            assertThat(c.readResponse().header("X-Target")).isEqualTo("/size/10?after");
        }
    }

    @Test
    void upload() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.start(origin);
        try (RawHttpClient c = proxy.connect(); InputStream body = BodyPattern.stream(TEN_MIB)) {
            c.send("POST /sink HTTP/1.1\r\nHost: t\r\nContent-Length: " + TEN_MIB + "\r\n\r\n");
            body.transferTo(c.output());
            c.output().flush();
            RawResponse r = c.readResponse("POST");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo(TEN_MIB + " " + BodyPattern.sha256(TEN_MIB));
            c.send(RawHttpClient.request("GET", "/size/10?after", "Host: t"));
            assertThat(c.readResponse().header("X-Target")).isEqualTo("/size/10?after");
        }
        assertThat(origin.lastRequest().path()).isEqualTo("/size/10");
        assertThat(origin.requests().get(0).bodyLength()).isEqualTo(TEN_MIB);
        assertThat(origin.requests().get(0).headers("Content-Length")).containsExactly(Long.toString(TEN_MIB));
    }

    @Test
    void chunkedUpload() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.start(origin);
        try (RawHttpClient c = proxy.connect()) {
            c.send("POST /sink HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
            ChunkedTest.writeChunked(c.output(), TEN_MIB, 64 * 1024 + 3);
            RawResponse r = c.readResponse("POST");
            assertThat(r.bodyText()).isEqualTo(TEN_MIB + " " + BodyPattern.sha256(TEN_MIB));
        }
    }
}
