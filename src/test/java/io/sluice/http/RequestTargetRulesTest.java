package io.sluice.http;

import io.sluice.config.RequestTargetRules;
import io.sluice.config.RouteConfig;
import io.sluice.config.RouteMatch;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.RawHttpClient;
import io.sluice.testing.TestOrigin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The listener's {@code request_target} rules reach the parser. */
@IntegrationTest
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RequestTargetRulesTest {
    private static final String DOT_SEGMENT = RawHttpClient.request("GET", "/a/../admin", "Host: example");
    private static final String ABSOLUTE = RawHttpClient.request("GET", "http://example/a", "Host: example");

    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();

    private TestOrigin start(RequestTargetRules rules) {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 4, origin).requestTarget(rules).start();
        return origin;
    }

    private int status(String request) throws Exception {
        try (RawHttpClient c = proxy.connect()) {
            return c.send(request).readResponse().status();
        }
    }

    @Test
    void strictByDefault() throws Exception {
        TestOrigin origin = start(RequestTargetRules.DEFAULTS);
        assertThat(status(DOT_SEGMENT)).isEqualTo(400);
        assertThat(status(ABSOLUTE)).isEqualTo(200);
        assertThat(origin.requests()).hasSize(1);
    }

    @Test
    void absoluteFormWithoutAPathIsRoutedAsSlash() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 4, origin).route(null, "/only", "web").route(
                new RouteConfig(new RouteMatch(null, null, "/", null, List.of(), List.of()), "web")).start();
        assertThat(status(RawHttpClient.request("GET", "http://example", "Host: example"))).isEqualTo(200);
        assertThat(origin.lastRequest().target()).isEqualTo("/");
    }

    @Test
    void lenientSyntaxTakesTheTargetAsWritten() throws Exception {
        TestOrigin origin = start(new RequestTargetRules(true, false));
        assertThat(status(DOT_SEGMENT)).isEqualTo(200);
        assertThat(origin.lastRequest().target()).isEqualTo("/a/../admin");
    }

    @Test
    void absoluteFormCanBeRefused() throws Exception {
        TestOrigin origin = start(new RequestTargetRules(false, true));
        assertThat(status(ABSOLUTE)).isEqualTo(400);
        assertThat(status(RawHttpClient.request("GET", "/a", "Host: example"))).isEqualTo(200);
        assertThat(origin.requests()).hasSize(1);
    }
}
