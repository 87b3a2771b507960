package io.sluice.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.RawResponse;
import io.sluice.testing.TestOrigin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Admin {@code POST /servers/{cluster}/{address}/drain|disable|enable} over HTTP: each answers 200 with the
 * server's new state, /stats shows it, and the balancer follows it at once; unknown clusters, servers and actions
 * are 404, other methods 405. /stats carries each server's health fields.
 */
@IntegrationTest
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ServerAdminActionsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();

    private JsonNode post(String path) throws Exception {
        HttpResponse<String> r = proxy.admin("POST", path);
        assertThat(r.statusCode()).as("POST %s: %s", path, r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        return JSON.readTree(r.body());
    }

    private String state(TestOrigin o) throws Exception {
        return ProxyFixture.server(proxy.stats(), "web", o.authority()).path("state").asText();
    }

    /** Origins that answered {@code n} requests sent now through the proxy. */
    private Set<String> answering(int n) throws Exception {
        Set<String> names = new HashSet<>();
        for (int i = 0; i < n; i++) {
            RawResponse r = proxy.get("/x?i=" + i);
            assertThat(r.status()).isEqualTo(200);
            names.add(r.header("X-Origin"));
        }
        return names;
    }

    @Test
    void drainDisableEnableChangeTheStateAndTheTraffic() throws Exception {
        TestOrigin a = proxy.origin("a");
        TestOrigin b = proxy.origin("b");
        proxy.setup().cluster("web", 16, a, b).start();
        String base = "/servers/web/" + a.authority();
        assertThat(answering(8)).containsExactlyInAnyOrder("a", "b");

        JsonNode drained = post(base + "/drain");
        assertThat(drained.path("cluster").asText()).isEqualTo("web");
        assertThat(drained.path("address").asText()).isEqualTo(a.authority());
        assertThat(drained.path("state").asText()).isEqualTo("draining");
        assertThat(state(a)).isEqualTo("draining");
        assertThat(state(b)).isEqualTo("up");
        assertThat(answering(8)).containsExactly("b");

        assertThat(post(base + "/disable").path("state").asText()).isEqualTo("disabled");
        assertThat(state(a)).isEqualTo("disabled");
        assertThat(answering(8)).containsExactly("b");

        assertThat(post(base + "/enable").path("state").asText()).isEqualTo("up");
        assertThat(state(a)).isEqualTo("up");
        assertThat(answering(8)).containsExactlyInAnyOrder("a", "b");

        assertThat(post(base + "/enable").path("state").asText()).as("idempotent").isEqualTo("up");
    }

    @Test
    void disablingEveryServerAnswers503() throws Exception {
        TestOrigin a = proxy.origin("a");
        proxy.setup().cluster("web", 16, a).start();
        post("/servers/web/" + a.authority() + "/disable");
        assertThat(proxy.get("/x").status()).isEqualTo(503);
        post("/servers/web/" + a.authority() + "/enable");
        assertThat(proxy.get("/x").status()).isEqualTo(200);
    }

    @Test
    void unknownClusterServerOrActionIs404() throws Exception {
        TestOrigin a = proxy.origin("a");
        proxy.setup().cluster("web", 16, a).start();
        for (String path : List.of(
                "/servers/api/" + a.authority() + "/drain",
                "/servers/web/127.0.0.1:1/drain",
                "/servers/web/" + a.authority() + "/reboot",
                "/servers/web/" + a.authority(),
                "/servers/web",
                "/servers/")) {
            HttpResponse<String> r = proxy.admin("POST", path);
            assertThat(r.statusCode()).as("POST %s", path).isEqualTo(404);
        }
        assertThat(state(a)).isEqualTo("up");
    }

    @Test
    void otherMethodsAre405() throws Exception {
        TestOrigin a = proxy.origin("a");
        proxy.setup().cluster("web", 16, a).start();
        for (String method : List.of("GET", "PUT", "DELETE")) {
            HttpResponse<String> r = proxy.admin(method, "/servers/web/" + a.authority() + "/drain");
            assertThat(r.statusCode()).as(method).isEqualTo(405);
            assertThat(r.headers().firstValue("Allow")).as(method).hasValue("POST");
        }
        assertThat(state(a)).isEqualTo("up");
        HttpResponse<String> stats = proxy.admin("POST", "/stats");
        assertThat(stats.statusCode()).isEqualTo(405);
        assertThat(stats.headers().firstValue("Allow")).hasValue("GET");
    }

    @Test
    void statsShowHealthFields() throws Exception {
        TestOrigin a = proxy.origin("a");
        proxy.setup().cluster("web", 16, a).start();
        JsonNode s = ProxyFixture.server(proxy.stats(), "web", a.authority());
        assertThat(s.path("state").asText()).isEqualTo("up");
        for (String field : List.of("check_passes", "check_failures", "checks", "checks_failed",
                "consecutive_failures", "ejections", "ejection_ms")) {
            assertThat(s.path(field).isIntegralNumber()).as(field).isTrue();
            assertThat(s.path(field).asLong()).as(field).isZero();
        }
        assertThat(s.has("last_check")).isTrue();
        assertThat(s.path("last_check").isNull()).as("no active checks configured").isTrue();
    }
}
