package io.sluice.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;

import static io.sluice.config.ConfigAssertions.assertOnlyProblem;
import static io.sluice.config.ConfigAssertions.assertOnlyProblemStartsWith;
import static org.assertj.core.api.Assertions.assertThat;

class DeferredConfigTest {
    private static final String ROUTES = """
            listeners:
              - name: web
                address: 127.0.0.1:0
                routes:
                  - { match: { path_prefix: /orders }, cluster: api, deliver: deferred }
                  - { cluster: api }
            clusters:
              - { name: api, servers: [ { address: 127.0.0.1:9001 } ] }
            """;

    @Test
    void defaultsAndDeliverOption() throws Exception {
        SluiceConfig c = ConfigLoader.parse(ROUTES, "sluice.yaml");
        assertThat(c.deferred()).isEqualTo(DeferredConfig.DEFAULTS);
        assertThat(c.listeners().get(0).routes().get(0).deliver()).isEqualTo(RouteConfig.Deliver.DEFERRED);
        assertThat(c.listeners().get(0).routes().get(1).deliver()).isEqualTo(RouteConfig.Deliver.DIRECT);
    }

    @Test
    void readsTheSection() throws Exception {
        SluiceConfig c = ConfigLoader.parse(ROUTES + """
                deferred:
                  journal_dir: /var/lib/sluice/journal
                  max_attempts: 10
                  give_up_after: 1h
                  backoff: { initial: 200ms, max: 5s }
                  max_journal_bytes: 64MiB
                  segment_bytes: 1MiB
                """, "sluice.yaml");
        assertThat(c.deferred()).isEqualTo(new DeferredConfig(Path.of("/var/lib/sluice/journal"), 10,
                Duration.ofHours(1), Duration.ofMillis(200), Duration.ofSeconds(5), 64L << 20, 1L << 20));
    }

    @Test
    void badValuesNameTheirLine() {
        assertOnlyProblemStartsWith(ROUTES + "deferred: { max_attempts: -1 }\n", 9, "deferred.max_attempts", "");
        assertOnlyProblemStartsWith(ROUTES + "deferred:\n  backoff: { initial: soon }\n", 10,
                "deferred.backoff.initial", "");
        assertOnlyProblem(ROUTES + "deferred:\n  backoff: { initial: 10s, max: 1s }\n", 10,
                "deferred.backoff.initial", "initial (PT10S) must not exceed max (PT1S)");
        assertOnlyProblemStartsWith(ROUTES + "deferred:\n  max_journal_bytes: 1KiB\n", 10,
                "deferred.max_journal_bytes", "");
        assertOnlyProblemStartsWith(ROUTES + "deferred:\n  journal: /tmp\n", 10, "deferred.journal", "");
        assertOnlyProblemStartsWith(ROUTES.replace("deliver: deferred", "deliver: later"), 5,
                "listeners[0].routes[0].deliver", "");
    }
}
