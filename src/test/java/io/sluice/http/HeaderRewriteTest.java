package io.sluice.http;

import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.RawHttpClient;
import io.sluice.testing.RawResponse;
import io.sluice.testing.TestOrigin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Header rules, as recorded by the origin and seen by the client: hop-by-hop headers (RFC 9110 §7.6.1, and every
 * header named in Connection) removed in both directions; always HTTP/1.1 keep-alive toward servers;
 * X-Forwarded-For appended, X-Forwarded-Proto and X-Forwarded-Host replaced, Via appended; end-to-end headers
 * passed on unchanged and in order.
 */
@IntegrationTest
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class HeaderRewriteTest {
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection", "te",
            "trailer", "upgrade", "x-custom-hop");

    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();

    @Test
    void requestHopByHopHeadersRemovedAndForwardingHeadersRewritten() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.start(origin);
        try (RawHttpClient c = proxy.connect()) {
            c.send("GET /x?y=1 HTTP/1.1\r\n"
                    + "Host: app.example:8080\r\n"
                    + "X-A: 1\r\n"
                    + "Connection: X-Custom-Hop, Keep-Alive\r\n"
                    + "X-Custom-Hop: secret\r\n"
                    + "X-Dup: one\r\n"
                    + "Keep-Alive: timeout=5\r\n"
                    + "Proxy-Connection: keep-alive\r\n"
                    + "TE: trailers\r\n"
                    + "Trailer: X-Checksum\r\n"
                    + "Upgrade: foo/1\r\n"
                    + "X-Forwarded-For: 203.0.113.7\r\n"
                    + "X-Forwarded-Proto: https\r\n"
                    + "X-Forwarded-Host: evil.example\r\n"
                    + "Via: 1.1 upstream-cdn\r\n"
                    + "X-B: 2\r\n"
                    + "X-Dup: two\r\n"
                    + "User-Agent: raw/1.0\r\n"
                    + "\r\n");
            RawResponse r = c.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.combined("Via")).isEqualTo("1.1 sluice");
            assertThat(r.hasToken("Connection", "close")).as("keep-alive client is not told to go").isFalse();
        }
        TestOrigin.Request req = origin.lastRequest();
        assertThat(req.version()).isEqualTo("HTTP/1.1");
        assertThat(req.target()).isEqualTo("/x?y=1");
        for (String name : req.headerNames()) {
            assertThat(HOP_BY_HOP).as("hop-by-hop header forwarded: " + name).doesNotContain(name.toLowerCase());
        }
        assertThat(req.headers("Host")).containsExactly("app.example:8080");
        assertThat(req.combined("X-Forwarded-For")).isEqualTo("203.0.113.7, 127.0.0.1");
        assertThat(req.headers("X-Forwarded-Proto")).containsExactly("http");
        assertThat(req.headers("X-Forwarded-Host")).containsExactly("app.example:8080");
        assertThat(req.combined("Via")).isEqualTo("1.1 upstream-cdn, 1.1 sluice");
        List<TestOrigin.Header> endToEnd = req.headers().stream()
                .filter(h -> h.name().startsWith("X-A") || h.name().startsWith("X-B") || h.name().startsWith("X-Dup")
                        || h.name().equals("User-Agent"))
                .toList();
        assertThat(endToEnd).as("end-to-end headers unchanged and in order").containsExactly(
                new TestOrigin.Header("X-A", "1"),
                new TestOrigin.Header("X-Dup", "one"),
                new TestOrigin.Header("X-B", "2"),
                new TestOrigin.Header("X-Dup", "two"),
                new TestOrigin.Header("User-Agent", "raw/1.0"));
    }

    @Test
    void underscoreLookalikesOfForwardingHeadersAreDropped() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.start(origin);
        try (RawHttpClient c = proxy.connect()) {
            c.send(RawHttpClient.request("GET", "/plain", "Host: plain.example", "X_Forwarded_For: 10.0.0.1",
                    "x-forwarded_host: evil.example", "X_FORWARDED_PROTO: https", "X_Other_Field: kept"));
            assertThat(c.readResponse().status()).isEqualTo(200);
        }
        TestOrigin.Request req = origin.lastRequest();
        assertThat(req.headerNames()).doesNotContain("X_Forwarded_For", "x-forwarded_host", "X_FORWARDED_PROTO");
        assertThat(req.headers("X-Forwarded-For")).containsExactly("127.0.0.1");
        assertThat(req.header("X_Other_Field")).isEqualTo("kept");
    }

    @Test
    void forwardingHeadersAddedWhenAbsent() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.start(origin);
        try (RawHttpClient c = proxy.connect()) {
            c.send(RawHttpClient.request("GET", "/plain", "Host: plain.example"));
            assertThat(c.readResponse().status()).isEqualTo(200);
        }
        TestOrigin.Request req = origin.lastRequest();
        assertThat(req.headers("X-Forwarded-For")).containsExactly("127.0.0.1");
        assertThat(req.headers("X-Forwarded-Proto")).containsExactly("http");
        assertThat(req.headers("X-Forwarded-Host")).containsExactly("plain.example");
        assertThat(req.headers("Via")).containsExactly("1.1 sluice");
        assertThat(req.headers("Connection")).isEmpty();
    }

    @Test
    void emptyForwardingHeadersAddNoEmptyListElement() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.start(origin);
        try (RawHttpClient c = proxy.connect()) {
            c.send("GET /plain HTTP/1.1\r\nHost: plain.example\r\nX-Forwarded-For:\r\nVia: \r\n\r\n");
            assertThat(c.readResponse().status()).isEqualTo(200);
            c.send("GET /plain?mixed HTTP/1.1\r\nHost: plain.example\r\nX-Forwarded-For:\r\n"
                    + "X-Forwarded-For: 203.0.113.7\r\nVia:\r\nVia: 1.1 cdn\r\nVia:\r\n\r\n");
            assertThat(c.readResponse().status()).isEqualTo(200);
        }
        List<TestOrigin.Request> seen = origin.requests();
        assertThat(seen.get(0).combined("X-Forwarded-For")).isEqualTo("127.0.0.1");
        assertThat(seen.get(0).combined("Via")).isEqualTo("1.1 sluice");
        assertThat(seen.get(1).combined("X-Forwarded-For")).isEqualTo("203.0.113.7, 127.0.0.1");
        assertThat(seen.get(1).combined("Via")).isEqualTo("1.1 cdn, 1.1 sluice");
    }

    @Test
    void emptyViaFromTheServerAddsNoEmptyListElement() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.start(origin);
        try (RawHttpClient c = proxy.connect()) {
            c.send(RawHttpClient.request("GET", "/empty-via", "Host: t"));
            RawResponse r = c.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.combined("Via")).as("%s", r).isEqualTo("1.1 sluice");
            assertThat(r.bodyText()).isEqualTo("via");
        }
    }

    @Test
    void responseHopByHopHeadersRemoved() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.start(origin);
        try (RawHttpClient c = proxy.connect()) {
            c.send(RawHttpClient.request("GET", "/hop-headers", "Host: t"));
            RawResponse r = c.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("hop");
            assertThat(r.hasHeader("X-Hop-Secret")).as("header named in Connection").isFalse();
            assertThat(r.hasHeader("Keep-Alive")).isFalse();
            assertThat(r.hasHeader("Proxy-Connection")).isFalse();
            assertThat(r.hasHeader("Upgrade")).isFalse();
            assertThat(r.hasToken("Connection", "X-Hop-Secret")).isFalse();
            assertThat(r.hasToken("Connection", "close")).isFalse();
            assertThat(r.header("X-End-To-End")).isEqualTo("kept");
            assertThat(r.combined("Via")).isEqualTo("1.1 origin, 1.1 sluice");
            c.send(RawHttpClient.request("GET", "/size/3", "Host: t"));
            assertThat(c.readResponse().header("X-Target")).as("client connection kept alive").isEqualTo("/size/3");
        }
    }

    @Test
    void clientConnectionCloseStillKeepsServerConnectionsAlive() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.start(origin);
        for (int i = 0; i < 10; i++) {
            try (RawHttpClient c = proxy.connect()) {
                c.send(RawHttpClient.request("GET", "/size/5?i=" + i, "Host: t", "Connection: close"));
                RawResponse r = c.readResponse();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.hasToken("Connection", "close")).isTrue();
                assertThat(c.closedByPeer(Duration.ofSeconds(5))).isTrue();
            }
        }
        for (TestOrigin.Request req : origin.requests()) {
            assertThat(req.headers("Connection")).isEmpty();
            assertThat(req.version()).isEqualTo("HTTP/1.1");
        }
        assertThat(origin.accepted()).as("server connections reused across client connections")
                .isLessThanOrEqualTo(ProxyFixture.workers());
    }

    @Test
    void serverClosingDoesNotCloseTheKeepAliveClient() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.start(origin);
        try (RawHttpClient c = proxy.connect()) {
            c.send(RawHttpClient.request("GET", "/size/10?close", "Host: t"));
            RawResponse r = c.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).hasSize(10);
            assertThat(r.hasToken("Connection", "close")).as("the server's Connection: close is hop-by-hop").isFalse();
            c.send(RawHttpClient.request("GET", "/size/11", "Host: t"));
            RawResponse next = c.readResponse();
            assertThat(next.header("X-Target")).isEqualTo("/size/11");
            assertThat(next.body()).hasSize(11);
        }
        assertThat(origin.accepted()).as("a server connection that said close is not reused").isEqualTo(2);
    }

    @Test
    void http10RequestWithoutHostGetsOne() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.start(origin);
        try (RawHttpClient c = proxy.connect()) {
            c.send("GET /old HTTP/1.0\r\nUser-Agent: old\r\n\r\n");
            RawResponse r = c.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(c.closedByPeer(Duration.ofSeconds(5))).isTrue();
        }
        TestOrigin.Request req = origin.lastRequest();
        assertThat(req.version()).isEqualTo("HTTP/1.1");
        assertThat(req.headers("Host")).hasSize(1);
        assertThat(req.header("Host")).isNotBlank();
        assertThat(req.headers("Via")).containsExactly("1.0 sluice");
        assertThat(req.headers("Connection")).isEmpty();
    }
}
