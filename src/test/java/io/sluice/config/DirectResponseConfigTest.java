package io.sluice.config;

import static io.sluice.config.ConfigAssertions.assertOnlyProblem;
import static io.sluice.config.ConfigAssertions.assertOnlyProblemStartsWith;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.config.Template.Part;
import io.sluice.config.Template.Variable;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Routes that answer themselves ({@code respond}, {@code redirect}) and the listener's {@code monitor_uri}. */
class DirectResponseConfigTest {

    /** A file whose listener has {@code routes}; the first line of {@code routes} is line 5 of the file. */
    private static String withRoutes(String routes) {
        return "listeners:\n"
                + "  - name: web\n"
                + "    address: 127.0.0.1:0\n"
                + "    routes:\n"
                + routes.indent(6)
                + "clusters:\n"
                + "  - { name: web, servers: [ { address: 127.0.0.1:9001 } ] }\n";
    }

    private static List<RouteConfig> routes(String routes) {
        return ConfigLoader.parse(withRoutes(routes), "sluice.yaml").listeners().get(0).routes();
    }

    @Test
    void respondAndRedirectAreReadAndTheirTemplatesSplitOnce() {
        List<RouteConfig> routes = routes("""
                - match: { path_prefix: /old/ }
                  redirect: { to: "https://{host}/new/{path_after_prefix}{query}", status: 301 }
                - match: { path_exact: /robots.txt }
                  respond: { status: 200, body: "User-agent: *\\nDisallow: /\\n", headers: { Content-Type: text/plain } }
                - match: { path_exact: /json }
                  respond: { body: '{"m":"{method}"}' }
                - match: { path_exact: /bare }
                  redirect: { to: /elsewhere }
                """);
        DirectResponse redirect = routes.get(0).direct();
        assertThat(routes.get(0).cluster()).isNull();
        assertThat(redirect.action()).isEqualTo(DirectResponse.Action.REDIRECT);
        assertThat(redirect.status()).isEqualTo(301);
        assertThat(redirect.location().parts()).containsExactly(new Part("https://", null), new Part(null, Variable.HOST),
                new Part("/new/", null), new Part(null, Variable.PATH_AFTER_PREFIX), new Part(null, Variable.QUERY));
        DirectResponse respond = routes.get(1).direct();
        assertThat(respond.status()).isEqualTo(200);
        assertThat(respond.body().parts()).containsExactly(new Part("User-agent: *\nDisallow: /\n", null));
        assertThat(respond.headers()).isEqualTo(Map.of("Content-Type", Template.parse("text/plain")));
        assertThat(routes.get(2).direct().status()).as("default status").isEqualTo(200);
        assertThat(routes.get(2).direct().body().parts()).as("braces around anything but a name are literal")
                .containsExactly(new Part("{\"m\":\"", null), new Part(null, Variable.METHOD), new Part("\"}", null));
        assertThat(routes.get(3).direct().status()).as("HAProxy's default").isEqualTo(302);
        assertThat(routes.get(3).direct().body().parts()).isEmpty();
    }

    @Test
    void clusterAndRespondTogetherIsAnError() {
        assertOnlyProblem(withRoutes("""
                - match: { path_prefix: / }
                  cluster: web
                  respond: { status: 200 }
                """), 7, "listeners[0].routes[0].respond",
                "only one of cluster, respond, redirect is allowed (cluster is at line 6)");
    }

    @Test
    void aRouteWithNoActionIsAnError() {
        assertOnlyProblem(withRoutes("""
                - match: { path_prefix: / }
                """), 5, "listeners[0].routes[0]",
                "a route needs one of cluster, respond, redirect (where its requests go, or what Sluice answers)");
    }

    @Test
    void badStatusesAreErrors() {
        assertOnlyProblem(withRoutes("""
                - redirect: { to: /x, status: 200 }
                """), 5, "listeners[0].routes[0].redirect.status",
                "bad redirect status \"200\" (expected one of [301, 302, 303, 307, 308])");
        assertOnlyProblemStartsWith(withRoutes("""
                - respond: { status: 99 }
                """), 5, "listeners[0].routes[0].respond.status", "");
        assertOnlyProblem(withRoutes("""
                - respond: { status: 204, body: x }
                """), 5, "listeners[0].routes[0].respond.body", "a 204 answer has no body (RFC 9110)");
    }

    @Test
    void unknownTemplateVariablesAreErrorsAtLoad() {
        assertOnlyProblem(withRoutes("""
                - redirect: { to: "https://{hots}/" }
                """), 5, "listeners[0].routes[0].redirect.to", "unknown template variable {hots} (known: {host}, "
                + "{path}, {path_after_prefix}, {query}, {target}, {method})");
        assertOnlyProblemStartsWith(withRoutes("""
                - respond: { headers: { X-Where: "{nowhere}" } }
                """), 5, "listeners[0].routes[0].respond.headers.X-Where", "unknown template variable {nowhere}");
        assertOnlyProblem(withRoutes("""
                - match: { path_exact: /a }
                  respond: { body: "{path_after_prefix}" }
                """), 6, "listeners[0].routes[0].respond.body", "{path_after_prefix} needs match.path_prefix");
    }

    @Test
    void forwardingOptionsAndManagedFieldsAreErrorsOnARouteThatAnswersItself() {
        assertOnlyProblem(withRoutes("""
                - respond: { status: 200 }
                  retries: 2
                """), 6, "listeners[0].routes[0].retries",
                "retries applies to requests sent to a cluster; this route answers itself (respond)");
        assertOnlyProblem(withRoutes("""
                - respond: { headers: { Content-Length: "5" } }
                """), 5, "listeners[0].routes[0].respond.headers.Content-Length",
                "\"Content-Length\" cannot be set by a response (Sluice writes framing and hop-by-hop fields)");
        assertOnlyProblemStartsWith(withRoutes("""
                - redirect: { to: "/a\\r\\nX: y" }
                """), 5, "listeners[0].routes[0].redirect.to", "");
    }

    @Test
    void anUnknownClusterIsStillReported() {
        assertOnlyProblem(withRoutes("""
                - respond: { status: 200 }
                - cluster: nowhere
                """), 6, "listeners[0].routes[1].cluster", "unknown cluster \"nowhere\"");
    }

    @Test
    void monitorUriMustBeAPath() {
        String yaml = """
                listeners:
                  - name: web
                    address: 127.0.0.1:0
                    monitor_uri: %s
                    routes: [ { cluster: web } ]
                clusters:
                  - { name: web, servers: [ { address: 127.0.0.1:9001 } ] }
                """;
        assertThat(ConfigLoader.parse(yaml.formatted("/sluice-health"), "sluice.yaml").listeners().get(0)
                .monitorUri()).isEqualTo("/sluice-health");
        assertThat(ConfigLoader.parse(yaml.formatted("/x").replace("    monitor_uri: /x\n", ""), "sluice.yaml")
                .listeners().get(0).monitorUri()).isNull();
        assertOnlyProblem(yaml.formatted("sluice-health"), 4, "listeners[0].monitor_uri", "bad monitor_uri "
                + "\"sluice-health\" (expected a path starting with \"/\", without query, spaces or control characters)");
    }
}
