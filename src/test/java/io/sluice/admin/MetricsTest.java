package io.sluice.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.Sluice;
import io.sluice.admin.PrometheusParser.Family;
import io.sluice.admin.PrometheusParser.Sample;
import io.sluice.cluster.CloseReason;
import io.sluice.config.RouteCache;
import io.sluice.config.RouteConfig;
import io.sluice.config.RouteMatch;
import io.sluice.cluster.ServerState;
import io.sluice.testing.Await;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.TestOrigin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Admin {@code GET /metrics}: read by the Prometheus project's own text parser ({@link PrometheusParser}), every
 * family documented and typed, named by the conventions, the families and labels of docs/operations.md present, and
 * each value the one /stats shows right after (nothing moves in between: the test's traffic is over by then).
 */
@IntegrationTest
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MetricsTest {
    private static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final Pattern TYPE_LINE = Pattern.compile("^# TYPE (\\S+) (\\S+)$", Pattern.MULTILINE);
    private static final Set<String> LABELS = Set.of("listener", "cluster", "server", "reason", "state", "code",
            "version", "le", "result", "route", "tier");
    private static final List<String> LISTENER = List.of("listener");
    private static final List<String> CLUSTER = List.of("cluster");
    private static final List<String> SERVER = List.of("cluster", "server");
    /** Every family of docs/operations.md and its labels. */
    private static final Map<String, List<String>> FAMILIES = families();

    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();

    private static Map<String, List<String>> families() {
        Map<String, List<String>> f = new LinkedHashMap<>();
        f.put("sluice_build_info", List.of("version"));
        f.put("sluice_start_time_seconds", List.of());
        f.put("sluice_reloads_total", List.of("result"));
        f.put("sluice_config_last_reload_successful", List.of());
        f.put("sluice_listener_connections", LISTENER);
        f.put("sluice_listener_connections_accepted_total", LISTENER);
        f.put("sluice_listener_connections_refused_total", List.of("listener", "reason"));
        f.put("sluice_listener_requests_total", LISTENER);
        f.put("sluice_listener_rate_limited_requests_total", LISTENER);
        f.put("sluice_listener_responses_total", List.of("listener", "code"));
        f.put("sluice_listener_received_bytes_total", LISTENER);
        f.put("sluice_listener_sent_bytes_total", LISTENER);
        f.put("sluice_listener_request_duration_seconds", LISTENER);
        f.put("sluice_listener_connection_closes_total", List.of("listener", "reason"));
        f.put("sluice_route_requests_total", List.of("listener", "route", "cluster"));
        List<String> route = List.of("listener", "route", "cluster");
        f.put("sluice_route_cache_requests_total", List.of("listener", "route", "cluster", "result"));
        for (String counter : List.of("collapsed", "revalidations", "revalidated", "stored", "not_stored",
                "invalidations")) {
            f.put("sluice_route_cache_" + counter + "_total", route);
        }
        f.put("sluice_route_cache_bytes", List.of("listener", "route", "cluster", "tier"));
        f.put("sluice_route_cache_entries", List.of("listener", "route", "cluster", "tier"));
        f.put("sluice_cluster_queued_requests", CLUSTER);
        f.put("sluice_cluster_retries_in_flight", CLUSTER);
        f.put("sluice_cluster_retried_requests_total", CLUSTER);
        f.put("sluice_server_requests_total", SERVER);
        f.put("sluice_server_connects_total", SERVER);
        f.put("sluice_server_connect_failures_total", SERVER);
        f.put("sluice_server_open_connections", SERVER);
        f.put("sluice_server_connections", List.of("cluster", "server", "state"));
        f.put("sluice_server_connection_closes_total", List.of("cluster", "server", "reason"));
        f.put("sluice_server_reuse_ratio", SERVER);
        f.put("sluice_server_request_duration_seconds", SERVER);
        f.put("sluice_server_state", List.of("cluster", "server", "state"));
        f.put("sluice_server_ejections_total", SERVER);
        f.put("sluice_server_health_checks_total", SERVER);
        f.put("sluice_server_health_checks_failed_total", SERVER);
        f.put("sluice_buffer_memory_used_bytes", List.of());
        f.put("sluice_buffer_memory_budget_bytes", List.of());
        f.put("sluice_buffer_spilled_bytes_total", List.of());
        f.put("sluice_buffer_spill_files", List.of());
        return f;
    }

    @Test
    void parsedByPrometheusAndEqualToStats() throws Exception {
        PrometheusParser.requireInstalled();
        TestOrigin a = proxy.origin("a");
        InetSocketAddress dead = ProxyFixture.deadAddress();
        String deadAddress = ProxyFixture.hostPort(dead).toString();
        double startedAfter = System.currentTimeMillis() / 1000.0;
        proxy.setup().cluster("web", 4, a).cluster("down", 4, dead)
                .route(null, "/down", "down")
                .route(new RouteConfig(new RouteMatch(null, "/size/10"), "web", null, null, null, null, 1, null,
                        null, null, null, null, null, new RouteCache(1 << 20, 1024, Duration.ofSeconds(1), null, 0)))
                .route(null, "/", "web").start();
        double startedBefore = System.currentTimeMillis() / 1000.0;
        for (int i = 0; i < 5; i++) {
            assertThat(proxy.get("/size/10?i=" + i).status()).isEqualTo(200);
        }
        assertThat(proxy.get("/down/x").status()).as("the only server of cluster down refuses connections")
                .isEqualTo(503);
        assertThat(proxy.admin("POST", "/servers/down/" + deadAddress + "/drain").statusCode()).isEqualTo(200);
        Await.until(() -> ProxyFixture.listener(proxy.statsNow(), ProxyFixture.LISTENER).path("connections")
                .asLong() == 0, Duration.ofSeconds(5), () -> "client connections still counted as open");
        proxy.awaitNoLeases();

        HttpResponse<String> response = proxy.admin("GET", "/metrics");
        JsonNode stats = proxy.stats();
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue(CONTENT_TYPE);
        String text = response.body();
        List<Family> families = PrometheusParser.parse(text);

        assertWellFormed(text, families);
        Map<String, Family> byName = byMetricName(families);
        FAMILIES.forEach((name, labels) -> {
            assertThat(byName).as("family %s", name).containsKey(name);
            for (Sample s : byName.get(name).samples()) {
                List<String> expected = new ArrayList<>(labels);
                if (s.name().endsWith("_bucket")) {
                    expected.add("le");
                }
                assertThat(s.labels().keySet()).as("labels of %s", s).containsExactlyInAnyOrderElementsOf(expected);
            }
        });

        Scrape m = new Scrape(byName);
        assertThat(m.value("sluice_build_info", "version", io.sluice.Version.current())).isEqualTo(1);
        assertThat(m.value("sluice_start_time_seconds")).isBetween(startedAfter - 0.001, startedBefore + 0.001);

        JsonNode listener = ProxyFixture.listener(stats, ProxyFixture.LISTENER);
        String[] web = {"listener", ProxyFixture.LISTENER};
        assertThat(m.value("sluice_listener_requests_total", web)).isEqualTo(6).isEqualTo(listener.path("requests")
                .asDouble());
        assertThat(m.value("sluice_listener_connections", web)).isEqualTo(listener.path("connections").asDouble());
        assertThat(m.value("sluice_listener_connections_accepted_total", web))
                .isEqualTo(listener.path("accepted").asDouble());
        assertThat(m.value("sluice_listener_rate_limited_requests_total", web))
                .isEqualTo(listener.path("rate_limited").asDouble());
        Map<String, String> refusedReasons = Map.of("max_connections", "refused", "denied", "denied",
                "client_limited", "client_limited");
        refusedReasons.forEach((reason, field) -> assertThat(m.value("sluice_listener_connections_refused_total",
                "listener", ProxyFixture.LISTENER, "reason", reason)).as(reason)
                .isEqualTo(listener.path(field).asDouble()));

        for (int n = 1; n <= 5; n++) {
            assertThat(m.value("sluice_listener_responses_total", "listener", ProxyFixture.LISTENER, "code", n + "xx"))
                    .isEqualTo(listener.path("responses").path(n + "xx").asDouble());
        }
        assertThat(m.value("sluice_listener_responses_total", "listener", ProxyFixture.LISTENER, "code", "2xx"))
                .isEqualTo(5);
        assertThat(m.value("sluice_listener_received_bytes_total", web)).isEqualTo(listener.path("bytes_in").asDouble())
                .isPositive();
        assertThat(m.value("sluice_listener_sent_bytes_total", web)).isEqualTo(listener.path("bytes_out").asDouble());
        long exchanges = 0;
        for (JsonNode count : listener.path("latency").path("counts")) {
            exchanges += count.asLong();
        }
        assertThat(m.value("sluice_listener_request_duration_seconds_count", web)).isEqualTo(exchanges).isEqualTo(6);
        assertThat(m.value("sluice_listener_request_duration_seconds_bucket", "listener", ProxyFixture.LISTENER,
                "le", "+Inf")).isEqualTo(6);
        listener.path("closes").fields().forEachRemaining(e -> assertThat(m.value(
                "sluice_listener_connection_closes_total", "listener", ProxyFixture.LISTENER, "reason", e.getKey()))
                .as(e.getKey()).isEqualTo(e.getValue().asDouble()));
        for (JsonNode route : listener.path("routes")) {
            assertThat(m.value("sluice_route_requests_total", "listener", ProxyFixture.LISTENER, "route",
                    route.path("match").asText(), "cluster", route.path("cluster").asText()))
                    .isEqualTo(route.path("requests").asDouble());
        }
        assertCacheMatches(m, listener.path("routes").get(1));

        for (JsonNode cluster : stats.path("clusters")) {
            String name = cluster.path("name").asText();
            assertThat(m.value("sluice_cluster_queued_requests", "cluster", name))
                    .isEqualTo(cluster.path("queued").asDouble());
            assertThat(m.value("sluice_cluster_retries_in_flight", "cluster", name))
                    .isEqualTo(cluster.path("retries_in_flight").asDouble());
            assertThat(m.value("sluice_cluster_retried_requests_total", "cluster", name))
                    .isEqualTo(cluster.path("retried_requests").asDouble());
            for (JsonNode server : cluster.path("servers")) {
                assertServerMatches(m, name, server);
            }
        }
        String[] live = {"cluster", "web", "server", a.authority()};
        assertThat(m.value("sluice_server_requests_total", live)).isEqualTo(a.requests().size()).isEqualTo(5);
        assertThat(m.value("sluice_server_connects_total", live)).isEqualTo(a.accepted());
        String[] down = {"cluster", "down", "server", deadAddress};
        assertThat(m.value("sluice_server_connect_failures_total", down)).isGreaterThanOrEqualTo(1);
        assertThat(m.value("sluice_server_state", "cluster", "down", "server", deadAddress, "state", "draining"))
                .isEqualTo(1);

        JsonNode buffers = stats.path("buffers");
        assertThat(m.value("sluice_buffer_memory_used_bytes")).isEqualTo(buffers.path("memory_used").asDouble());
        assertThat(m.value("sluice_buffer_memory_budget_bytes")).isEqualTo(buffers.path("memory_budget").asDouble())
                .isPositive();
        assertThat(m.value("sluice_buffer_spilled_bytes_total")).isEqualTo(buffers.path("spilled_bytes").asDouble());
        assertThat(m.value("sluice_buffer_spill_files")).isEqualTo(buffers.path("spill_files").asDouble());
    }

    /** The cached route: five misses (the origin's answers have no caching fields, so none is stored). */
    private static void assertCacheMatches(Scrape m, JsonNode route) {
        JsonNode cache = route.path("cache");
        String[] labels = {"listener", ProxyFixture.LISTENER, "route", route.path("match").asText(), "cluster", "web"};
        Map<String, String> results = Map.of("hit", "hits", "miss", "misses", "bypass", "bypassed");
        results.forEach((result, field) -> assertThat(m.value("sluice_route_cache_requests_total", with(labels,
                "result", result))).as(result).isEqualTo(cache.path(field).asDouble()));
        assertThat(cache.path("misses").asLong()).isEqualTo(5);
        assertThat(cache.path("not_stored").asLong()).isEqualTo(5);
        for (String counter : List.of("collapsed", "revalidations", "revalidated", "stored", "not_stored",
                "invalidations")) {
            assertThat(m.value("sluice_route_cache_" + counter + "_total", labels)).as(counter)
                    .isEqualTo(cache.path(counter).asDouble());
        }
        assertThat(m.value("sluice_route_cache_bytes", with(labels, "tier", "memory")))
                .isEqualTo(cache.path("memory_bytes").asDouble());
        assertThat(m.value("sluice_route_cache_entries", with(labels, "tier", "memory")))
                .isEqualTo(cache.path("memory_entries").asDouble());
    }

    private static String[] with(String[] labels, String name, String value) {
        String[] all = Arrays.copyOf(labels, labels.length + 2);
        all[labels.length] = name;
        all[labels.length + 1] = value;
        return all;
    }

    private static void assertServerMatches(Scrape m, String cluster, JsonNode server) {
        String address = server.path("address").asText();
        String[] labels = {"cluster", cluster, "server", address};
        Map<String, String> fields = Map.of("sluice_server_requests_total", "requests",
                "sluice_server_connects_total", "connects",
                "sluice_server_connect_failures_total", "connect_failures",
                "sluice_server_open_connections", "open",
                "sluice_server_ejections_total", "ejections",
                "sluice_server_health_checks_total", "checks",
                "sluice_server_health_checks_failed_total", "checks_failed");
        fields.forEach((metric, field) -> assertThat(m.value(metric, labels)).as("%s of %s", metric, address)
                .isEqualTo(server.path(field).asDouble()));
        for (String state : List.of("active", "idle")) {
            assertThat(m.value("sluice_server_connections", "cluster", cluster, "server", address, "state", state))
                    .as("%s connections of %s", state, address).isEqualTo(server.path(state).asDouble());
        }
        for (CloseReason reason : CloseReason.values()) {
            assertThat(m.value("sluice_server_connection_closes_total", "cluster", cluster, "server", address,
                    "reason", reason.key())).as("closes %s of %s", reason.key(), address)
                    .isEqualTo(server.path("closes").path(reason.key()).asDouble());
        }
        for (ServerState state : ServerState.values()) {
            assertThat(m.value("sluice_server_state", "cluster", cluster, "server", address, "state", state.key()))
                    .as("state %s of %s", state.key(), address)
                    .isEqualTo(state.key().equals(server.path("state").asText()) ? 1 : 0);
        }
        double connects = server.path("connects").asDouble();
        assertThat(m.value("sluice_server_reuse_ratio", labels))
                .isCloseTo(connects == 0 ? 0 : server.path("requests").asDouble() / connects, within(1e-9));
    }

    @Test
    void onlyGet() throws Exception {
        proxy.start(proxy.origin());
        HttpResponse<String> r = proxy.admin("POST", "/metrics");
        assertThat(r.statusCode()).isEqualTo(405);
        assertThat(r.headers().firstValue("Allow")).hasValue("GET");
    }

    /**
     * What a scraper needs and the naming conventions: each family once, with HELP and TYPE (an undeclared sample
     * comes back from the parser as a family of type unknown without help), Sluice's prefix, counters and only
     * counters ending in {@code _total}, known snake_case labels.
     */
    private static void assertWellFormed(String text, List<Family> families) {
        assertThat(families).as("families").isNotEmpty();
        Set<String> seen = new HashSet<>();
        for (Family f : families) {
            assertThat(seen.add(f.name())).as("family %s written once", f.name()).isTrue();
            assertThat(f.type()).as("TYPE of %s", f.name()).isIn("counter", "gauge", "histogram");
            assertThat(f.help()).as("HELP of %s", f.name()).isNotBlank();
            assertThat(f.name()).startsWith("sluice_");
            assertThat(f.samples()).as("samples of %s", f.name()).isNotEmpty();
            for (Sample s : f.samples()) {
                assertThat(LABELS).as("labels of %s", s).containsAll(s.labels().keySet());
            }
        }
        // the parser strips a counter's _total from its family name, so the TYPE lines themselves are checked
        Matcher type = TYPE_LINE.matcher(text);
        int types = 0;
        while (type.find()) {
            types++;
            assertThat(type.group(1).endsWith("_total")).as("%s is a %s", type.group(1), type.group(2))
                    .isEqualTo(type.group(2).equals("counter"));
        }
        assertThat(types).isEqualTo(families.size());
    }

    /** Families by the name a query uses: a counter's with its {@code _total}. */
    private static Map<String, Family> byMetricName(List<Family> families) {
        Map<String, Family> byName = new HashMap<>();
        for (Family f : families) {
            byName.put(f.type().equals("counter") ? f.name() + "_total" : f.name(), f);
        }
        return byName;
    }

    /** Looks up one series. */
    private record Scrape(Map<String, Family> families) {
        /** The value of the series of {@code metric} with exactly these labels (name, value pairs), or fails. */
        double value(String metric, String... labels) {
            Map<String, String> wanted = new HashMap<>();
            for (int i = 0; i < labels.length; i += 2) {
                wanted.put(labels[i], labels[i + 1]);
            }
            Family f = families.get(metric);
            boolean histogramPart = f == null;
            if (histogramPart) { // a histogram's _bucket, _count or _sum series
                f = families.get(metric.substring(0, metric.lastIndexOf('_')));
            }
            assertThat(f).as("family %s", metric).isNotNull();
            for (Sample s : f.samples()) {
                if (s.labels().equals(wanted) && (!histogramPart || s.name().equals(metric))) {
                    return s.value();
                }
            }
            throw new AssertionError("no series " + metric + wanted + " in " + f.samples());
        }
    }
}
