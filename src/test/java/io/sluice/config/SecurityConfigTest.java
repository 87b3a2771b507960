package io.sluice.config;

import static io.sluice.config.ConfigAssertions.assertOnlyProblem;
import static io.sluice.config.ConfigAssertions.assertOnlyProblemStartsWith;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Listener screen, request target rules and the new limits; route rate limits and auth. */
class SecurityConfigTest {
    private static final String TOKEN_HASH = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    /**
     * A file with one listener; {@code listenerKeys} start at line 4, the route's keys after them (at line 6 when
     * there are no listener keys).
     */
    private static String file(String listenerKeys, String routeKeys) {
        return "listeners:\n"
                + "  - name: web\n"
                + "    address: 127.0.0.1:0\n"
                + listenerKeys.indent(4)
                + "    routes:\n"
                + "      - cluster: web\n"
                + routeKeys.indent(8)
                + "clusters:\n"
                + "  - { name: web, servers: [ { address: 127.0.0.1:9001 } ] }\n";
    }

    private static ListenerConfig listener(String listenerKeys, String routeKeys) {
        return ConfigLoader.parse(file(listenerKeys, routeKeys), "sluice.yaml").listeners().get(0);
    }

    @Test
    void defaults() {
        ListenerConfig l = listener("", "");
        assertThat(l.screen()).isEqualTo(ScreenConfig.NONE);
        assertThat(l.screen().active()).isFalse();
        assertThat(l.requestTarget()).isEqualTo(new RequestTargetRules(true, true));
        assertThat(l.limits().body()).isEqualTo(1L << 30);
        assertThat(l.limits().requestsPerConnection()).isEqualTo(10_000);
        assertThat(l.routes().get(0).rateLimit()).isNull();
        assertThat(l.routes().get(0).auth()).isNull();
    }

    @Test
    void everyKeyIsRead() {
        ListenerConfig l = listener("""
                screen:
                  allow: [ 10.0.0.0/8, "2001:db8::/32", 192.0.2.7 ]
                  deny: [ 10.9.0.0/16 ]
                  max_connections_per_client: 50
                  connection_rate: 20/s
                  request_rate: { rate: 600/m, burst: 30 }
                  tracked_clients: 1000
                request_target: { absolute_form: reject, syntax: lenient }
                limits: { body: 10MiB, requests_per_connection: 100 }
                """, """
                rate_limit: 1000/h
                auth:
                  realm: internal api
                  bearer: [ %s ]
                  basic: { alice: "%s" }
                  forward_credentials: true
                """.formatted(TOKEN_HASH, TOKEN_HASH.toUpperCase().replace("SHA256", "sha256")));
        assertThat(l.screen()).isEqualTo(new ScreenConfig(
                List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("2001:db8::/32"), Cidr.parse("192.0.2.7/32")),
                List.of(Cidr.parse("10.9.0.0/16")), 50, new RateLimit(20, 1, 20), new RateLimit(600, 60, 30), 1000));
        assertThat(l.requestTarget()).isEqualTo(new RequestTargetRules(false, false));
        assertThat(l.limits().body()).isEqualTo(10L << 20);
        assertThat(l.limits().requestsPerConnection()).isEqualTo(100);
        RouteConfig r = l.routes().get(0);
        assertThat(r.rateLimit()).isEqualTo(new RateLimit(1000, 3600, 1000));
        String hex = TOKEN_HASH.substring("sha256:".length());
        assertThat(r.auth()).isEqualTo(new AuthConfig("internal api", List.of(hex), Map.of("alice", hex), true));
    }

    @Test
    void badAddressBlock() {
        assertOnlyProblem(file("screen: { deny: [ 10.1.2.3/8 ] }", ""), 4, "listeners[0].screen.deny[0]",
                "bad address block \"10.1.2.3/8\" (address bits beyond the prefix length must be 0)");
        assertOnlyProblem(file("screen: { allow: [ 10.0.0.0/33 ] }", ""), 4, "listeners[0].screen.allow[0]",
                "bad address block \"10.0.0.0/33\" (the prefix length must be 0..32)");
        assertOnlyProblemStartsWith(file("screen: { allow: [ example.com ] }", ""), 4, "listeners[0].screen.allow[0]",
                "bad address block \"example.com\" (expected an IPv4 or IPv6 address");
    }

    @Test
    void badRates() {
        assertOnlyProblemStartsWith(file("screen:\n  connection_rate: 20/d", ""), 5,
                "listeners[0].screen.connection_rate", "bad rate \"20/d\"");
        assertOnlyProblemStartsWith(file("screen:\n  request_rate: { rate: 0/s }", ""), 5,
                "listeners[0].screen.request_rate.rate", "bad rate \"0/s\"");
        assertOnlyProblem(file("screen:\n  request_rate: { rate: 5/s, burst: 0 }", ""), 5,
                "listeners[0].screen.request_rate.burst", "out of range: 0 (must be 1..1000000000)");
        assertOnlyProblemStartsWith(file("", "rate_limit: { rate: 5/s, per: 1s }"), 6,
                "listeners[0].routes[0].rate_limit.per", "unknown key \"per\"");
    }

    @Test
    void badRequestTargetRule() {
        assertOnlyProblem(file("request_target: { absolute_form: maybe }", ""), 4,
                "listeners[0].request_target.absolute_form", "unknown value \"maybe\" (expected allow, reject)");
    }

    @Test
    void secretsMustBeHashes() {
        assertOnlyProblemStartsWith(file("", "auth: { bearer: [ my-token ] }"), 6,
                "listeners[0].routes[0].auth.bearer[0]", "bad secret hash (expected sha256: and 64 hex digits");
        assertOnlyProblemStartsWith(file("", "auth: { basic: { alice: hunter2 } }"), 6,
                "listeners[0].routes[0].auth.basic.alice", "bad secret hash");
        assertOnlyProblem(file("", "auth: { realm: x }"), 6, "listeners[0].routes[0].auth",
                "auth needs \"bearer\" tokens or \"basic\" users");
        assertOnlyProblem(file("", "auth: { bearer: [] }"), 6, "listeners[0].routes[0].auth",
                "auth needs \"bearer\" tokens or \"basic\" users");
        assertOnlyProblem(file("", "auth: { basic: {} }"), 6, "listeners[0].routes[0].auth",
                "auth needs \"bearer\" tokens or \"basic\" users");
        assertOnlyProblemStartsWith(file("", "auth: { realm: 'a\"b', bearer: [ " + TOKEN_HASH + " ] }"), 6,
                "listeners[0].routes[0].auth.realm", "bad realm");
        assertOnlyProblemStartsWith(file("", "auth: { basic: { 'a:b': " + TOKEN_HASH + " } }"), 6,
                "listeners[0].routes[0].auth.basic.a:b", "bad user name");
    }

    @Test
    void tcpListenersDoNotCountRequests() {
        String yaml = "listeners:\n"
                + "  - name: db\n"
                + "    address: 127.0.0.1:0\n"
                + "    protocol: tcp\n"
                + "    cluster: web\n"
                + "    screen:\n"
                + "      request_rate: 5/s\n"
                + "clusters:\n"
                + "  - { name: web, servers: [ { address: 127.0.0.1:9001 } ] }\n";
        assertOnlyProblem(yaml, 7, "listeners[0].screen.request_rate",
                "only http listeners count requests; tcp listeners can limit connection_rate");
    }
}
