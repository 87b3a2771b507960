package io.sluice.http;

import io.sluice.config.HeaderMatch;
import io.sluice.config.RouteConfig;
import io.sluice.config.RouteMatch;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.RawHttpClient;
import io.sluice.testing.RawResponse;
import io.sluice.testing.TestOrigin;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Route conditions (wildcard host, exact and regex path, method, headers) and route options (path prefix rewrite,
 * added and removed request fields), over one client connection that the routes send to different clusters.
 */
@IntegrationTest
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ContentSwitchingTest {
    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();
    private TestOrigin a;
    private TestOrigin b;
    private TestOrigin c;
    private RawHttpClient client;

    private static RouteConfig route(RouteMatch match, String cluster) {
        return new RouteConfig(match, cluster);
    }

    private static RouteMatch match(String host, String prefix, String exact, String regex, List<String> methods,
                                    List<HeaderMatch> headers) {
        return new RouteMatch(host, prefix, exact, regex, methods, headers);
    }

    @BeforeEach
    void start() throws Exception {
        a = proxy.origin("a");
        b = proxy.origin("b");
        c = proxy.origin("c");
        Map<String, String> added = new LinkedHashMap<>();
        added.put("X-Route", "api-v2");
        added.put("X-Replaced", "by-route");
        proxy.setup()
                .cluster("a", 8, a)
                .cluster("b", 8, b)
                .cluster("c", 8, c)
                .route(route(match(null, null, "/exact", null, List.of(), List.of()), "a"))
                .route(route(match("*.example.com", "/wild", null, null, List.of(), List.of()), "b"))
                .route(route(match("deep.shop.example.com", "/wild", null, null, List.of(), List.of()), "c"))
                .route(route(match(null, null, null, "^/users/[0-9]+$", List.of(), List.of()), "c"))
                .route(route(match(null, "/m", null, null, List.of("PUT", "DELETE"), List.of()), "b"))
                .route(route(match(null, "/h", null, null, List.of(),
                        List.of(new HeaderMatch("X-Canary", "1"), new HeaderMatch("X-Team", null))), "c"))
                .route(new RouteConfig(new RouteMatch(null, "/api/v1"), "b", "/v2", added,
                        List.of("X-Internal"), null, RouteConfig.DEFAULT_RETRIES))
                .route(route(new RouteMatch(null, "/"), "a"))
                .start();
        client = proxy.connect();
    }

    private RawResponse send(String method, String target, String... headers) throws Exception {
        client.send(RawHttpClient.request(method, target, headers));
        return client.readResponse(method);
    }

    private String origin(String method, String target, String... headers) throws Exception {
        RawResponse r = send(method, target, headers);
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        return r.header("X-Origin");
    }

    @Test
    void exactPathMatchesOnlyThatPathWithAnyQuery() throws Exception {
        assertThat(origin("GET", "/exact", "Host: t")).isEqualTo("a");
        assertThat(origin("GET", "/exact?x=1", "Host: t")).isEqualTo("a");
        assertThat(origin("GET", "/exact/more", "Host: t")).as("falls through to /").isEqualTo("a");
        assertThat(a.requests()).extracting(TestOrigin.Request::target)
                .containsExactly("/exact", "/exact?x=1", "/exact/more");
    }

    @Test
    void wildcardHostCoversSubdomainsOfAnyDepthButNotTheDomainItself() throws Exception {
        assertThat(origin("GET", "/wild", "Host: shop.example.com")).isEqualTo("b");
        assertThat(origin("GET", "/wild", "Host: A.B.EXAMPLE.COM:8080")).isEqualTo("b");
        assertThat(origin("GET", "/wild", "Host: example.com")).isEqualTo("a");
        assertThat(origin("GET", "/wild", "Host: badexample.com")).isEqualTo("a");
    }

    @Test
    void firstMatchWinsBetweenAWildcardAndALaterExactHost() throws Exception {
        // the wildcard route comes first in the file, so it wins even over an exact host listed after it
        assertThat(origin("GET", "/wild", "Host: deep.shop.example.com")).isEqualTo("b");
    }

    @Test
    void regexMatchesTheWholePathWithoutTheQuery() throws Exception {
        assertThat(origin("GET", "/users/42?tab=x", "Host: t")).isEqualTo("c");
        assertThat(origin("GET", "/users/42/posts", "Host: t")).isEqualTo("a");
        assertThat(origin("GET", "/users/abc", "Host: t")).isEqualTo("a");
    }

    @Test
    void methodCondition() throws Exception {
        assertThat(origin("PUT", "/m/1", "Host: t", "Content-Length: 0")).isEqualTo("b");
        assertThat(origin("DELETE", "/m/1", "Host: t")).isEqualTo("b");
        assertThat(origin("GET", "/m/1", "Host: t")).isEqualTo("a");
    }

    @Test
    void headerConditionsExactValueAndPresence() throws Exception {
        assertThat(origin("GET", "/h", "Host: t", "x-canary: 1", "X-Team: anything")).isEqualTo("c");
        assertThat(origin("GET", "/h", "Host: t", "X-Team:", "X-Canary: 1")).as("present though empty")
                .isEqualTo("c");
        assertThat(origin("GET", "/h", "Host: t", "X-Canary: 10", "X-Team: x")).isEqualTo("a");
        assertThat(origin("GET", "/h", "Host: t", "X-Canary: 1")).isEqualTo("a");
    }

    @Test
    void rewriteAndFieldChangesApplyToTheForwardedRequest() throws Exception {
        assertThat(origin("GET", "/api/v1/items?page=2", "Host: t", "X-Internal: secret", "X-Replaced: client",
                "X-Kept: yes")).isEqualTo("b");
        TestOrigin.Request r = b.lastRequest();
        assertThat(r.target()).isEqualTo("/v2/items?page=2");
        assertThat(r.headers("X-Internal")).isEmpty();
        assertThat(r.headers("X-Replaced")).containsExactly("by-route");
        assertThat(r.headers("X-Route")).containsExactly("api-v2");
        assertThat(r.headers("X-Kept")).containsExactly("yes");
        assertThat(r.headers("Host")).containsExactly("t");
    }

    @Test
    void absoluteFormTargetIsRewrittenToOriginForm() throws Exception {
        assertThat(origin("GET", "http://api.test/api/v1/x", "Host: ignored")).isEqualTo("b");
        assertThat(b.lastRequest().target()).isEqualTo("/v2/x");
        assertThat(b.lastRequest().headers("Host")).containsExactly("api.test");
    }
}
