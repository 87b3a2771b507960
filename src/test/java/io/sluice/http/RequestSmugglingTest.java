package io.sluice.http;

import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.RawHttpClient;
import io.sluice.testing.RawResponse;
import io.sluice.testing.TestOrigin;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Request smuggling through the Connection header: a client may name any field in {@code Connection}, which makes
 * it hop-by-hop, but Sluice frames and routes the request by Content-Length, Transfer-Encoding and Host. If it then
 * dropped one of those toward the server, the server would frame or route the request differently from Sluice:
 * with Content-Length gone, the body (here itself a request) would be read by the server as a second request that
 * Sluice never saw. So the framing fields and Host always reach the server, and the server gets exactly the one
 * request the client sent. The same holds for responses: a server's {@code Connection: Content-Length} must not
 * strip the length from the response the client gets, or the client would frame it differently from Sluice.
 */
@IntegrationTest
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RequestSmugglingTest {
    private static final String SMUGGLED = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";

    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();
    private TestOrigin origin;

    @BeforeEach
    void start() {
        origin = proxy.origin();
        proxy.start(origin);
    }

    @ParameterizedTest(name = "Connection: {0}")
    @ValueSource(strings = {"Content-Length", "content-length", "keep-alive, Content-Length"})
    void connectionNamingContentLengthDoesNotDropIt(String connection) throws Exception {
        try (RawHttpClient c = proxy.connect()) {
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nConnection: " + connection + "\r\nContent-Length: "
                    + SMUGGLED.length() + "\r\n\r\n" + SMUGGLED);
            RawResponse r = c.readResponse("POST");
            assertThat(r.status()).as("%s", r).isEqualTo(200);
            assertThat(r.bodyText()).as("the body came back as a body").isEqualTo(SMUGGLED);
            // the connection is still in step: the next answer is for the next request
            c.send(RawHttpClient.request("GET", "/size/5?next", "Host: x"));
            RawResponse next = c.readResponse();
            assertThat(next.header("X-Target")).as("%s", next).isEqualTo("/size/5?next");
        }
        List<TestOrigin.Request> seen = origin.requests();
        assertThat(seen).extracting(TestOrigin.Request::target).as("nothing smuggled")
                .containsExactly("/echo", "/size/5?next");
        TestOrigin.Request post = seen.get(0);
        assertThat(post.headers("Content-Length")).containsExactly(Integer.toString(SMUGGLED.length()));
        assertThat(post.bodyText()).isEqualTo(SMUGGLED);
        assertThat(origin.requests("/smuggled")).isEmpty();
    }

    @Test
    void connectionNamingHostDoesNotDropIt() throws Exception {
        try (RawHttpClient c = proxy.connect()) {
            c.send("POST /echo HTTP/1.1\r\nHost: app.example\r\nConnection: Host\r\nContent-Length: "
                    + SMUGGLED.length() + "\r\n\r\n" + SMUGGLED);
            RawResponse r = c.readResponse("POST");
            assertThat(r.status()).as("%s", r).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo(SMUGGLED);
        }
        // without Host the origin would have answered 400 and recorded a protocol error (the fixture checks)
        assertThat(origin.requests()).hasSize(1);
        TestOrigin.Request post = origin.lastRequest();
        assertThat(post.headers("Host")).containsExactly("app.example");
        assertThat(post.headers("Content-Length")).containsExactly(Integer.toString(SMUGGLED.length()));
        assertThat(origin.protocolErrors()).isEmpty();
    }

    @Test
    void responseConnectionNamingContentLengthDoesNotDropIt() throws Exception {
        try (RawHttpClient c = proxy.connect()) {
            c.timeout(Duration.ofSeconds(3));
            c.send(RawHttpClient.request("GET", "/connection-names-length", "Host: x"));
            RawResponse r = c.readResponse();
            assertThat(r.status()).as("%s", r).isEqualTo(200);
            assertThat(r.headers("Content-Length")).as("%s", r).containsExactly("5");
            assertThat(r.bodyText()).isEqualTo("hello");
            assertThat(r.hasToken("Connection", "close")).isFalse();
            c.send(RawHttpClient.request("GET", "/size/5?next", "Host: x"));
            assertThat(c.readResponse().header("X-Target")).isEqualTo("/size/5?next");
        }
    }

    @Test
    void connectionNamingTransferEncodingDoesNotDropIt() throws Exception {
        String chunkedBody = Integer.toHexString(SMUGGLED.length()) + "\r\n" + SMUGGLED + "\r\n0\r\n\r\n";
        try (RawHttpClient c = proxy.connect()) {
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nConnection: Transfer-Encoding\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n" + chunkedBody);
            RawResponse r = c.readResponse("POST");
            assertThat(r.status()).as("%s", r).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo(SMUGGLED);
            assertThat(c.closedByPeer(Duration.ofMillis(200))).as("nothing more on the connection").isFalse();
        }
        assertThat(origin.requests()).extracting(TestOrigin.Request::target).containsExactly("/echo");
        assertThat(origin.lastRequest().chunked()).isTrue();
    }
}
