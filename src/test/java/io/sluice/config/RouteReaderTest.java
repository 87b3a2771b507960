package io.sluice.config;

import static io.sluice.config.ConfigAssertions.assertOnlyProblem;
import static io.sluice.config.ConfigAssertions.assertOnlyProblemStartsWith;
import static io.sluice.config.ConfigAssertions.problemLines;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Route keys: match conditions (host, path, method, headers) and what a route changes on the way. */
class RouteReaderTest {

    /** A file whose listener has {@code routes}; the first line of {@code routes} is line 5 of the file. */
    private static String withRoutes(String routes) {
        return "listeners:\n"
                + "  - name: web\n"
                + "    address: 127.0.0.1:0\n"
                + "    routes:\n"
                + routes.indent(6)
                + "clusters:\n"
                + "  - { name: web, servers: [ { address: 127.0.0.1:9001 } ] }\n"
                + "  - { name: api, servers: [ { address: 127.0.0.1:9002 } ] }\n";
    }

    private static List<RouteConfig> routes(String routes) {
        return ConfigLoader.parse(withRoutes(routes), "sluice.yaml").listeners().get(0).routes();
    }

    // ---- accepted

    @Test
    void everyKeyIsReadWithItsValue() {
        List<RouteConfig> routes = routes("""
                - match:
                    host: "*.Example.com"
                    path_prefix: /v1
                    method: [GET, HEAD]
                    headers:
                      - { name: X-Canary, value: "1" }
                      - { name: X-Debug }
                      - { name: X-Empty, value: "" }
                  cluster: api
                  rewrite_path_prefix: /v2
                  add_request_headers: { X-Route: api, X-Env: prod, X-Version: 2, X-Blank: "" }
                  remove_request_headers: [ X-Internal, cookie ]
                  timeout: 10s
                  retries: 0
                - match: { host: API.example.com, path_exact: /healthz, method: PATCH }
                  cluster: web
                  retries: 5
                - match: { path_regex: "^/users/[0-9]+$", method: [ M-SEARCH ] }
                  cluster: web
                - match: { path_regex: ".*\\\\.png" }
                  cluster: web
                """);

        assertThat(routes).containsExactly(
                new RouteConfig(new RouteMatch("*.example.com", "/v1", null, null, List.of("GET", "HEAD"),
                        List.of(new HeaderMatch("X-Canary", "1"), new HeaderMatch("X-Debug", null),
                                new HeaderMatch("X-Empty", ""))),
                        "api", "/v2",
                        Map.of("X-Route", "api", "X-Env", "prod", "X-Version", "2", "X-Blank", ""),
                        List.of("X-Internal", "cookie"), Duration.ofSeconds(10), 0),
                new RouteConfig(new RouteMatch("api.example.com", null, "/healthz", null, List.of("PATCH"), List.of()),
                        "web", null, Map.of(), List.of(), null, 5),
                new RouteConfig(new RouteMatch(null, null, null, "^/users/[0-9]+$", List.of("M-SEARCH"), List.of()),
                        "web", null, Map.of(), List.of(), null, RouteConfig.DEFAULT_RETRIES),
                new RouteConfig(new RouteMatch(null, null, null, ".*\\.png", List.of(), List.of()),
                        "web", null, Map.of(), List.of(), null, RouteConfig.DEFAULT_RETRIES));
        assertThat(routes.get(0).addRequestHeaders().keySet())
                .as("file order").containsExactly("X-Route", "X-Env", "X-Version", "X-Blank");
    }

    @Test
    void routeWithOnlyAClusterGetsTheDefaults() {
        List<RouteConfig> routes = routes("""
                - cluster: web
                - match:
                  cluster: web
                - match: { method: }
                  cluster: web
                  add_request_headers:
                  remove_request_headers:
                """);

        RouteConfig route = routes.get(0);
        assertThat(routes).containsOnly(new RouteConfig(new RouteMatch(null, null), "web"));
        assertThat(route.match()).isEqualTo(new RouteMatch(null, null, null, null, List.of(), List.of()));
        assertThat(route.rewritePathPrefix()).isNull();
        assertThat(route.addRequestHeaders()).isEmpty();
        assertThat(route.removeRequestHeaders()).isEmpty();
        assertThat(route.timeout()).as("null: the cluster's response timeout").isNull();
        assertThat(route.retries()).isEqualTo(RouteConfig.DEFAULT_RETRIES).isEqualTo(1);
    }

    // ---- match.host

    @Test
    void hostWildcardOnlyAsALeadingStarDot() {
        assertThat(problemLines(withRoutes("""
                - { match: { host: "api.*.com" }, cluster: web }
                - { match: { host: "*example.com" }, cluster: web }
                - { match: { host: "*." }, cluster: web }
                - { match: { host: "*.10.0.0.1" }, cluster: web }
                - { match: { host: "*.*.example.com" }, cluster: web }
                - { match: { host: "*" }, cluster: web }
                - { match: { host: "api.example.com:443" }, cluster: web }
                """))).containsExactly(
                "sluice.yaml:5: listeners[0].routes[0].match.host: bad host \"api.*.com\" (a wildcard is only allowed"
                        + " as a leading \"*.\" before a host name, e.g. *.example.com)",
                "sluice.yaml:6: listeners[0].routes[1].match.host: bad host \"*example.com\" (a wildcard is only"
                        + " allowed as a leading \"*.\" before a host name, e.g. *.example.com)",
                "sluice.yaml:7: listeners[0].routes[2].match.host: bad host \"*.\" (a wildcard is only allowed"
                        + " as a leading \"*.\" before a host name, e.g. *.example.com)",
                "sluice.yaml:8: listeners[0].routes[3].match.host: bad host \"*.10.0.0.1\" (a wildcard is only allowed"
                        + " as a leading \"*.\" before a host name, e.g. *.example.com)",
                "sluice.yaml:9: listeners[0].routes[4].match.host: bad host \"*.*.example.com\" (a wildcard is only"
                        + " allowed as a leading \"*.\" before a host name, e.g. *.example.com)",
                "sluice.yaml:10: listeners[0].routes[5].match.host: bad host \"*\" (a wildcard is only allowed"
                        + " as a leading \"*.\" before a host name, e.g. *.example.com)",
                "sluice.yaml:11: listeners[0].routes[6].match.host: bad host \"api.example.com:443\" (expected a host"
                        + " name without port)");
    }

    // ---- match paths

    @Test
    void atMostOnePathCondition() {
        assertThat(problemLines(withRoutes("""
                - match:
                    path_exact: /a
                    host: example.com
                    path_prefix: /a
                    path_regex: /a
                  cluster: web
                - match: { path_regex: "/b", path_prefix: /b }
                  cluster: web
                """))).containsExactly(
                "sluice.yaml:8: listeners[0].routes[0].match.path_prefix: only one of path_prefix, path_exact,"
                        + " path_regex is allowed (path_exact is at line 6)",
                "sluice.yaml:9: listeners[0].routes[0].match.path_regex: only one of path_prefix, path_exact,"
                        + " path_regex is allowed (path_exact is at line 6)",
                "sluice.yaml:11: listeners[0].routes[1].match.path_prefix: only one of path_prefix, path_exact,"
                        + " path_regex is allowed (path_regex is at line 11)");
    }

    @Test
    void pathsMustStartWithASlashAndHaveNoQuery() {
        assertThat(problemLines(withRoutes("""
                - match: { path_prefix: v1 }
                  cluster: web
                - match:
                    path_exact: healthz
                  cluster: web
                - match: { path_exact: "/search?q=1" }
                  cluster: web
                - match: { path_prefix: "/a?" }
                  cluster: web
                """))).containsExactly(
                "sluice.yaml:5: listeners[0].routes[0].match.path_prefix: bad path_prefix \"v1\" (must start"
                        + " with \"/\")",
                "sluice.yaml:8: listeners[0].routes[1].match.path_exact: bad path_exact \"healthz\" (must start"
                        + " with \"/\")",
                "sluice.yaml:10: listeners[0].routes[2].match.path_exact: bad path_exact \"/search?q=1\" (the query is"
                        + " not part of the path the route compares)",
                "sluice.yaml:12: listeners[0].routes[3].match.path_prefix: bad path_prefix \"/a?\" (the query is"
                        + " not part of the path the route compares)");
    }

    @Test
    void pathRegexMustCompile() {
        assertOnlyProblem(withRoutes("""
                - cluster: web
                - match:
                    path_regex: "^/users/([0-9]+$"
                  cluster: web
                """), 7, "listeners[0].routes[1].match.path_regex",
                "bad path_regex \"^/users/([0-9]+$\" (Unclosed group at index 16)");
        assertOnlyProblemStartsWith(withRoutes("""
                - { match: { path_regex: "*" }, cluster: web }
                """), 5, "listeners[0].routes[0].match.path_regex", "bad path_regex \"*\" (Dangling meta character");
        assertOnlyProblem(withRoutes("""
                - { match: { path_regex: [ /a ] }, cluster: web }
                """), 5, "listeners[0].routes[0].match.path_regex", "expected a string, got a list");
    }

    // ---- match.method

    @Test
    void methodsAreUpperCaseTokens() {
        assertThat(problemLines(withRoutes("""
                - { match: { method: get }, cluster: web }
                - match:
                    method:
                      - GET
                      - "GE T"
                      - Post
                      - GET
                      - { name: GET }
                  cluster: web
                - { match: { method: [] }, cluster: web }
                - { match: { method: { GET: true } }, cluster: web }
                """))).containsExactly(
                "sluice.yaml:5: listeners[0].routes[0].match.method: bad method \"get\" (methods are case-sensitive:"
                        + " expected upper case, e.g. GET)",
                "sluice.yaml:9: listeners[0].routes[1].match.method[1]: bad method \"GE T\" (expected a token such"
                        + " as GET)",
                "sluice.yaml:10: listeners[0].routes[1].match.method[2]: bad method \"Post\" (methods are"
                        + " case-sensitive: expected upper case, e.g. GET)",
                "sluice.yaml:11: listeners[0].routes[1].match.method[3]: duplicate method \"GET\" (first at line 8)",
                "sluice.yaml:12: listeners[0].routes[1].match.method[4]: expected a method, got a mapping",
                "sluice.yaml:14: listeners[0].routes[2].match.method: at least one method is required (leave method"
                        + " out to match any)",
                "sluice.yaml:15: listeners[0].routes[3].match.method: expected a method or a list of methods, got a"
                        + " mapping");
    }

    // ---- match.headers

    @Test
    void headerConditionsNeedATokenNameAndACleanValue() {
        assertThat(problemLines(withRoutes("""
                - match:
                    headers:
                      - { value: "1" }
                      - { name: "X Debug" }
                      - { name: X-Canary, value: "1\\r\\nX-Evil: 1" }
                      - { name: X-Pad, value: " 1" }
                      - { name: X-A, values: [ "1" ] }
                      - X-B
                      - { name: X-Canary }
                      - { name: X-Tab, value: "a\\tb" }
                  cluster: web
                - { match: { headers: { name: X-A } }, cluster: web }
                """))).containsExactly(
                "sluice.yaml:7: listeners[0].routes[0].match.headers[0]: missing required key \"name\"",
                "sluice.yaml:8: listeners[0].routes[0].match.headers[1].name: bad header name \"X Debug\" (expected"
                        + " a token: letters, digits and !#$%&'*+-.^_`|~)",
                "sluice.yaml:9: listeners[0].routes[0].match.headers[2].value: bad header value"
                        + " \"1\\r\\nX-Evil: 1\" (CR, LF and NUL are not allowed)",
                "sluice.yaml:10: listeners[0].routes[0].match.headers[3].value: bad header value \" 1\" (must not"
                        + " start or end with a space or tab)",
                "sluice.yaml:11: listeners[0].routes[0].match.headers[4].values: unknown key \"values\" (allowed:"
                        + " name, value)",
                "sluice.yaml:12: listeners[0].routes[0].match.headers[5]: expected a mapping, got \"X-B\"",
                "sluice.yaml:13: listeners[0].routes[0].match.headers[6].name: duplicate header \"X-Canary\" (first"
                        + " at line 9; names are case-insensitive)",
                "sluice.yaml:16: listeners[0].routes[1].match.headers: expected a list, got a mapping");
    }

    // ---- rewrite_path_prefix

    @Test
    void rewritePathPrefixNeedsAPathPrefixMatch() {
        assertThat(problemLines(withRoutes("""
                - cluster: web
                  rewrite_path_prefix: /v2
                - match: { path_exact: /v1 }
                  cluster: web
                  rewrite_path_prefix: /v2
                - match: { path_prefix: /v1 }
                  cluster: web
                  rewrite_path_prefix: v2
                - match: { path_prefix: /v1 }
                  cluster: web
                  rewrite_path_prefix: /
                """))).containsExactly(
                "sluice.yaml:6: listeners[0].routes[0].rewrite_path_prefix: rewrite_path_prefix needs"
                        + " match.path_prefix (it replaces the matched prefix)",
                "sluice.yaml:9: listeners[0].routes[1].rewrite_path_prefix: rewrite_path_prefix needs"
                        + " match.path_prefix (it replaces the matched prefix)",
                "sluice.yaml:12: listeners[0].routes[2].rewrite_path_prefix: bad rewrite_path_prefix \"v2\" (must"
                        + " start with \"/\")");
    }

    // ---- add_request_headers, remove_request_headers

    @Test
    void addedHeadersNeedTokenNamesAndCleanValues() {
        assertThat(problemLines(withRoutes("""
                - cluster: web
                  add_request_headers:
                    "X Route": api
                    Content-Length: "5"
                    transfer-encoding: chunked
                    X-Empty:
                    X-List: [ a, b ]
                    X-Crlf: "a\\nb"
                    X-Nul: "a\\0b"
                    X-Bell: "a\\x07b"
                    X-Accent: "café"
                    X-Trail: "a "
                    X-Env: prod
                    x-env: test
                - cluster: web
                  add_request_headers: [ X-Route ]
                """))).containsExactly(
                "sluice.yaml:7: listeners[0].routes[0].add_request_headers.X Route: bad header name \"X Route\""
                        + " (expected a token: letters, digits and !#$%&'*+-.^_`|~)",
                "sluice.yaml:8: listeners[0].routes[0].add_request_headers.Content-Length: \"Content-Length\" cannot"
                        + " be added or removed by a route (Sluice manages Host, framing, hop-by-hop and forwarding fields)",
                "sluice.yaml:9: listeners[0].routes[0].add_request_headers.transfer-encoding: \"transfer-encoding\""
                        + " cannot be added or removed by a route (Sluice manages Host, framing, hop-by-hop and forwarding fields)",
                "sluice.yaml:10: listeners[0].routes[0].add_request_headers.X-Empty: expected a string (\"\" for an"
                        + " empty value), got nothing",
                "sluice.yaml:11: listeners[0].routes[0].add_request_headers.X-List: expected a string (\"\" for an"
                        + " empty value), got a list",
                "sluice.yaml:12: listeners[0].routes[0].add_request_headers.X-Crlf: bad header value \"a\\nb\" (CR,"
                        + " LF and NUL are not allowed)",
                "sluice.yaml:13: listeners[0].routes[0].add_request_headers.X-Nul: bad header value \"a\\0b\" (CR,"
                        + " LF and NUL are not allowed)",
                "sluice.yaml:14: listeners[0].routes[0].add_request_headers.X-Bell: bad header value \"a\\x07b\""
                        + " (control characters are not allowed)",
                "sluice.yaml:15: listeners[0].routes[0].add_request_headers.X-Accent: bad header value \"café\""
                        + " (only ASCII characters are allowed)",
                "sluice.yaml:16: listeners[0].routes[0].add_request_headers.X-Trail: bad header value \"a \" (must"
                        + " not start or end with a space or tab)",
                "sluice.yaml:18: listeners[0].routes[0].add_request_headers.x-env: duplicate header \"x-env\" (first"
                        + " at line 17; names are case-insensitive)",
                "sluice.yaml:20: listeners[0].routes[1].add_request_headers: expected a mapping, got a list");
    }

    @Test
    void removedHeadersNeedTokenNames() {
        assertThat(problemLines(withRoutes("""
                - cluster: web
                  add_request_headers: { X-Env: prod }
                  remove_request_headers:
                    - X-Internal
                    - "X Internal"
                    - Connection
                    - x-internal
                    - x-ENV
                    - { name: X-Debug }
                - cluster: web
                  remove_request_headers: X-Internal
                """))).containsExactly(
                "sluice.yaml:9: listeners[0].routes[0].remove_request_headers[1]: bad header name \"X Internal\""
                        + " (expected a token: letters, digits and !#$%&'*+-.^_`|~)",
                "sluice.yaml:10: listeners[0].routes[0].remove_request_headers[2]: \"Connection\" cannot be added or"
                        + " removed by a route (Sluice manages Host, framing, hop-by-hop and forwarding fields)",
                "sluice.yaml:11: listeners[0].routes[0].remove_request_headers[3]: duplicate header \"x-internal\""
                        + " (first at line 8; names are case-insensitive)",
                "sluice.yaml:12: listeners[0].routes[0].remove_request_headers[4]: \"x-ENV\" is also in"
                        + " add_request_headers (adding a field already replaces it)",
                "sluice.yaml:13: listeners[0].routes[0].remove_request_headers[5]: expected a header name, got a"
                        + " mapping",
                "sluice.yaml:15: listeners[0].routes[1].remove_request_headers: expected a list, got \"X-Internal\"");
    }

    // ---- timeout, retries

    @Test
    void timeoutIsAPositiveDurationAndRetriesAreBounded() {
        assertThat(problemLines(withRoutes("""
                - cluster: web
                  timeout: 0s
                  retries: 6
                - cluster: web
                  timeout: 10
                  retries: -1
                - { cluster: web, timeout: 25h, retries: twice }
                """))).containsExactly(
                "sluice.yaml:6: listeners[0].routes[0].timeout: bad duration \"0s\" (must be greater than 0)",
                "sluice.yaml:7: listeners[0].routes[0].retries: out of range: 6 (must be 0..5)",
                "sluice.yaml:9: listeners[0].routes[1].timeout: bad duration \"10\" (expected e.g. 250ms, 5s, 2m)",
                "sluice.yaml:10: listeners[0].routes[1].retries: out of range: -1 (must be 0..5)",
                "sluice.yaml:11: listeners[0].routes[2].timeout: bad duration \"25h\" (must be at most 24h)",
                "sluice.yaml:11: listeners[0].routes[2].retries: expected a number, got \"twice\"");
    }

    // ---- buffering

    @Test
    void bufferingKeysAreReadWithTheirValues() {
        List<RouteConfig> routes = routes("""
                - cluster: web
                  buffer_request: true
                  max_request_buffer: 64KiB
                  overflow: stream
                  buffer_response: true
                - cluster: web
                  buffer_request: true
                  max_request_buffer: 1GiB
                  overflow: reject
                  buffer_response: false
                - { cluster: web, buffer_request: true, max_request_buffer: 1KiB }
                - { cluster: web, buffer_response: true }
                - { cluster: web, buffer_request: false }
                """);

        assertThat(routes).extracting(RouteConfig::buffering).containsExactly(
                new RouteBuffering(true, 64 * 1024, RouteBuffering.Overflow.STREAM, true),
                new RouteBuffering(true, 1024 * 1024 * 1024, RouteBuffering.Overflow.REJECT, false),
                new RouteBuffering(true, 1024, RouteBuffering.Overflow.REJECT, false),
                new RouteBuffering(false, RouteBuffering.DEFAULT_MAX_REQUEST_BUFFER, RouteBuffering.Overflow.REJECT,
                        true),
                RouteBuffering.NONE);
    }

    @Test
    void bufferingDefaults() {
        List<RouteConfig> routes = routes("""
                - cluster: web
                - cluster: web
                  buffer_request: true
                - cluster: web
                  buffer_request:
                  max_request_buffer:
                  overflow:
                  buffer_response:
                """);

        assertThat(routes.get(0).buffering()).isEqualTo(RouteBuffering.NONE)
                .isEqualTo(new RouteBuffering(false, 1024 * 1024, RouteBuffering.Overflow.REJECT, false));
        assertThat(routes.get(1).buffering()).isEqualTo(new RouteBuffering(true,
                RouteBuffering.DEFAULT_MAX_REQUEST_BUFFER, RouteBuffering.Overflow.REJECT, false));
        assertThat(routes.get(2).buffering()).as("empty values: the defaults").isEqualTo(RouteBuffering.NONE);
    }

    @Test
    void bufferingValuesAreCheckedAndBounded() {
        assertThat(problemLines(withRoutes("""
                - cluster: web
                  buffer_request: yes
                  buffer_response: 1
                - cluster: web
                  buffer_request: true
                  max_request_buffer: 1023
                  overflow: drop
                - { cluster: web, buffer_request: true, max_request_buffer: 2GiB, overflow: STREAM }
                - { cluster: web, buffer_request: true, max_request_buffer: 1MB, buffer_response: [ true ] }
                """))).containsExactly(
                "sluice.yaml:6: listeners[0].routes[0].buffer_request: expected true or false, got \"yes\"",
                "sluice.yaml:7: listeners[0].routes[0].buffer_response: expected true or false, got \"1\"",
                "sluice.yaml:10: listeners[0].routes[1].max_request_buffer: out of range: 1023 (must be 1KiB..1GiB)",
                "sluice.yaml:11: listeners[0].routes[1].overflow: unknown value \"drop\" (expected reject, stream)",
                "sluice.yaml:12: listeners[0].routes[2].max_request_buffer: out of range: 2GiB (must be 1KiB..1GiB)",
                "sluice.yaml:12: listeners[0].routes[2].overflow: unknown value \"STREAM\" (expected reject, stream)",
                "sluice.yaml:13: listeners[0].routes[3].max_request_buffer: bad size \"1MB\" (expected e.g. 512,"
                        + " 64KiB, 1MiB)",
                "sluice.yaml:13: listeners[0].routes[3].buffer_response: expected true or false, got a list");
    }

    @Test
    void requestBufferLimitsNeedBufferRequest() {
        assertThat(problemLines(withRoutes("""
                - cluster: web
                  max_request_buffer: 64KiB
                - cluster: web
                  buffer_request: false
                  overflow: stream
                  max_request_buffer: 2GiB
                - { cluster: web, buffer_response: true, overflow: reject }
                """))).containsExactly(
                "sluice.yaml:6: listeners[0].routes[0].max_request_buffer: max_request_buffer needs buffer_request:"
                        + " true (it applies to buffered requests only)",
                "sluice.yaml:9: listeners[0].routes[1].overflow: overflow needs buffer_request: true (it applies to"
                        + " buffered requests only)",
                "sluice.yaml:10: listeners[0].routes[1].max_request_buffer: out of range: 2GiB (must be"
                        + " 1KiB..1GiB)",
                "sluice.yaml:10: listeners[0].routes[1].max_request_buffer: max_request_buffer needs buffer_request:"
                        + " true (it applies to buffered requests only)",
                "sluice.yaml:11: listeners[0].routes[2].overflow: overflow needs buffer_request: true (it applies to"
                        + " buffered requests only)");
    }

    @Test
    void aBadBufferRequestIsReportedOnce() {
        assertOnlyProblem(withRoutes("""
                - cluster: web
                  buffer_request: on
                  max_request_buffer: 64KiB
                  overflow: stream
                """), 6, "listeners[0].routes[0].buffer_request", "expected true or false, got \"on\"");
    }

    @Test
    void unknownRouteAndMatchKeys() {
        assertThat(problemLines(withRoutes("""
                - match: { path: /v1 }
                  cluster: web
                  retry: 2
                """))).containsExactly(
                "sluice.yaml:5: listeners[0].routes[0].match.path: unknown key \"path\" (allowed: host, path_prefix,"
                        + " path_exact, path_regex, method, headers)",
                "sluice.yaml:7: listeners[0].routes[0].retry: unknown key \"retry\" (allowed: match, cluster,"
                        + " rewrite_path_prefix, add_request_headers, remove_request_headers, timeout, retries,"
                        + " buffer_request, max_request_buffer, overflow, buffer_response, upgrades, rate_limit, auth, respond,"
                        + " redirect, deliver, cache)");
    }
}
