package io.sluice.config;

import static io.sluice.config.ConfigAssertions.assertOnlyProblem;
import static io.sluice.config.ConfigAssertions.problemLines;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Cluster keys: balance and hash_on, health checks, outlier ejection, slow start, queue and retry budget. */
class ClusterReaderTest {
    private static final List<ServerConfig> SERVERS =
            List.of(new ServerConfig(new HostPort("127.0.0.1", 9001), 1, 256));

    /** A file with one cluster "web" that has {@code keys} besides its servers; their first line is line 6. */
    private static String withCluster(String keys) {
        return "listeners:\n"
                + "  - { name: web, address: 127.0.0.1:0, routes: [ { cluster: web } ] }\n"
                + "clusters:\n"
                + "  - name: web\n"
                + "    servers: [ { address: 127.0.0.1:9001 } ]\n"
                + keys.indent(4);
    }

    private static ClusterConfig cluster(String keys) {
        return ConfigLoader.parse(withCluster(keys), "sluice.yaml").clusters().get(0);
    }

    // ---- accepted

    @Test
    void everyKeyIsReadWithItsValue() {
        assertThat(cluster("""
                balance: consistent_hash
                hash_on: { header: X-User }
                health:
                  type: http
                  http_path: /healthz?full=1
                  expect_status: 200-299
                  interval: 5s
                  timeout: 5s
                  rise: 1
                  fall: 100
                outlier: { consecutive_failures: 0, base_ejection: 1s, max_ejection: 1s }
                slow_start: 30s
                queue: { max: 0, timeout: 250ms }
                retry_budget: { ratio: 0.5, min: 0 }
                """)).isEqualTo(new ClusterConfig("web", Balance.CONSISTENT_HASH, SERVERS, PoolConfig.DEFAULTS,
                ClusterTimeouts.DEFAULTS, new HashOn(HashOn.Kind.HEADER, "X-User"),
                new HealthConfig(HealthConfig.Type.HTTP, "/healthz?full=1", 200, 299, Duration.ofSeconds(5),
                        Duration.ofSeconds(5), 1, 100),
                new OutlierConfig(0, Duration.ofSeconds(1), Duration.ofSeconds(1)), Duration.ofSeconds(30),
                new QueueConfig(0, Duration.ofMillis(250)), new RetryBudget(0.5, 0)));
    }

    @Test
    void absentKeysGetTheirDefaults() {
        ClusterConfig cluster = cluster("");
        assertThat(cluster).isEqualTo(new ClusterConfig("web", Balance.ROUND_ROBIN, SERVERS, PoolConfig.DEFAULTS,
                ClusterTimeouts.DEFAULTS));
        assertThat(cluster.hashOn()).isEqualTo(HashOn.CLIENT_ADDRESS);
        assertThat(cluster.health()).as("no active checks").isNull();
        assertThat(cluster.outlier()).isEqualTo(OutlierConfig.DEFAULTS);
        assertThat(cluster.slowStart()).isZero();
        assertThat(cluster.queue()).isEqualTo(QueueConfig.DEFAULTS);
        assertThat(cluster.retryBudget()).isEqualTo(RetryBudget.DEFAULTS);
    }

    @Test
    void partialSectionsGetDefaultsForTheRest() {
        ClusterConfig cluster = cluster("""
                outlier: { max_ejection: 1h }
                queue: { max: 10 }
                retry_budget: { min: 1 }
                """);
        assertThat(cluster.outlier()).isEqualTo(new OutlierConfig(5, Duration.ofSeconds(10), Duration.ofHours(1)));
        assertThat(cluster.queue()).isEqualTo(new QueueConfig(10, Duration.ofSeconds(5)));
        assertThat(cluster.retryBudget()).isEqualTo(new RetryBudget(0.2, 1));
        assertThat(cluster("outlier:\nqueue: {}\nretry_budget:\n"))
                .extracting(ClusterConfig::outlier, ClusterConfig::queue, ClusterConfig::retryBudget)
                .containsExactly(OutlierConfig.DEFAULTS, QueueConfig.DEFAULTS, RetryBudget.DEFAULTS);
    }

    @ParameterizedTest
    @EnumSource(Balance.class)
    void everyBalanceIsSupported(Balance balance) {
        String spelling = balance.name().toLowerCase(Locale.ROOT);
        assertThat(cluster("balance: " + spelling).balance()).isEqualTo(balance);
    }

    @Test
    void hashOnClientAddressHeaderOrCookie() {
        assertThat(cluster("balance: consistent_hash\nhash_on: client_address").hashOn())
                .isEqualTo(HashOn.CLIENT_ADDRESS);
        assertThat(cluster("balance: consistent_hash\nhash_on: { cookie: sid }").hashOn())
                .isEqualTo(new HashOn(HashOn.Kind.COOKIE, "sid"));
        assertThat(cluster("balance: consistent_hash\nhash_on:\n  header: X-User\n").hashOn())
                .isEqualTo(new HashOn(HashOn.Kind.HEADER, "X-User"));
        assertThat(cluster("balance: consistent_hash").hashOn()).isEqualTo(HashOn.CLIENT_ADDRESS);
    }

    @Test
    void healthDefaultsAndTypeFromHttpPath() {
        assertThat(cluster("health: { http_path: /healthz }").health()).isEqualTo(new HealthConfig(
                HealthConfig.Type.HTTP, "/healthz", HealthConfig.DEFAULT_EXPECT_FROM, HealthConfig.DEFAULT_EXPECT_TO,
                HealthConfig.DEFAULT_INTERVAL, HealthConfig.DEFAULT_TIMEOUT, HealthConfig.DEFAULT_RISE,
                HealthConfig.DEFAULT_FALL));
        assertThat(cluster("health: { http_path: /healthz, expect_status: 204 }").health())
                .extracting(HealthConfig::expectFrom, HealthConfig::expectTo).containsExactly(204, 204);
        HealthConfig tcp = new HealthConfig(HealthConfig.Type.TCP, null, 200, 399, Duration.ofSeconds(2),
                Duration.ofSeconds(1), 2, 3);
        assertThat(cluster("health: {}").health()).isEqualTo(tcp);
        assertThat(cluster("health:").health()).isEqualTo(tcp);
        assertThat(cluster("health: { type: tcp, interval: 10s, timeout: 3s }").health())
                .isEqualTo(new HealthConfig(HealthConfig.Type.TCP, null, 200, 399, Duration.ofSeconds(10),
                        Duration.ofSeconds(3), 2, 3));
    }

    @Test
    void slowStartMayBeZero() {
        assertThat(cluster("slow_start: 0").slowStart()).isZero();
        assertThat(cluster("slow_start: 0s").slowStart()).isZero();
        assertThat(cluster("slow_start: 0ms").slowStart()).isZero();
        assertThat(cluster("slow_start: 1500ms").slowStart()).isEqualTo(Duration.ofMillis(1500));
    }

    @Test
    void retryBudgetRatioBounds() {
        assertThat(cluster("retry_budget: { ratio: 0, min: 10000 }").retryBudget())
                .isEqualTo(new RetryBudget(0, 10_000));
        assertThat(cluster("retry_budget: { ratio: 1 }").retryBudget()).isEqualTo(new RetryBudget(1, 3));
        assertThat(cluster("retry_budget: { ratio: 1.0 }").retryBudget()).isEqualTo(new RetryBudget(1, 3));
    }

    // ---- balance, hash_on

    @Test
    void unknownBalanceListsEveryChoice() {
        assertOnlyProblem(withCluster("balance: fastest"), 6, "clusters[0].balance",
                "unknown value \"fastest\" (expected round_robin, least_request, consistent_hash, random)");
    }

    @Test
    void hashOnOnlyWithConsistentHash() {
        assertOnlyProblem(withCluster("hash_on: { header: X-User }"), 6, "clusters[0].hash_on",
                "hash_on is only used by balance consistent_hash (balance is round_robin)");
        assertOnlyProblem(withCluster("balance: random\nhash_on: client_address"), 7, "clusters[0].hash_on",
                "hash_on is only used by balance consistent_hash (balance is random)");
        assertOnlyProblem(withCluster("balance: consistent\nhash_on: client_address"), 6, "clusters[0].balance",
                "unknown value \"consistent\" (expected round_robin, least_request, consistent_hash, random)");
    }

    @Test
    void badHashOn() {
        assertThat(problemLines("""
                listeners:
                  - { name: web, address: 127.0.0.1:0, routes: [ { cluster: web } ] }
                clusters:
                  - { name: a, balance: consistent_hash, servers: [ { address: 127.0.0.1:9001 } ],
                      hash_on: header }
                  - { name: b, balance: consistent_hash, servers: [ { address: 127.0.0.1:9001 } ],
                      hash_on: { header: X-User, cookie: sid } }
                  - { name: c, balance: consistent_hash, servers: [ { address: 127.0.0.1:9001 } ],
                      hash_on: {} }
                  - { name: d, balance: consistent_hash, servers: [ { address: 127.0.0.1:9001 } ],
                      hash_on: { header: "X User" } }
                  - { name: e, balance: consistent_hash, servers: [ { address: 127.0.0.1:9001 } ],
                      hash_on: { cookie: "a;b" } }
                  - { name: f, balance: consistent_hash, servers: [ { address: 127.0.0.1:9001 } ],
                      hash_on: { query: id } }
                  - { name: g, balance: consistent_hash, servers: [ { address: 127.0.0.1:9001 } ],
                      hash_on: { header: } }
                  - { name: web, servers: [ { address: 127.0.0.1:9001 } ] }
                """)).containsExactly(
                "sluice.yaml:5: clusters[0].hash_on: expected client_address, { header: NAME } or { cookie: NAME },"
                        + " got \"header\"",
                "sluice.yaml:7: clusters[1].hash_on: expected exactly one of header, cookie",
                "sluice.yaml:9: clusters[2].hash_on: expected exactly one of header, cookie",
                "sluice.yaml:11: clusters[3].hash_on.header: bad header name \"X User\" (expected a token: letters,"
                        + " digits and !#$%&'*+-.^_`|~)",
                "sluice.yaml:13: clusters[4].hash_on.cookie: bad cookie name \"a;b\" (expected a token: letters,"
                        + " digits and !#$%&'*+-.^_`|~)",
                "sluice.yaml:15: clusters[5].hash_on.query: unknown key \"query\" (allowed: header, cookie)",
                "sluice.yaml:15: clusters[5].hash_on: expected exactly one of header, cookie",
                "sluice.yaml:17: clusters[6].hash_on.header: expected a header name, got nothing");
    }

    // ---- health

    @Test
    void healthTypeAndItsKeys() {
        assertThat(problemLines("""
                listeners:
                  - { name: web, address: 127.0.0.1:0, routes: [ { cluster: web } ] }
                clusters:
                  - name: web
                    servers: [ { address: 127.0.0.1:9001 } ]
                    health: { type: http, interval: 1s }
                  - name: b
                    servers: [ { address: 127.0.0.1:9001 } ]
                    health:
                      type: tcp
                      http_path: /healthz
                      expect_status: 200
                  - name: c
                    servers: [ { address: 127.0.0.1:9001 } ]
                    health: { type: udp, path: /healthz }
                  - name: d
                    servers: [ { address: 127.0.0.1:9001 } ]
                    health: yes
                """)).containsExactly(
                "sluice.yaml:6: clusters[0].health: missing required key \"http_path\"",
                "sluice.yaml:11: clusters[1].health.http_path: only http health checks have http_path",
                "sluice.yaml:12: clusters[1].health.expect_status: only http health checks have expect_status",
                "sluice.yaml:15: clusters[2].health.path: unknown key \"path\" (allowed: type, http_path,"
                        + " expect_status, interval, timeout, rise, fall)",
                "sluice.yaml:15: clusters[2].health.type: unknown value \"udp\" (expected http, tcp)",
                "sluice.yaml:18: clusters[3].health: expected a mapping, got \"yes\"");
    }

    @Test
    void badHttpPathAndExpectStatus() {
        assertThat(problemLines(withCluster("""
                health:
                  http_path: healthz
                  expect_status: 2xx
                """))).containsExactly(
                "sluice.yaml:7: clusters[0].health.http_path: bad http_path \"healthz\" (must start with \"/\")",
                "sluice.yaml:8: clusters[0].health.expect_status: bad expect_status \"2xx\" (expected a status such"
                        + " as 200, or a range such as 200-399)");
        assertOnlyProblem(withCluster("health: { http_path: \"/health check\" }"), 6, "clusters[0].health.http_path",
                "bad http_path \"/health check\" (spaces, control and non-ASCII characters are not allowed;"
                        + " percent-encode them)");
        assertOnlyProblem(withCluster("health: { http_path: /h, expect_status: 200-600 }"), 6,
                "clusters[0].health.expect_status", "bad expect_status \"200-600\" (statuses are 100..599)");
        assertOnlyProblem(withCluster("health: { http_path: /h, expect_status: 099 }"), 6,
                "clusters[0].health.expect_status", "bad expect_status \"099\" (statuses are 100..599)");
        assertOnlyProblem(withCluster("health: { http_path: /h, expect_status: 399-200 }"), 6,
                "clusters[0].health.expect_status", "bad expect_status \"399-200\" (the range is reversed)");
        assertOnlyProblem(withCluster("health: { http_path: /h, expect_status: 200 - 399 }"), 6,
                "clusters[0].health.expect_status", "bad expect_status \"200 - 399\" (expected a status such as 200,"
                        + " or a range such as 200-399)");
    }

    @Test
    void healthTimingsAndCounts() {
        assertThat(problemLines(withCluster("""
                health:
                  interval: 0s
                  timeout: 10
                  rise: 0
                  fall: 101
                """))).containsExactly(
                "sluice.yaml:7: clusters[0].health.interval: bad duration \"0s\" (must be greater than 0)",
                "sluice.yaml:8: clusters[0].health.timeout: bad duration \"10\" (expected e.g. 250ms, 5s, 2m)",
                "sluice.yaml:9: clusters[0].health.rise: out of range: 0 (must be 1..100)",
                "sluice.yaml:10: clusters[0].health.fall: out of range: 101 (must be 1..100)");
    }

    @Test
    void healthTimeoutMustNotExceedInterval() {
        assertOnlyProblem(withCluster("""
                health:
                  interval: 1s
                  timeout: 1500ms
                """), 8, "clusters[0].health.timeout", "timeout (1500ms) must not exceed interval (1s)");
        // Only the interval is written: the default timeout (1s) is too long for it.
        assertOnlyProblem(withCluster("""
                health:
                  interval: 500ms
                """), 7, "clusters[0].health.interval", "timeout (1s) must not exceed interval (500ms)");
    }

    // ---- outlier, slow_start, queue, retry_budget

    @Test
    void badOutlier() {
        assertThat(problemLines(withCluster("""
                outlier:
                  consecutive_failures: 1001
                  base_ejection: 0s
                  max_ejection: forever
                """))).containsExactly(
                "sluice.yaml:7: clusters[0].outlier.consecutive_failures: out of range: 1001 (must be 0..1000)",
                "sluice.yaml:8: clusters[0].outlier.base_ejection: bad duration \"0s\" (must be greater than 0)",
                "sluice.yaml:9: clusters[0].outlier.max_ejection: bad duration \"forever\" (expected e.g. 250ms, 5s,"
                        + " 2m)");
        assertOnlyProblem(withCluster("outlier: { consecutive_failures: -1 }"), 6,
                "clusters[0].outlier.consecutive_failures", "out of range: -1 (must be 0..1000)");
    }

    @Test
    void maxEjectionMustBeAtLeastBaseEjection() {
        assertOnlyProblem(withCluster("""
                outlier:
                  base_ejection: 30s
                  max_ejection: 10s
                """), 8, "clusters[0].outlier.max_ejection", "max_ejection (10s) must be at least base_ejection (30s)");
        // Only the base is written: the default max (5m) is below it.
        assertOnlyProblem(withCluster("outlier: { base_ejection: 10m }"), 6, "clusters[0].outlier.base_ejection",
                "max_ejection (5m) must be at least base_ejection (10m)");
    }

    @Test
    void badSlowStart() {
        assertOnlyProblem(withCluster("slow_start: -1s"), 6, "clusters[0].slow_start",
                "bad duration \"-1s\" (expected e.g. 250ms, 5s, 2m)");
        assertOnlyProblem(withCluster("slow_start: 30"), 6, "clusters[0].slow_start",
                "bad duration \"30\" (expected e.g. 250ms, 5s, 2m)");
        assertOnlyProblem(withCluster("slow_start: 25h"), 6, "clusters[0].slow_start",
                "bad duration \"25h\" (must be at most 24h)");
    }

    @Test
    void badQueue() {
        assertThat(problemLines(withCluster("""
                queue:
                  max: 1000001
                  timeout: 0ms
                  size: 5
                """))).containsExactly(
                "sluice.yaml:7: clusters[0].queue.max: out of range: 1000001 (must be 0..1000000)",
                "sluice.yaml:8: clusters[0].queue.timeout: bad duration \"0ms\" (must be greater than 0)",
                "sluice.yaml:9: clusters[0].queue.size: unknown key \"size\" (allowed: max, timeout)");
    }

    @Test
    void badRetryBudget() {
        assertThat(problemLines(withCluster("""
                retry_budget:
                  ratio: 1.5
                  min: 10001
                """))).containsExactly(
                "sluice.yaml:7: clusters[0].retry_budget.ratio: out of range: 1.5 (must be 0..1)",
                "sluice.yaml:8: clusters[0].retry_budget.min: out of range: 10001 (must be 0..10000)");
        for (String ratio : List.of("20%", "-0.1", ".5", "1e-1", "NaN")) {
            assertOnlyProblem(withCluster("retry_budget: { ratio: \"" + ratio + "\" }"), 6,
                    "clusters[0].retry_budget.ratio", "expected a decimal number such as 0.2, got \"" + ratio + "\"");
        }
    }

    @Test
    void unknownClusterKey() {
        assertOnlyProblem(withCluster("slowstart: 30s"), 6, "clusters[0].slowstart", "unknown key \"slowstart\""
                + " (allowed: name, balance, hash_on, servers, pool, timeouts, health, outlier, slow_start, queue,"
                + " retry_budget)");
    }
}
