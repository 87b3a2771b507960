package io.sluice.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;

import static io.sluice.config.ConfigAssertions.assertOnlyProblem;
import static io.sluice.config.ConfigAssertions.assertOnlyProblemStartsWith;
import static org.assertj.core.api.Assertions.assertThat;

class CacheConfigTest {
    private static final String HEAD = """
            clusters:
              - { name: api, servers: [ { address: 127.0.0.1:9001 } ] }
            listeners:
              - name: web
                address: 127.0.0.1:0
                routes:
            """;

    private static RouteCache cacheOf(String route) throws Exception {
        return ConfigLoader.parse(HEAD + route, "sluice.yaml").listeners().get(0).routes().get(0).cache();
    }

    @Test
    void anEmptySectionTakesTheDefaultsAndNoSectionMeansNoCache() throws Exception {
        RouteCache defaults = new RouteCache(RouteCache.DEFAULT_MAX_MEMORY, RouteCache.DEFAULT_MAX_OBJECT,
                RouteCache.DEFAULT_LOCK_TIMEOUT, null, RouteCache.DEFAULT_DISK_MAX);
        assertThat(cacheOf("      - { cluster: api, cache: {} }\n")).isEqualTo(defaults);
        assertThat(cacheOf("      - { cluster: api, cache: }\n")).isEqualTo(defaults);
        assertThat(cacheOf("      - { cluster: api }\n")).isNull();
        assertThat(defaults.maxMemory()).isEqualTo(64L << 20);
        assertThat(defaults.maxObject()).isEqualTo(1L << 20);
        assertThat(defaults.lockTimeout()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void readsEveryKey() throws Exception {
        assertThat(cacheOf("""
                      - cluster: api
                        cache: { max_memory: 256MiB, max_object: 8MiB, lock_timeout: 2s, disk_dir: /var/cache/sluice, disk_max: 10GiB }
                """)).isEqualTo(new RouteCache(256L << 20, 8L << 20, Duration.ofSeconds(2),
                Path.of("/var/cache/sluice"), 10L << 30));
    }

    @Test
    void badValuesNameTheirKeyAndLine() {
        assertOnlyProblem(HEAD + "      - cluster: api\n        cache: { max_memory: 1MiB, max_object: 2MiB }\n",
                8, "listeners[0].routes[0].cache.max_object", "max_object (2MiB) must not exceed max_memory (1MiB)");
        assertOnlyProblem(HEAD + "      - cluster: api\n        cache: { disk_max: 1GiB }\n", 8,
                "listeners[0].routes[0].cache.disk_max", "disk_max needs disk_dir (where the disk tier keeps its files)");
        assertOnlyProblemStartsWith(HEAD + "      - cluster: api\n        cache: { max_memory: 1KiB }\n", 8,
                "listeners[0].routes[0].cache.max_memory", "out of range");
        assertOnlyProblemStartsWith(HEAD + "      - cluster: api\n        cache: { lock_timeout: soon }\n", 8,
                "listeners[0].routes[0].cache.lock_timeout", "");
        assertOnlyProblemStartsWith(HEAD + "      - cluster: api\n        cache: { max_size: 1MiB }\n", 8,
                "listeners[0].routes[0].cache.max_size", "");
        assertOnlyProblemStartsWith(HEAD + "      - cluster: api\n        cache: 64MiB\n", 8,
                "listeners[0].routes[0].cache", "");
    }

    @Test
    void aRouteThatDoesNotForwardWhileTheClientWaitsCannotCache() {
        assertOnlyProblem(HEAD + "      - respond: { body: hi }\n        cache: {}\n", 8,
                "listeners[0].routes[0].cache", "cache applies to requests sent to a cluster; this route answers "
                        + "itself (respond)");
        assertOnlyProblem(HEAD + "      - cluster: api\n        deliver: deferred\n        cache: {}\n", 9,
                "listeners[0].routes[0].cache", "cache applies to requests forwarded while the client waits; this "
                        + "route has deliver: deferred");
    }
}
