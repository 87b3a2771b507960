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

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** Chunked bodies in both directions: forwarded chunked, decoded exactly, framing never corrupted. */
@IntegrationTest
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ChunkedTest {
    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();

    @Test
    void chunkedRequestBodyIsForwardedChunked() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.start(origin);
        try (RawHttpClient c = proxy.connect()) {
            c.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n"
                    + "5\r\nhello\r\n1;name=value\r\n \r\nA\r\n0123456789\r\n0\r\n\r\n");
            RawResponse r = c.readResponse("POST");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("hello 0123456789");
        }
        TestOrigin.Request req = origin.lastRequest();
        assertThat(req.chunked()).as("body forwarded with chunked framing").isTrue();
        assertThat(req.headers("Transfer-Encoding")).containsExactly("chunked");
        assertThat(req.headers("Content-Length")).isEmpty();
        assertThat(req.bodyText()).isEqualTo("hello 0123456789");
    }

    @Test
    void chunkedRequestArrivingInTinyPieces() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.start(origin);
        String request = "PUT /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "3\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n";
        byte[] bytes = request.getBytes(StandardCharsets.US_ASCII);
        try (RawHttpClient c = proxy.connect()) {
            for (byte b : bytes) {
                c.output().write(b);
                c.output().flush();
            }
            assertThat(c.readResponse("PUT").bodyText()).isEqualTo("abc0123456789abcdef");
            c.send(RawHttpClient.request("GET", "/size/3", "Host: t"));
            assertThat(c.readResponse().header("X-Target")).isEqualTo("/size/3");
        }
    }

    @Test
    void largeChunkedUpload() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.start(origin);
        long n = 3 * 1024 * 1024 + 11;
        try (RawHttpClient c = proxy.connect()) {
            c.send("POST /sink HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
            writeChunked(c.output(), n, 12_345);
            RawResponse r = c.readResponse("POST");
            assertThat(r.bodyText()).isEqualTo(n + " " + BodyPattern.sha256(n));
        }
        assertThat(origin.lastRequest().chunked()).isTrue();
    }

    @Test
    void chunkedResponseToHttp11Client() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.start(origin);
        try (RawHttpClient c = proxy.connect()) {
            for (String target : new String[] {"/chunked/100000", "/chunked/5000?trailer", "/chunked/1"}) {
                c.send(RawHttpClient.request("GET", target, "Host: t"));
                RawResponse r = c.readResponse();
                int size = Integer.parseInt(target.replaceAll("^/chunked/([0-9]+).*$", "$1"));
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.framing()).as("streamed chunked to an HTTP/1.1 client").isEqualTo(
                        RawResponse.Framing.CHUNKED);
                assertThat(r.complete()).isTrue();
                assertThat(r.body()).hasSize(size);
                assertThat(BodyPattern.firstMismatch(r.body())).isEqualTo(-1);
                assertThat(r.hasHeader("Content-Length")).isFalse();
            }
            c.send(RawHttpClient.request("GET", "/size/9", "Host: t"));
            assertThat(c.readResponse().body()).hasSize(9);
        }
    }

    /** Writes the first {@code n} pattern bytes as chunks of {@code chunk} bytes, then the last chunk. */
    static void writeChunked(OutputStream out, long n, int chunk) throws Exception {
        byte[] buf = new byte[chunk];
        long done = 0;
        while (done < n) {
            int len = (int) Math.min(chunk, n - done);
            BodyPattern.fill(buf, 0, len, done);
            out.write((Integer.toHexString(len) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(buf, 0, len);
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            done += len;
        }
        out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }
}
