package io.sluice.config;

import static io.sluice.config.ConfigAssertions.assertOnlyProblem;
import static io.sluice.config.ConfigAssertions.assertOnlyProblemStartsWith;
import static io.sluice.config.ConfigAssertions.problems;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    // ---- valid files

    @Test
    void fullFileParsesWithDefaultsFilledIn() {
        SluiceConfig config = ConfigLoader.parse("""
                workers: 2
                transport: nio
                listeners:
                  - name: web
                    address: 127.0.0.1:8080
                    protocol: http
                    max_connections: 100000
                    routes:
                      - match: { host: API.example.com, path_prefix: /v1 }
                        cluster: api
                      - match: { path_prefix: / }
                        cluster: web
                    timeouts: { request_header: 10s, body_idle: 30s, keepalive_idle: 15s }
                    limits: { request_line: 8KiB, header_bytes: 32KiB, headers: 100 }
                  - name: v6.internal_2
                    address: "[::1]:0"
                    routes:
                      - cluster: web
                    timeouts: { request_header: 250ms }
                    limits: { header_bytes: 1MiB }
                clusters:
                  - name: web
                    balance: round_robin
                    servers:
                      - { address: 127.0.0.1:9001, weight: 1, max_connections: 256 }
                      - { address: 127.0.0.1:9002 }
                    pool: { max_idle: 64, idle_timeout: 4s, prewarm: 0 }
                    timeouts: { connect: 5s, response: 30s }
                  - name: api
                    servers:
                      - address: Backend.local:9003
                        weight: 3
                    pool: { prewarm: 2 }
                    timeouts: { response: 2m }
                admin:
                  address: 127.0.0.1:9901
                """, "sluice.yaml");

        assertThat(config.workers()).isEqualTo(2);
        assertThat(config.transport()).isEqualTo(Transport.NIO);
        assertThat(config.listeners()).containsExactly(
                new ListenerConfig("web", new HostPort("127.0.0.1", 8080), Protocol.HTTP, 100_000,
                        List.of(new RouteConfig(new RouteMatch("api.example.com", "/v1"), "api"),
                                new RouteConfig(new RouteMatch(null, "/"), "web")),
                        null, ListenerTimeouts.DEFAULTS, ListenerLimits.DEFAULTS),
                new ListenerConfig("v6.internal_2", new HostPort("::1", 0), Protocol.HTTP, 10_000,
                        List.of(new RouteConfig(new RouteMatch(null, null), "web")),
                        null,
                        new ListenerTimeouts(Duration.ofMillis(250), Duration.ofSeconds(30), Duration.ofSeconds(15)),
                        new ListenerLimits(8 * 1024, 1024 * 1024, 100)));
        assertThat(config.clusters()).containsExactly(
                new ClusterConfig("web", Balance.ROUND_ROBIN,
                        List.of(new ServerConfig(new HostPort("127.0.0.1", 9001), 1, 256),
                                new ServerConfig(new HostPort("127.0.0.1", 9002), 1, 256)),
                        PoolConfig.DEFAULTS, ClusterTimeouts.DEFAULTS),
                new ClusterConfig("api", Balance.ROUND_ROBIN,
                        List.of(new ServerConfig(new HostPort("backend.local", 9003), 3, 256)),
                        new PoolConfig(64, Duration.ofSeconds(4), 2),
                        new ClusterTimeouts(Duration.ofSeconds(5), Duration.ofMinutes(2))));
        assertThat(config.admin()).isEqualTo(new AdminConfig(new HostPort("127.0.0.1", 9901)));
        assertThat(config.cluster("api")).isSameAs(config.clusters().get(1));
        assertThat(config.listeners().get(1).address()).hasToString("[::1]:0");
    }

    @Test
    void minimalFileGetsDefaults() {
        SluiceConfig config = ConfigLoader.parse("""
                listeners:
                  - name: web
                    address: localhost:0
                    routes: [ { cluster: web } ]
                clusters:
                  - name: web
                    servers: [ { address: 127.0.0.1:9001 } ]
                """, "sluice.yaml");

        assertThat(config.workers())
                .isEqualTo(Math.min(256, Runtime.getRuntime().availableProcessors()));
        assertThat(config.transport()).isEqualTo(Transport.AUTO);
        assertThat(config.admin()).isNull();
        ListenerConfig listener = config.listeners().get(0);
        assertThat(listener.protocol()).isEqualTo(Protocol.HTTP);
        assertThat(listener.maxConnections()).isEqualTo(10_000);
        assertThat(listener.timeouts()).isEqualTo(ListenerTimeouts.DEFAULTS);
        assertThat(listener.limits()).isEqualTo(ListenerLimits.DEFAULTS);
        assertThat(listener.socket()).isEqualTo(SocketOptions.DEFAULTS);
        assertThat(listener.routes()).containsExactly(new RouteConfig(new RouteMatch(null, null), "web"));
        ClusterConfig cluster = config.clusters().get(0);
        assertThat(cluster.balance()).isEqualTo(Balance.ROUND_ROBIN);
        assertThat(cluster.pool()).isEqualTo(PoolConfig.DEFAULTS);
        assertThat(cluster.timeouts()).isEqualTo(ClusterTimeouts.DEFAULTS);
    }

    @Test
    void reusePortAndShutdownTimeoutAreReadWithDefaults() {
        SluiceConfig config = ConfigLoader.parse("""
                shutdown_timeout: 5s
                listeners:
                  - name: web
                    address: 127.0.0.1:0
                    routes: [ { cluster: web } ]
                    socket: { reuse_port: false }
                clusters:
                  - { name: web, servers: [ { address: 127.0.0.1:9001 } ] }
                """, "sluice.yaml");
        assertThat(config.listeners().get(0).socket()).isEqualTo(new SocketOptions(0, 0, false));
        assertThat(config.shutdownTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(SocketOptions.DEFAULTS.reusePort()).isTrue();
        assertThat(ConfigLoader.parse("""
                listeners: [ { name: web, address: 127.0.0.1:0, routes: [ { cluster: web } ] } ]
                clusters: [ { name: web, servers: [ { address: 127.0.0.1:9001 } ] } ]
                """, "sluice.yaml").shutdownTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertOnlyProblemStartsWith("""
                shutdown_timeout: soon
                listeners: [ { name: web, address: 127.0.0.1:0, routes: [ { cluster: web } ] } ]
                clusters: [ { name: web, servers: [ { address: 127.0.0.1:9001 } ] } ]
                """, 1, "shutdown_timeout", "");
        assertOnlyProblemStartsWith("""
                listeners:
                  - name: web
                    address: 127.0.0.1:0
                    routes: [ { cluster: web } ]
                    socket: { reuse_port: maybe }
                clusters: [ { name: web, servers: [ { address: 127.0.0.1:9001 } ] } ]
                """, 5, "listeners[0].socket.reuse_port", "");
    }

    @Test
    void socketBuffersAreReadAndBounded() {
        SluiceConfig config = ConfigLoader.parse("""
                listeners:
                  - name: web
                    address: 127.0.0.1:0
                    routes: [ { cluster: web } ]
                    socket: { send_buffer: 64KiB }
                clusters:
                  - { name: web, servers: [ { address: 127.0.0.1:9001 } ] }
                """, "sluice.yaml");
        assertThat(config.listeners().get(0).socket()).isEqualTo(new SocketOptions(64 * 1024, 0));
        assertThat(ConfigLoader.parse("""
                listeners:
                  - name: web
                    address: 127.0.0.1:0
                    routes: [ { cluster: web } ]
                    socket: { send_buffer: 0, receive_buffer: 0B }
                clusters:
                  - { name: web, servers: [ { address: 127.0.0.1:9001 } ] }
                """, "sluice.yaml").listeners().get(0).socket()).as("0: kernel autotuning")
                .isEqualTo(SocketOptions.DEFAULTS);
        assertOnlyProblemStartsWith("""
                listeners:
                  - name: web
                    address: 127.0.0.1:0
                    routes: [ { cluster: web } ]
                    socket:
                      send_buffer: 12
                clusters:
                  - { name: web, servers: [ { address: 127.0.0.1:9001 } ] }
                """, 6, "listeners[0].socket.send_buffer", "out of range: 12 (must be 0 or 1KiB..64MiB)");
    }

    @Test
    void maxPipelineIsReadAndBounded() {
        String file = """
                listeners:
                  - name: web
                    address: 127.0.0.1:0
                    routes: [ { cluster: web } ]
                    limits: { max_pipeline: %s }
                clusters:
                  - { name: web, servers: [ { address: 127.0.0.1:9001 } ] }
                """;
        assertThat(ConfigLoader.parse(file.formatted("1"), "sluice.yaml").listeners().get(0).limits())
                .isEqualTo(new ListenerLimits(8 * 1024, 32 * 1024, 100, 1));
        assertThat(ConfigLoader.parse(file.formatted("256"), "sluice.yaml").listeners().get(0).limits()
                .maxPipeline()).isEqualTo(256);
        assertThat(ConfigLoader.parse(file.formatted(""), "sluice.yaml").listeners().get(0).limits()
                .maxPipeline()).as("empty: the default").isEqualTo(ListenerLimits.DEFAULT_MAX_PIPELINE).isEqualTo(16);
        assertThat(ConfigLoader.parse(file.replace("limits: { max_pipeline: %s }", "limits: { headers: 50 }"),
                "sluice.yaml").listeners().get(0).limits().maxPipeline()).isEqualTo(16);
        assertOnlyProblem(file.formatted("0"), 5, "listeners[0].limits.max_pipeline",
                "out of range: 0 (must be 1..256)");
        assertOnlyProblem(file.formatted("257"), 5, "listeners[0].limits.max_pipeline",
                "out of range: 257 (must be 1..256)");
        assertOnlyProblem(file.formatted("many"), 5, "listeners[0].limits.max_pipeline",
                "expected a number, got \"many\"");
        assertOnlyProblem(file.formatted("16KiB"), 5, "listeners[0].limits.max_pipeline",
                "expected a number, got \"16KiB\"");
    }

    @Test
    void readmeExampleIsValid() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        int start = readme.indexOf("```yaml\n", readme.indexOf("## Configuration"));
        assertThat(start).as("a yaml block in the README's Configuration section").isPositive();
        String yaml = readme.substring(start + "```yaml\n".length(), readme.indexOf("```", start + 1));

        SluiceConfig config = ConfigLoader.parse(yaml, "README.md");
        assertThat(config.listeners().get(0).routes()).hasSize(6);
        assertThat(config.listeners().get(0).routes().get(3).cache()).isEqualTo(new RouteCache(64L << 20, 1L << 20,
                Duration.ofSeconds(5), null, RouteCache.DEFAULT_DISK_MAX));
        assertThat(config.listeners().get(0).routes().get(4).deliver()).isEqualTo(RouteConfig.Deliver.DIRECT);
        assertThat(config.deferred()).isEqualTo(DeferredConfig.DEFAULTS.journalDir().equals(
                Path.of("/tmp/sluice-deferred")) ? DeferredConfig.DEFAULTS : config.deferred());
        assertThat(config.deferred().backoffMax()).isEqualTo(DeferredConfig.DEFAULTS.backoffMax());
        assertThat(config.listeners().get(0).routes().get(1).direct().status()).isEqualTo(301);
        assertThat(config.listeners().get(0).routes().get(2).direct().action()).isEqualTo(DirectResponse.Action.RESPOND);
        assertThat(config.listeners().get(0).monitorUri()).isEqualTo("/sluice-health");
        assertThat(config.listeners().get(0).routes().get(0).buffering().bufferRequest()).isTrue();
        assertThat(config.buffers().spillDir()).isEqualTo(Path.of("/tmp/sluice-spill"));
        assertThat(config.cluster("api").health()).isNotNull();
        assertThat(config.listeners().get(1).protocol()).isEqualTo(Protocol.TCP);
        assertThat(config.cluster("api").servers().get(0).sendProxy()).isEqualTo(SendProxy.V2);
    }

    @Test
    void loadReadsAFileAndNamesItInProblems(@TempDir Path dir) throws Exception {
        Path good = dir.resolve("good.yaml");
        Files.writeString(good, """
                listeners:
                  - { name: web, address: 127.0.0.1:0, routes: [ { cluster: web } ] }
                clusters:
                  - { name: web, servers: [ { address: 127.0.0.1:9001 } ] }
                """);
        assertThat(ConfigLoader.load(good).listeners()).hasSize(1);

        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "workers: many\n");
        assertThatThrownBy(() -> ConfigLoader.load(bad))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(bad + ":1: workers: expected a number, got \"many\"");
    }

    @Test
    void unreadableFileIsAProblemAtLineZero(@TempDir Path dir) {
        Path missing = dir.resolve("missing.yaml");
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(missing));
        assertThat(e.problems()).containsExactly(
                new ConfigProblem(missing.toString(), 0, "", "cannot read file: no such file"));
    }

    // ---- problem reporting

    @Test
    void problemToStringAndExceptionMessage() {
        ConfigProblem withPath = new ConfigProblem("sluice.yaml", 12, "listeners[0].routes[1].cluster",
                "unknown cluster \"api\"");
        ConfigProblem withoutPath = new ConfigProblem("sluice.yaml", 1, "", "the file is empty");
        assertThat(withPath).hasToString("sluice.yaml:12: listeners[0].routes[1].cluster: unknown cluster \"api\"");
        assertThat(withoutPath).hasToString("sluice.yaml:1: the file is empty");
        assertThat(new ConfigException(List.of(withoutPath, withPath)))
                .hasMessage("sluice.yaml:1: the file is empty\n"
                        + "sluice.yaml:12: listeners[0].routes[1].cluster: unknown cluster \"api\"");
    }

    @Test
    void unknownCluster() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse("""
                listeners:
                  - name: web
                    address: 127.0.0.1:8080
                    routes:
                      - match: { path_prefix: /v1 }
                        cluster: web
                      - match: { path_prefix: / }
                        cluster: api
                clusters:
                  - name: web
                    servers: [ { address: 127.0.0.1:9001 } ]
                """, "sluice.yaml"));
        assertThat(e).hasMessage("sluice.yaml:8: listeners[0].routes[1].cluster: unknown cluster \"api\"");
    }

    @Test
    void unknownKeyNestedInPool() {
        assertOnlyProblem("""
                listeners:
                  - name: web
                    address: 127.0.0.1:8080
                    routes: [ { cluster: web } ]
                clusters:
                  - name: web
                    servers: [ { address: 127.0.0.1:9001 } ]
                    pool:
                      max_idle: 8
                      idle_timout: 2s
                """, 10, "clusters[0].pool.idle_timout",
                "unknown key \"idle_timout\" (allowed: max_idle, idle_timeout, prewarm)");
    }

    @Test
    void unknownKeyAtTopAndInFlowMapping() {
        assertThat(problems("""
                listeners:
                  - name: web
                    address: 127.0.0.1:8080
                    routes: [ { cluster: web, match: { path: / } } ]
                clusters:
                  - name: web
                    servers: [ { address: 127.0.0.1:9001 } ]
                verbose: true
                """)).extracting(ConfigProblem::line, ConfigProblem::path).containsExactly(
                tuple(4, "listeners[0].routes[0].match.path"),
                tuple(8, "verbose"));
    }

    @Test
    void badAddress() {
        assertOnlyProblem("""
                listeners:
                  - name: web
                    address: 127.0.0.1
                    routes: [ { cluster: web } ]
                clusters:
                  - name: web
                    servers: [ { address: 127.0.0.1:9001 } ]
                """, 3, "listeners[0].address", "bad address \"127.0.0.1\" (expected host:port)");
    }

    @Test
    void badServerAddressAndPortOutOfRange() {
        assertThat(problems("""
                listeners:
                  - name: web
                    address: 127.0.0.1:65536
                    routes: [ { cluster: web } ]
                clusters:
                  - name: web
                    servers:
                      - address: ::1:9001
                      - address: bad_host:9001
                      - address: 10.0.0.300:9001
                """)).extracting(ConfigProblem::toString).containsExactly(
                "sluice.yaml:3: listeners[0].address: bad address \"127.0.0.1:65536\" (expected host:port)",
                "sluice.yaml:8: clusters[0].servers[0].address: bad address \"::1:9001\" (expected host:port)",
                "sluice.yaml:9: clusters[0].servers[1].address: bad address \"bad_host:9001\" (expected host:port)",
                "sluice.yaml:10: clusters[0].servers[2].address: bad address \"10.0.0.300:9001\" (expected host:port)");
    }

    @Test
    void duplicateListenerName() {
        assertOnlyProblem("""
                listeners:
                  - name: web
                    address: 127.0.0.1:8080
                    routes: [ { cluster: web } ]
                  - name: web
                    address: 127.0.0.1:8081
                    routes: [ { cluster: web } ]
                clusters:
                  - name: web
                    servers: [ { address: 127.0.0.1:9001 } ]
                """, 5, "listeners[1].name", "duplicate listener name \"web\" (first at line 2)");
    }

    @Test
    void duplicateClusterName() {
        assertOnlyProblem("""
                listeners:
                  - name: web
                    address: 127.0.0.1:8080
                    routes: [ { cluster: web } ]
                clusters:
                  - name: web
                    servers: [ { address: 127.0.0.1:9001 } ]
                  - name: web
                    servers: [ { address: 127.0.0.1:9002 } ]
                """, 8, "clusters[1].name", "duplicate cluster name \"web\" (first at line 6)");
    }

    @Test
    void duplicateServerAddressInOneCluster() {
        assertOnlyProblem("""
                listeners:
                  - name: web
                    address: 127.0.0.1:8080
                    routes: [ { cluster: web } ]
                clusters:
                  - name: web
                    servers:
                      - address: LOCALHOST:9001
                      - address: localhost:9001
                  - name: other
                    servers:
                      - address: localhost:9001
                """, 9, "clusters[0].servers[1].address",
                "duplicate server address localhost:9001 (first at line 8)");
    }

    @Test
    void duplicateListenAddressIncludingAdminButNotPortZero() {
        assertThat(problems("""
                admin:
                  address: 127.0.0.1:8080
                listeners:
                  - name: a
                    address: 127.0.0.1:8080
                    routes: [ { cluster: web } ]
                  - name: b
                    address: 127.0.0.1:0
                    routes: [ { cluster: web } ]
                  - name: c
                    address: 127.0.0.1:0
                    routes: [ { cluster: web } ]
                clusters:
                  - name: web
                    servers: [ { address: 127.0.0.1:9001 } ]
                """)).containsExactly(new ConfigProblem("sluice.yaml", 5, "listeners[0].address",
                "duplicate address 127.0.0.1:8080 (first used at line 2)"));
    }

    @Test
    void duplicateYamlKey() {
        assertOnlyProblem("""
                listeners:
                  - name: web
                    address: 127.0.0.1:8080
                    routes: [ { cluster: web } ]
                    name: web2
                clusters:
                  - name: web
                    servers: [ { address: 127.0.0.1:9001 } ]
                """, 5, "listeners[0].name", "duplicate key \"name\" (first at line 2)");
    }

    @Test
    void badDuration() {
        assertThat(problems("""
                listeners:
                  - name: web
                    address: 127.0.0.1:8080
                    routes: [ { cluster: web } ]
                    timeouts:
                      request_header: 10
                      body_idle: 0s
                      keepalive_idle: 1d
                clusters:
                  - name: web
                    servers: [ { address: 127.0.0.1:9001 } ]
                    pool: { idle_timeout: 25h }
                """)).extracting(ConfigProblem::toString).containsExactly(
                "sluice.yaml:6: listeners[0].timeouts.request_header: bad duration \"10\" (expected e.g. 250ms, 5s, 2m)",
                "sluice.yaml:7: listeners[0].timeouts.body_idle: bad duration \"0s\" (must be greater than 0)",
                "sluice.yaml:8: listeners[0].timeouts.keepalive_idle: bad duration \"1d\" (expected e.g. 250ms, 5s, 2m)",
                "sluice.yaml:12: clusters[0].pool.idle_timeout: bad duration \"25h\" (must be at most 24h)");
    }

    @Test
    void badSize() {
        assertOnlyProblem("""
                listeners:
                  - name: web
                    address: 127.0.0.1:8080
                    routes: [ { cluster: web } ]
                    limits:
                      request_line: 8KB
                clusters:
                  - name: web
                    servers: [ { address: 127.0.0.1:9001 } ]
                """, 6, "listeners[0].limits.request_line", "bad size \"8KB\" (expected e.g. 512, 64KiB, 1MiB)");
    }

    @Test
    void sizesOutOfRangeAndHeaderBytesBelowRequestLine() {
        assertThat(problems("""
                listeners:
                  - name: a
                    address: 127.0.0.1:8080
                    routes: [ { cluster: web } ]
                    limits: { request_line: 100, header_bytes: 2MiB, headers: 0 }
                  - name: b
                    address: 127.0.0.1:8081
                    routes: [ { cluster: web } ]
                    limits: { request_line: 16KiB, header_bytes: 8KiB }
                  - name: c
                    address: 127.0.0.1:8082
                    routes: [ { cluster: web } ]
                    limits: { request_line: 64KiB }
                clusters:
                  - name: web
                    servers: [ { address: 127.0.0.1:9001 } ]
                """)).extracting(ConfigProblem::toString).containsExactly(
                "sluice.yaml:5: listeners[0].limits.request_line: out of range: 100 (must be 256B..1MiB)",
                "sluice.yaml:5: listeners[0].limits.header_bytes: out of range: 2MiB (must be 256B..1MiB)",
                "sluice.yaml:5: listeners[0].limits.headers: out of range: 0 (must be 1..10000)",
                "sluice.yaml:9: listeners[1].limits.header_bytes: header_bytes (8KiB) must be at least request_line (16KiB)",
                "sluice.yaml:13: listeners[2].limits.request_line: header_bytes (32KiB) must be at least request_line (64KiB)");
    }

    @Test
    void yamlSyntaxError() {
        List<ConfigProblem> problems = problems("""
                listeners:
                  - name: web
                    address: 127.0.0.1:8080
                    routes: [ { cluster: web }
                clusters:
                  - name: web
                """);
        assertThat(problems).hasSize(1);
        assertThat(problems.get(0).line()).isEqualTo(5);
        assertThat(problems.get(0).path()).isEmpty();
        assertThat(problems.get(0).message()).startsWith("YAML syntax error: ");
    }

    @Test
    void badIndentationIsASyntaxError() {
        assertOnlyProblemStartsWith("""
                workers: 2
                  transport: nio
                """, 2, "", "YAML syntax error: mapping values are not allowed here");
    }

    @Test
    void tabIndentationIsASyntaxErrorOnItsLine() {
        assertOnlyProblemStartsWith("workers: 2\n\ttransport: nio\n", 2, "", "YAML syntax error: found character '\\t(TAB)'");
    }

    @Test
    void emptyFile() {
        assertOnlyProblemStartsWith("", 1, "", "the file is empty");
        assertOnlyProblemStartsWith("# nothing but a comment\n\n", 1, "", "the file is empty");
    }

    @Test
    void topLevelNotAMapping() {
        assertOnlyProblemStartsWith("# comment\n- a\n- b\n", 1, "", "the top level must be a mapping");
        assertOnlyProblemStartsWith("just text\n", 1, "", "the top level must be a mapping");
    }

    @Test
    void aliasesAndSecondDocumentsAreRejected() {
        assertThat(problems("""
                listeners:
                  - name: &n web
                    address: 127.0.0.1:8080
                    routes: [ { cluster: *n } ]
                clusters:
                  - name: web
                    servers: [ { address: 127.0.0.1:9001 } ]
                ---
                workers: 3
                """)).extracting(ConfigProblem::line, ConfigProblem::message).contains(
                tuple(4, "YAML aliases (*name) are not supported"),
                tuple(9, "only one YAML document is allowed"));
    }

    @Test
    void severalProblemsAllReportedInLineOrder() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse("""
                workers: 0
                transport: io_uring
                admin:
                  address: nowhere
                listeners:
                  - name: web site
                    address: 127.0.0.1:8080
                    max_connections: lots
                    routes:
                      - match: { host: "api.example.com:443", path_prefix: v1 }
                        cluster: api
                clusters:
                  - name: web
                    balance: least_request
                    servers: []
                    health: { http_path: healthz }
                """, "sluice.yaml"));
        assertThat(e.problems()).extracting(ConfigProblem::toString).containsExactly(
                "sluice.yaml:1: workers: out of range: 0 (must be 1..256)",
                "sluice.yaml:2: transport: unknown value \"io_uring\" (expected auto, epoll, nio)",
                "sluice.yaml:4: admin.address: bad address \"nowhere\" (expected host:port)",
                "sluice.yaml:6: listeners[0].name: bad name \"web site\" (allowed: letters, digits and the characters _ . -)",
                "sluice.yaml:8: listeners[0].max_connections: expected a number, got \"lots\"",
                "sluice.yaml:10: listeners[0].routes[0].match.host: bad host \"api.example.com:443\" (expected a host name without port)",
                "sluice.yaml:10: listeners[0].routes[0].match.path_prefix: bad path_prefix \"v1\" (must start with \"/\")",
                "sluice.yaml:11: listeners[0].routes[0].cluster: unknown cluster \"api\"",
                "sluice.yaml:15: clusters[0].servers: at least one server is required",
                "sluice.yaml:16: clusters[0].health.http_path: bad http_path \"healthz\" (must start with \"/\")");
        assertThat(e.getMessage()).isEqualTo(String.join("\n",
                e.problems().stream().map(ConfigProblem::toString).toList()));
    }

    @Test
    void tcpListenerNamesItsClusterAndTunnelSettings() {
        SluiceConfig config = ConfigLoader.parse("""
                listeners:
                  - name: db
                    address: 127.0.0.1:5432
                    protocol: tcp
                    cluster: db
                    splice: false
                    accept_proxy: true
                    timeouts: { tunnel_idle: 10m, tunnel_max: 8h }
                clusters:
                  - name: db
                    servers: [ { address: 127.0.0.1:15432 } ]
                """, "sluice.yaml");
        ListenerConfig l = config.listeners().get(0);
        assertThat(l.protocol()).isEqualTo(Protocol.TCP);
        assertThat(l.cluster()).isEqualTo("db");
        assertThat(l.splice()).isFalse();
        assertThat(l.acceptProxy()).isTrue();
        assertThat(l.timeouts().tunnelIdle()).isEqualTo(Duration.ofMinutes(10));
        assertThat(l.timeouts().tunnelMax()).isEqualTo(Duration.ofHours(8));
    }

    @Test
    void tunnelDefaultsAreAnHourIdleAndNoMaximum() {
        SluiceConfig config = ConfigLoader.parse("""
                listeners:
                  - name: db
                    address: 127.0.0.1:5432
                    protocol: tcp
                    cluster: db
                clusters:
                  - name: db
                    servers: [ { address: 127.0.0.1:15432 } ]
                """, "sluice.yaml");
        ListenerConfig l = config.listeners().get(0);
        assertThat(l.splice()).isTrue();
        assertThat(l.acceptProxy()).isFalse();
        assertThat(l.timeouts().tunnelIdle()).isEqualTo(Duration.ofHours(1));
        assertThat(l.timeouts().tunnelMax()).isEqualTo(Duration.ZERO);
    }

    @Test
    void serversMaySendAProxyHeader() {
        SluiceConfig config = ConfigLoader.parse("""
                listeners:
                  - name: web
                    address: 127.0.0.1:8080
                    routes:
                      - { match: { path_prefix: / }, cluster: web }
                clusters:
                  - name: web
                    servers:
                      - { address: 127.0.0.1:9001, send_proxy: v2 }
                      - { address: 127.0.0.1:9002, transparent: true }
                """, "sluice.yaml");
        List<ServerConfig> servers = config.clusters().get(0).servers();
        assertThat(servers).extracting(ServerConfig::sendProxy).containsExactly(SendProxy.V2, SendProxy.OFF);
        assertThat(servers).extracting(ServerConfig::transparent).containsExactly(false, true);
        assertThat(servers).extracting(ServerConfig::perClient).containsExactly(true, true);
    }

    @Test
    void anUnknownProxyVersionIsAProblem() {
        assertOnlyProblem("""
                listeners:
                  - name: web
                    address: 127.0.0.1:8080
                    routes:
                      - { match: { path_prefix: / }, cluster: web }
                clusters:
                  - name: web
                    servers:
                      - { address: 127.0.0.1:9001, send_proxy: v3 }
                """, 9, "clusters[0].servers[0].send_proxy", "unknown value \"v3\" (expected off, v1, v2)");
    }

    @Test
    void routesUpgradeToWebSocketUnlessTheySayOtherwise() {
        SluiceConfig config = ConfigLoader.parse("""
                listeners:
                  - name: web
                    address: 127.0.0.1:8080
                    routes:
                      - { match: { path_prefix: /chat }, cluster: web, upgrades: [WebSocket, h2c] }
                      - { match: { path_prefix: /api }, cluster: web, upgrades: [] }
                      - { match: { path_prefix: / }, cluster: web }
                clusters:
                  - name: web
                    servers: [ { address: 127.0.0.1:9001 } ]
                """, "sluice.yaml");
        assertThat(config.listeners().get(0).routes()).extracting(RouteConfig::upgrades)
                .containsExactly(List.of("websocket", "h2c"), List.of(), List.of("websocket"));
    }

    @Test
    void anUpgradeMustBeAToken() {
        assertOnlyProblem("""
                listeners:
                  - name: web
                    address: 127.0.0.1:8080
                    routes:
                      - { match: { path_prefix: / }, cluster: web, upgrades: ["web socket"] }
                clusters:
                  - name: web
                    servers: [ { address: 127.0.0.1:9001 } ]
                """, 5, "listeners[0].routes[0].upgrades[0]",
                "bad protocol \"web socket\" (expected a token such as websocket)");
    }

    @Test
    void spliceIsOnlyForTcpListeners() {
        assertOnlyProblem("""
                listeners:
                  - name: web
                    address: 127.0.0.1:8080
                    splice: true
                    routes:
                      - { match: { path_prefix: / }, cluster: web }
                clusters:
                  - name: web
                    servers: [ { address: 127.0.0.1:9001 } ]
                """, 4, "listeners[0].splice", "only tcp listeners splice; http listeners read what they forward");
    }

    @Test
    void clusterOnAnHttpListener() {
        assertOnlyProblem("""
                listeners:
                  - name: web
                    address: 127.0.0.1:8080
                    routes: [ { cluster: web } ]
                    cluster: web
                clusters:
                  - name: web
                    servers: [ { address: 127.0.0.1:9001 } ]
                """, 5, "listeners[0].cluster", "only tcp listeners have a cluster; http listeners use routes");
    }

    @Test
    void unknownBalance() {
        assertOnlyProblem("""
                listeners:
                  - name: web
                    address: 127.0.0.1:8080
                    routes: [ { cluster: web } ]
                clusters:
                  - name: web
                    balance: fastest
                    servers: [ { address: 127.0.0.1:9001 } ]
                """, 7, "clusters[0].balance",
                "unknown value \"fastest\" (expected round_robin, least_request, consistent_hash, random)");
    }

    @Test
    void wrongNodeTypes() {
        assertThat(problems("""
                workers: [1]
                listeners:
                  - name: { a: b }
                    address: 127.0.0.1:8080
                    routes: { cluster: web }
                    timeouts: 5s
                clusters: web
                """)).extracting(ConfigProblem::toString).containsExactly(
                "sluice.yaml:1: workers: expected a number, got a list",
                "sluice.yaml:3: listeners[0].name: expected a string, got a mapping",
                "sluice.yaml:5: listeners[0].routes: expected a list, got a mapping",
                "sluice.yaml:6: listeners[0].timeouts: expected a mapping, got \"5s\"",
                "sluice.yaml:7: clusters: expected a list, got \"web\"");
    }

    @Test
    void integersOutOfRange() {
        assertThat(problems("""
                listeners:
                  - name: web
                    address: 127.0.0.1:8080
                    max_connections: 0
                    routes: [ { cluster: web } ]
                clusters:
                  - name: web
                    servers:
                      - { address: 127.0.0.1:9001, weight: 257, max_connections: 100001 }
                    pool: { max_idle: -1 }
                """)).extracting(ConfigProblem::toString).containsExactly(
                "sluice.yaml:4: listeners[0].max_connections: out of range: 0 (must be at least 1)",
                "sluice.yaml:9: clusters[0].servers[0].weight: out of range: 257 (must be 1..256)",
                "sluice.yaml:9: clusters[0].servers[0].max_connections: out of range: 100001 (must be 1..100000)",
                "sluice.yaml:10: clusters[0].pool.max_idle: out of range: -1 (must be 0..100000)");
    }

    @Test
    void missingAndEmptyRequiredValues() {
        assertThat(problems("""
                listeners:
                  - address: 127.0.0.1:8080
                    routes: []
                  - name:
                    routes: [ { match: { path_prefix: / } } ]
                clusters:
                  - name: web
                admin:
                """)).extracting(ConfigProblem::toString).containsExactly(
                "sluice.yaml:2: listeners[0]: missing required key \"name\"",
                "sluice.yaml:3: listeners[0].routes: at least one route is required",
                "sluice.yaml:4: listeners[1].name: expected a string, got nothing",
                "sluice.yaml:4: listeners[1]: missing required key \"address\"",
                "sluice.yaml:5: listeners[1].routes[0]: a route needs one of cluster, respond, redirect (where its requests go, "
                        + "or what Sluice answers)",
                "sluice.yaml:7: clusters[0]: missing required key \"servers\"",
                "sluice.yaml:8: admin: missing required key \"address\"");
    }

    @Test
    void listenersAreRequired() {
        assertOnlyProblem("workers: 1\n", 1, "", "missing required key \"listeners\"");
        assertOnlyProblem("listeners: []\n", 1, "listeners", "at least one listener is required");
    }

    @Test
    void prewarmMustFitMaxIdleAndEveryServer() {
        assertThat(problems("""
                listeners:
                  - name: web
                    address: 127.0.0.1:8080
                    routes: [ { cluster: web } ]
                clusters:
                  - name: web
                    servers:
                      - { address: 127.0.0.1:9001, max_connections: 4 }
                      - { address: 127.0.0.1:9002 }
                    pool:
                      max_idle: 5
                      prewarm: 8
                """)).extracting(ConfigProblem::toString).containsExactly(
                "sluice.yaml:12: clusters[0].pool.prewarm: prewarm (8) must not exceed max_idle (5)",
                "sluice.yaml:12: clusters[0].pool.prewarm: prewarm (8) must not exceed max_connections (4) "
                        + "of server 127.0.0.1:9001");
    }
}
