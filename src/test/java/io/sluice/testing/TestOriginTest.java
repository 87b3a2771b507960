package io.sluice.testing;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Self-test of the fixtures: {@link TestOrigin} driven directly by the JDK client and by {@link RawHttpClient}. */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TestOriginTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private TestOrigin origin;
    private HttpClient jdk;

    @BeforeEach
    void start() {
        origin = TestOrigin.start("o1");
        jdk = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterEach
    void stop() {
        origin.close();
        assertThat(origin.protocolErrors()).isEmpty();
    }

    private URI uri(String path) {
        return URI.create("http://" + origin.authority() + path);
    }

    private RawHttpClient raw() throws IOException {
        return RawHttpClient.connect(origin.address());
    }

    @Test
    void sizeServesThePatternAndKeepsConnectionsAlive() throws Exception {
        for (int n : new int[] {0, 1, 100, 100_000}) {
            HttpResponse<byte[]> r = jdk.send(HttpRequest.newBuilder(uri("/size/" + n)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("X-Origin")).hasValue("o1");
            assertThat(r.headers().firstValue("X-Target")).hasValue("/size/" + n);
            assertThat(r.body()).hasSize(n);
            assertThat(BodyPattern.firstMismatch(r.body())).isEqualTo(-1);
        }
        assertThat(origin.accepted()).isEqualTo(1);
        assertThat(origin.requests()).hasSize(4);
        assertThat(origin.requests().get(3).indexOnConnection()).isEqualTo(4);
    }

    @Test
    void chunkedResponseWithTrailerIsValid() throws Exception {
        try (RawHttpClient c = raw()) {
            c.send(RawHttpClient.request("GET", "/chunked/30000?trailer", "Host: o"));
            RawResponse r = c.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.framing()).isEqualTo(RawResponse.Framing.CHUNKED);
            assertThat(r.complete()).isTrue();
            assertThat(r.body()).hasSize(30000);
            assertThat(BodyPattern.firstMismatch(r.body())).isEqualTo(-1);
            assertThat(r.trailers()).containsExactly(new TestOrigin.Header("X-Checksum", BodyPattern.sha256(30000)));
            // the connection stays usable: framing was consumed exactly
            c.send(RawHttpClient.request("GET", "/size/5", "Host: o"));
            assertThat(c.readResponse().body()).hasSize(5);
        }
    }

    @Test
    void recordsRequestsWithHeadersInOrderAndBodies() throws Exception {
        try (RawHttpClient c = raw()) {
            c.send("POST /echo?x=1 HTTP/1.1\r\nHost: a.test\r\nX-B: 2\r\nx-a: 1\r\nX-B: 3\r\n"
                    + "Content-Length: 5\r\n\r\nhello");
            RawResponse r = c.readResponse();
            assertThat(r.bodyText()).isEqualTo("hello");
            c.send("PUT /echo HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-T: t\r\n\r\n");
            assertThat(c.readResponse().bodyText()).isEqualTo("abcde");
        }
        List<TestOrigin.Request> reqs = origin.awaitRequests(2, WAIT);
        TestOrigin.Request post = reqs.get(0);
        assertThat(post.method()).isEqualTo("POST");
        assertThat(post.target()).isEqualTo("/echo?x=1");
        assertThat(post.path()).isEqualTo("/echo");
        assertThat(post.version()).isEqualTo("HTTP/1.1");
        assertThat(post.headerNames()).containsExactly("Host", "X-B", "x-a", "X-B", "Content-Length");
        assertThat(post.headers("x-b")).containsExactly("2", "3");
        assertThat(post.combined("X-B")).isEqualTo("2, 3");
        assertThat(post.bodyText()).isEqualTo("hello");
        assertThat(post.chunked()).isFalse();
        TestOrigin.Request put = reqs.get(1);
        assertThat(put.chunked()).isTrue();
        assertThat(put.bodyText()).isEqualTo("abcde");
        assertThat(put.trailers()).containsExactly(new TestOrigin.Header("X-T", "t"));
        assertThat(put.connection()).isEqualTo(post.connection());
    }

    @Test
    void expectContinueIsAnsweredBeforeTheBody() throws Exception {
        try (RawHttpClient c = raw()) {
            c.send("POST /echo HTTP/1.1\r\nHost: o\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
            RawResponse interim = c.readResponse("POST");
            assertThat(interim.status()).isEqualTo(100);
            assertThat(interim.headText()).isEqualTo("HTTP/1.1 100 Continue\r\n\r\n");
            c.send("body");
            assertThat(c.readResponse("POST").bodyText()).isEqualTo("body");
        }
        HttpResponse<String> r = jdk.send(HttpRequest.newBuilder(uri("/echo")).expectContinue(true)
                .POST(HttpRequest.BodyPublishers.ofString("jdk")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.body()).isEqualTo("jdk");
    }

    @Test
    void headAndBodilessStatuses() throws Exception {
        try (RawHttpClient c = raw()) {
            c.send(RawHttpClient.request("HEAD", "/size/1234", "Host: o"));
            RawResponse head = c.readResponse("HEAD");
            assertThat(head.header("Content-Length")).isEqualTo("1234");
            assertThat(head.body()).isEmpty();
            c.send(RawHttpClient.request("GET", "/status/204", "Host: o"));
            RawResponse noContent = c.readResponse();
            assertThat(noContent.status()).isEqualTo(204);
            assertThat(noContent.hasHeader("Content-Length")).isFalse();
            c.send(RawHttpClient.request("GET", "/status/304", "Host: o"));
            RawResponse notModified = c.readResponse();
            assertThat(notModified.status()).isEqualTo(304);
            assertThat(notModified.header("Content-Length")).isEqualTo("10");
            c.send(RawHttpClient.request("GET", "/status/503", "Host: o"));
            assertThat(c.readResponse().bodyText()).isEqualTo("status 503\n");
            c.send(RawHttpClient.request("GET", "/interim", "Host: o"));
            RawResponse fin = c.readFinalResponse("GET");
            assertThat(fin.interim()).extracting(RawResponse::status).containsExactly(103);
            assertThat(fin.bodyText()).isEqualTo("final");
        }
        assertThat(origin.accepted()).isEqualTo(1);
    }

    @Test
    void delayThenDispatchesTheRest() throws Exception {
        long t0 = System.nanoTime();
        try (RawHttpClient c = raw()) {
            c.send(RawHttpClient.request("GET", "/delay/200/size/10", "Host: o"));
            RawResponse r = c.readResponse();
            assertThat(r.body()).hasSize(10);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(190));
    }

    @Test
    void closeDelimitedAndFaults() throws Exception {
        try (RawHttpClient c = raw()) {
            c.send(RawHttpClient.request("GET", "/close-delimited/5000", "Host: o"));
            RawResponse r = c.readResponse();
            assertThat(r.framing()).isEqualTo(RawResponse.Framing.UNTIL_CLOSE);
            assertThat(r.complete()).isTrue();
            assertThat(BodyPattern.firstMismatch(r.body())).isEqualTo(-1);
            assertThat(r.body()).hasSize(5000);
        }
        try (RawHttpClient c = raw()) {
            c.send(RawHttpClient.request("GET", "/close-mid-body", "Host: o"));
            RawResponse r = c.readResponse();
            assertThat(r.complete()).isFalse();
            assertThat(r.body()).hasSize(10);
        }
        try (RawHttpClient c = raw()) {
            c.send(RawHttpClient.request("GET", "/chunked-cut", "Host: o"));
            RawResponse r = c.readResponse();
            assertThat(r.complete()).isFalse();
            assertThat(r.body()).hasSize(10);
        }
        try (RawHttpClient c = raw()) {
            c.send(RawHttpClient.request("GET", "/close-no-response", "Host: o"));
            assertThatThrownBy(c::readResponse).isInstanceOf(RawHttpClient.ClosedBeforeResponseException.class);
        }
        try (RawHttpClient c = raw()) {
            c.send(RawHttpClient.request("GET", "/garbage", "Host: o"));
            assertThatThrownBy(c::readResponse).isInstanceOf(IOException.class).hasMessageContaining("status line");
        }
        try (RawHttpClient c = raw()) {
            c.send(RawHttpClient.request("GET", "/hang", "Host: o"));
            c.timeout(Duration.ofMillis(200));
            assertThatThrownBy(c::readResponse).isInstanceOf(java.net.SocketTimeoutException.class);
        }
    }

    @Test
    void closeIdleConnectionsClosesOnlyIdleOnes() throws Exception {
        try (RawHttpClient idle = raw(); RawHttpClient busy = raw()) {
            idle.send(RawHttpClient.request("GET", "/size/1", "Host: o"));
            idle.readResponse();
            busy.send(RawHttpClient.request("GET", "/delay/1000/size/1", "Host: o"));
            origin.awaitRequests(2, WAIT);
            origin.awaitIdleConnections(1, WAIT);
            assertThat(origin.closeIdleConnections()).isEqualTo(1);
            assertThat(idle.closedByPeer(WAIT)).isTrue();
            assertThat(busy.readResponse().body()).hasSize(1);
        }
    }

    @Test
    void dropNextRequestClosesWithoutAnswerAndRecordsIt() throws Exception {
        try (RawHttpClient c = raw()) {
            c.send(RawHttpClient.request("GET", "/size/1", "Host: o"));
            c.readResponse();
            origin.awaitIdleConnections(1, WAIT);
            assertThat(origin.dropNextRequestOnIdleConnections()).isEqualTo(1);
            c.send(RawHttpClient.request("GET", "/size/2", "Host: o"));
            assertThatThrownBy(c::readResponse).isInstanceOf(RawHttpClient.ClosedBeforeResponseException.class);
        }
        assertThat(origin.requests()).extracting(TestOrigin.Request::dropped).containsExactly(false, true);
    }

    @Test
    void delayedDropClosesOnlyAfterTheDelay() throws Exception {
        try (RawHttpClient c = raw()) {
            c.send(RawHttpClient.request("GET", "/size/1", "Host: o"));
            c.readResponse();
            origin.awaitIdleConnections(1, WAIT);
            assertThat(origin.dropNextRequestOnIdleConnections(Duration.ofMillis(300))).isEqualTo(1);
            long t0 = System.nanoTime();
            c.send(RawHttpClient.request("GET", "/size/2", "Host: o"));
            assertThatThrownBy(c::readResponse).isInstanceOf(RawHttpClient.ClosedBeforeResponseException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(250));
        }
        assertThat(origin.requests()).extracting(TestOrigin.Request::dropped).containsExactly(false, true);
    }

    @Test
    void responsePathsAddedForProxyRegressions() throws Exception {
        try (RawHttpClient c = raw()) {
            long t0 = System.nanoTime();
            c.send(RawHttpClient.request("GET", "/trickle/3/100", "Host: o"));
            RawResponse r = c.readResponse();
            assertThat(r.body()).hasSize(3);
            assertThat(BodyPattern.firstMismatch(r.body())).isEqualTo(-1);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(250));
            c.send(RawHttpClient.request("GET", "/obs-text-reason", "Host: o"));
            r = c.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.reason()).isEqualTo("Tr\u00e8s bien");
            c.send(RawHttpClient.request("GET", "/empty-via", "Host: o"));
            assertThat(c.readResponse().headers("Via")).containsExactly("");
            c.send(RawHttpClient.request("GET", "/connection-names-length", "Host: o"));
            r = c.readResponse();
            assertThat(r.header("Connection")).isEqualTo("Content-Length");
            assertThat(r.bodyText()).isEqualTo("hello");
        }
    }

    @Test
    void uploadFaults() throws Exception {
        try (RawHttpClient c = raw()) {
            c.send("POST /early/413 HTTP/1.1\r\nHost: o\r\nContent-Length: 100000\r\n\r\n");
            RawResponse r = c.readResponse("POST");
            assertThat(r.status()).isEqualTo(413);
            assertThat(r.hasToken("Connection", "close")).isTrue();
            c.send(new byte[100_000]);              // read and dropped by the origin
            assertThat(c.closedByPeer(WAIT)).isTrue();
        }
        try (RawHttpClient c = raw()) {
            c.send("POST /fin-mid-upload/10 HTTP/1.1\r\nHost: o\r\nContent-Length: 100\r\n\r\n" + "x".repeat(10));
            assertThatThrownBy(() -> c.readResponse("POST"))
                    .isInstanceOf(RawHttpClient.ClosedBeforeResponseException.class);
        }
        try (RawHttpClient c = raw()) {
            c.send("POST /reset-mid-upload/10 HTTP/1.1\r\nHost: o\r\nContent-Length: 100\r\n\r\n" + "x".repeat(10));
            assertThatThrownBy(() -> c.readResponse("POST"))
                    .isInstanceOf(RawHttpClient.ClosedBeforeResponseException.class);
        }
        assertThat(origin.requests()).extracting(TestOrigin.Request::path)
                .containsExactly("/early/413", "/fin-mid-upload/10", "/reset-mid-upload/10");
        assertThat(origin.requests()).extracting(TestOrigin.Request::dropped).containsExactly(false, true, true);
    }

    @Test
    void countsAcceptsAndMaxOpenIgnoringConnectionsThePeerAlreadyClosed() throws Exception {
        RawHttpClient a = raw();
        RawHttpClient b = raw();
        RawHttpClient c = raw();
        for (RawHttpClient x : List.of(a, b, c)) {
            x.send(RawHttpClient.request("GET", "/size/1", "Host: o"));
            x.readResponse();
        }
        assertThat(origin.maxOpenConnections()).isEqualTo(3);
        // close one and open another at once: never more than 3 open at a time from the client's view
        a.close();
        RawHttpClient d = raw();
        d.send(RawHttpClient.request("GET", "/size/1", "Host: o"));
        d.readResponse();
        assertThat(origin.accepted()).isEqualTo(4);
        assertThat(origin.maxOpenConnections()).isEqualTo(3);
        RawHttpClient e = raw();
        e.send(RawHttpClient.request("GET", "/size/1", "Host: o"));
        e.readResponse();
        assertThat(origin.maxOpenConnections()).isEqualTo(4);
        for (RawHttpClient x : List.of(b, c, d, e)) {
            x.close();
        }
        Await.until(() -> origin.openConnections() == 0, WAIT, () -> "connections still open");
    }

    @Test
    void sinkDigestsLargeUploadsWithoutKeepingThem() throws Exception {
        long n = 3 * 1024 * 1024 + 17;
        try (RawHttpClient c = raw(); InputStream body = BodyPattern.stream(n)) {
            c.send("POST /sink HTTP/1.1\r\nHost: o\r\nContent-Length: " + n + "\r\n\r\n");
            body.transferTo(c.output());
            RawResponse r = c.readResponse("POST");
            assertThat(r.bodyText()).isEqualTo(n + " " + BodyPattern.sha256(n));
        }
        TestOrigin.Request req = origin.lastRequest();
        assertThat(req.body()).isNull();
        assertThat(req.bodyLength()).isEqualTo(n);
    }

    @Test
    void streamingReadVerifiesLargeDownloads() throws Exception {
        long n = 5 * 1024 * 1024;
        try (RawHttpClient c = raw()) {
            c.send(RawHttpClient.request("GET", "/size/" + n, "Host: o"));
            RawHttpClient.Streaming s = c.readStreaming("GET");
            BodyPattern.Verifier v = new BodyPattern.Verifier();
            s.body().transferTo(v);
            assertThat(v.count()).isEqualTo(n);
            assertThat(v.firstMismatch()).isEqualTo(-1);
            assertThat(s.complete()).isTrue();
        }
        assertThat(origin.bytesWritten()).isEqualTo(n);
    }

    @Test
    void malformedHttpFromTheClientIsAProtocolError() throws Exception {
        try (RawHttpClient c = raw()) {
            c.send("GET / HTTP/1.0\r\n\r\n");
            RawResponse r = c.readResponse();
            assertThat(r.status()).isEqualTo(400);
        }
        Await.until(() -> !origin.protocolErrors().isEmpty(), WAIT, () -> "no protocol error recorded");
        assertThat(origin.protocolErrors().get(0)).contains("HTTP/1.1");
        // keep @AfterEach's check for the other tests meaningful: this one expected the error
        TestOrigin fresh = origin;
        origin = TestOrigin.start("o2");
        fresh.close();
    }

    @Test
    void bodyPatternIsPositionDependent() {
        byte[] a = BodyPattern.bytes(1 << 20);
        assertThat(BodyPattern.firstMismatch(a)).isEqualTo(-1);
        byte[] shifted = new byte[a.length];
        System.arraycopy(a, 1, shifted, 0, a.length - 1);
        assertThat(BodyPattern.firstMismatch(shifted)).isEqualTo(0);
        byte[] swapped = a.clone();
        System.arraycopy(a, 4096, swapped, 8192, 4096);
        assertThat(BodyPattern.firstMismatch(swapped)).isEqualTo(8192);
        assertThat(new String(a, 0, 0, StandardCharsets.ISO_8859_1)).isEmpty();
    }
}
