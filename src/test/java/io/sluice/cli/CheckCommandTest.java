package io.sluice.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code sluice check -c FILE} in a child JVM: a valid file → exit 0; each kind of problem → exit 2 and a line on
 * stderr naming the file, the line number and the key.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CheckCommandTest {
    private static final Duration RUN = Duration.ofSeconds(30);

    /** Line numbers are 1-based; the comments name them. */
    static final String VALID = String.join("\n",
            "workers: 1",                                   // 1
            "listeners:",                                   // 2
            "  - name: web",                                // 3
            "    address: 127.0.0.1:18080",                 // 4
            "    protocol: http",                           // 5
            "    routes:",                                  // 6
            "      - match: { path_prefix: /v1 }",          // 7
            "        cluster: web",                         // 8
            "      - match: { path_prefix: /, method: [GET, HEAD] }",   // 9
            "        cluster: web",                         // 10
            "    limits: { header_bytes: 32KiB }",          // 11
            "clusters:",                                    // 12
            "  - name: web",                                // 13
            "    servers:",                                 // 14
            "      - { address: 127.0.0.1:19001 }",         // 15
            "    timeouts: { connect: 5s }",                // 16
            "admin:",                                       // 17
            "  address: 127.0.0.1:19901",                   // 18
            "buffers:",                                     // 19
            "  memory_budget: 64MiB",                       // 20
            "  max_spill: 1GiB",                            // 21
            "");

    @TempDir
    Path dir;

    @Test
    void validFilePasses() throws Exception {
        Path file = write("good.yaml", VALID);
        ChildJvm.Result r = ChildJvm.run(RUN, "check", "-c", file.toString());
        assertThat(r.exitCode()).as("%s", r).isZero();
        assertThat((r.stdout() + r.stderr()).toLowerCase()).as("%s", r).containsAnyOf("ok", "valid");
    }

    static Stream<Arguments> problems() {
        return Stream.of(
                Arguments.of("unknown cluster", 10, "        cluster: api", 10, "listeners[0].routes[1].cluster"),
                Arguments.of("unknown key", 5, "    protocl: http", 5, "protocl"),
                Arguments.of("bad address", 15, "      - { address: 127.0.0.1:notaport }", 15,
                        "clusters[0].servers[0].address"),
                Arguments.of("bad duration", 16, "    timeouts: { connect: 5 parsecs }", 16,
                        "clusters[0].timeouts.connect"),
                Arguments.of("bad size", 11, "    limits: { header_bytes: lots }", 11,
                        "listeners[0].limits.header_bytes"),
                Arguments.of("bad path_regex", 7, "      - match: { path_regex: \"[\" }", 7,
                        "listeners[0].routes[0].match.path_regex"),
                Arguments.of("http_path on a tcp health check", 16,
                        "    health: { type: tcp, http_path: /healthz }", 16, "clusters[0].health.http_path"),
                Arguments.of("hash_on without consistent_hash", 16, "    hash_on: { header: X-User }", 16,
                        "clusters[0].hash_on"),
                Arguments.of("bad buffers size", 20, "  memory_budget: 64MB", 20, "buffers.memory_budget"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("problems")
    void problemIsReportedWithLineAndKey(String name, int lineToReplace, String replacement, int expectedLine,
                                         String key) throws Exception {
        String[] lines = VALID.split("\n", -1);
        lines[lineToReplace - 1] = replacement;
        Path file = write("bad.yaml", String.join("\n", lines));
        assertReported(file, expectedLine, key);
    }

    @Test
    void duplicateNameIsReported() throws Exception {
        String yaml = VALID.replace("admin:", String.join("\n",
                "  - name: web",                                // 17
                "    servers:",                                 // 18
                "      - { address: 127.0.0.1:19002 }",         // 19
                "admin:"));                                     // 20
        Path file = write("dup.yaml", yaml);
        assertReported(file, 17, "clusters[1]");
    }

    private void assertReported(Path file, int line, String key) throws Exception {
        ChildJvm.Result r = ChildJvm.run(RUN, "check", "-c", file.toString());
        assertThat(r.exitCode()).as("%s", r).isEqualTo(2);
        String location = file.getFileName() + ":" + line + ":";
        assertThat(Arrays.stream(r.stderr().split("\n")))
                .as("a stderr line with %s and %s in:%n%s", location, key, r)
                .anyMatch(l -> l.contains(location) && l.contains(key));
    }

    private Path write(String name, String text) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }
}
