package io.sluice.config;

import static io.sluice.config.ConfigAssertions.assertOnlyProblem;
import static io.sluice.config.ConfigAssertions.problemLines;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The top-level {@code access_log} section. */
class AccessLogConfigTest {
    /** A valid file ending in {@code access_log}; the first line of {@code access_log} is line 6 of the file. */
    private static String withAccessLog(String section) {
        return "listeners:\n"
                + "  - { name: web, address: 127.0.0.1:0, routes: [ { cluster: web } ] }\n"
                + "clusters:\n"
                + "  - { name: web, servers: [ { address: 127.0.0.1:9001 } ] }\n"
                + "access_log:\n"
                + section.indent(2);
    }

    private static AccessLogConfig accessLog(String section) {
        return ConfigLoader.parse(withAccessLog(section), "sluice.yaml").accessLog();
    }

    @Test
    void absentSectionIsNoAccessLog() {
        assertThat(ConfigLoader.parse("""
                listeners:
                  - { name: web, address: 127.0.0.1:0, routes: [ { cluster: web } ] }
                clusters:
                  - { name: web, servers: [ { address: 127.0.0.1:9001 } ] }
                """, "sluice.yaml").accessLog()).isNull();
    }

    @Test
    void pathAloneGetsJsonAndTheDefaultQueue() {
        assertThat(accessLog("path: /var/log/sluice/access.log"))
                .isEqualTo(new AccessLogConfig(Path.of("/var/log/sluice/access.log"), null, 16384));
        assertThat(accessLog("{ path: stdout, format: json, queue: 16 }"))
                .isEqualTo(new AccessLogConfig(null, null, 16));
    }

    @Test
    void templateFormat() {
        AccessLogConfig c = accessLog("""
                path: access.log
                format: '%client %method %target %status %total_ms %term'
                queue: 100000
                """);
        assertThat(c.path()).isEqualTo(Path.of("access.log"));
        assertThat(c.queue()).isEqualTo(100000);
        assertThat(c.template()).containsExactly(new AccessLogConfig.Part(null, "client"),
                new AccessLogConfig.Part(" ", null), new AccessLogConfig.Part(null, "method"),
                new AccessLogConfig.Part(" ", null), new AccessLogConfig.Part(null, "target"),
                new AccessLogConfig.Part(" ", null), new AccessLogConfig.Part(null, "status"),
                new AccessLogConfig.Part(" ", null), new AccessLogConfig.Part(null, "total_ms"),
                new AccessLogConfig.Part(" ", null), new AccessLogConfig.Part(null, "term"));
        assertThat(AccessLogConfig.parseTemplate("[%time] 100%% %status.")).containsExactly(
                new AccessLogConfig.Part("[", null), new AccessLogConfig.Part(null, "time"),
                new AccessLogConfig.Part("] 100% ", null), new AccessLogConfig.Part(null, "status"),
                new AccessLogConfig.Part(".", null));
    }

    @Test
    void unknownKeyIsAnErrorWithItsLine() {
        assertOnlyProblem(withAccessLog("""
                path: access.log
                buffer: 64KiB
                """), 7, "access_log.buffer",
                "unknown key \"buffer\" (allowed: path, format, queue)");
    }

    @Test
    void badValues() {
        assertThat(problemLines(withAccessLog("""
                format: '%client %verb'
                queue: 8
                """))).containsExactly(
                "sluice.yaml:6: access_log: missing required key \"path\"",
                "sluice.yaml:6: access_log.format: unknown field %verb (known: "
                        + String.join(", ", AccessLogConfig.FIELDS) + ")",
                "sluice.yaml:7: access_log.queue: out of range: 8 (must be 16..16777216)");
        assertThat(problemLines(withAccessLog("""
                path: x.log
                format: 'no fields 50%'
                """))).containsExactly(
                "sluice.yaml:7: access_log.format: a lone \"%\" at position 12 (write %% for a percent sign, or"
                        + " %name for a field)");
        assertThat(problemLines(withAccessLog("""
                path: x.log
                format: 'just text'
                """))).containsExactly(
                "sluice.yaml:7: access_log.format: a template names at least one field, such as %status");
        assertThat(problemLines(withAccessLog("path: [ a, b ]"))).hasSize(1);
    }

    @Test
    void everyFieldIsKnownToTemplates() {
        for (String f : AccessLogConfig.FIELDS) {
            assertThat(AccessLogConfig.parseTemplate("%" + f)).containsExactly(new AccessLogConfig.Part(null, f));
        }
        assertThat(AccessLogConfig.FIELDS).hasSize(20).doesNotHaveDuplicates();
        assertThat(List.copyOf(AccessLogConfig.FIELDS)).startsWith("time", "listener", "client");
    }
}
