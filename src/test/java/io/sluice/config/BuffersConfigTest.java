package io.sluice.config;

import static io.sluice.config.ConfigAssertions.assertOnlyProblem;
import static io.sluice.config.ConfigAssertions.problemLines;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The top-level {@code buffers} section: memory budget and spill files of buffered exchanges. */
class BuffersConfigTest {
    private static final int KIB = 1024;
    private static final int MIB = 1024 * KIB;
    private static final int GIB = 1024 * MIB;
    private static final long TIB = 1024L * GIB;

    /** A valid file ending in {@code buffers}; the first line of {@code buffers} is line 8 of the file. */
    private static String withBuffers(String buffers) {
        return "listeners:\n"
                + "  - name: web\n"
                + "    address: 127.0.0.1:0\n"
                + "    routes: [ { cluster: web } ]\n"
                + "clusters:\n"
                + "  - { name: web, servers: [ { address: 127.0.0.1:9001 } ] }\n"
                + "buffers:\n"
                + buffers.indent(2);
    }

    private static BuffersConfig buffers(String buffers) {
        return ConfigLoader.parse(withBuffers(buffers), "sluice.yaml").buffers();
    }

    // ---- accepted

    @Test
    void everyKeyIsReadWithItsValue() {
        assertThat(buffers("""
                memory_budget: 2GiB
                exchange_memory: 4MiB
                spill_dir: /var/tmp/sluice
                max_spill: 0
                max_spill_total: 100GiB
                preallocate: true
                """)).isEqualTo(new BuffersConfig(2L * GIB, 4 * MIB, Path.of("/var/tmp/sluice"), 0, true,
                100L * GIB));
        assertThat(buffers("""
                memory_budget: 64GiB
                exchange_memory: 1GiB
                spill_dir: spill
                max_spill: 1TiB
                preallocate: false
                """)).as("largest values; a relative spill_dir as written")
                .isEqualTo(new BuffersConfig(64L * GIB, GIB, Path.of("spill"), TIB, false));
        assertThat(buffers("""
                memory_budget: 1MiB
                exchange_memory: 16KiB
                max_spill: 1
                """)).as("smallest values")
                .isEqualTo(new BuffersConfig(MIB, 16 * KIB, BuffersConfig.DEFAULTS.spillDir(), 1, false));
    }

    @Test
    void absentOrEmptySectionAndKeysGetTheDefaults() {
        assertThat(ConfigLoader.parse("""
                listeners:
                  - { name: web, address: 127.0.0.1:0, routes: [ { cluster: web } ] }
                clusters:
                  - { name: web, servers: [ { address: 127.0.0.1:9001 } ] }
                """, "sluice.yaml").buffers()).isEqualTo(BuffersConfig.DEFAULTS);
        assertThat(buffers("")).as("buffers: with nothing").isEqualTo(BuffersConfig.DEFAULTS);
        assertThat(buffers("""
                memory_budget:
                exchange_memory:
                spill_dir:
                max_spill:
                preallocate:
                """)).isEqualTo(BuffersConfig.DEFAULTS);
        assertThat(BuffersConfig.DEFAULTS).isEqualTo(new BuffersConfig(64 * MIB, MIB,
                Path.of(System.getProperty("java.io.tmpdir"), "sluice-spill"), GIB, false));
    }

    @Test
    void exchangeMemoryMayEqualTheBudget() {
        assertThat(buffers("{ memory_budget: 8MiB, exchange_memory: 8MiB }").exchangeMemory())
                .isEqualTo(8 * MIB);
    }

    // ---- rejected

    @Test
    void sizesOutOfRange() {
        assertThat(problemLines(withBuffers("""
                memory_budget: 1023KiB
                exchange_memory: 16383
                max_spill: 1025GiB
                """))).containsExactly(
                "sluice.yaml:8: buffers.memory_budget: out of range: 1023KiB (must be 1MiB..64GiB)",
                "sluice.yaml:9: buffers.exchange_memory: out of range: 16383 (must be 16KiB..1GiB)",
                "sluice.yaml:10: buffers.max_spill: out of range: 1025GiB (must be 0B..1TiB)");
        assertThat(problemLines(withBuffers("""
                memory_budget: 65GiB
                exchange_memory: 2GiB
                max_spill: 2TiB
                """))).containsExactly(
                "sluice.yaml:8: buffers.memory_budget: out of range: 65GiB (must be 1MiB..64GiB)",
                "sluice.yaml:9: buffers.exchange_memory: out of range: 2GiB (must be 16KiB..1GiB)",
                "sluice.yaml:10: buffers.max_spill: out of range: 2TiB (must be 0B..1TiB)");
    }

    @Test
    void badSizes() {
        assertThat(problemLines(withBuffers("""
                memory_budget: 64MB
                exchange_memory: -1
                max_spill: [ 1GiB ]
                """))).containsExactly(
                "sluice.yaml:8: buffers.memory_budget: bad size \"64MB\" (expected e.g. 512, 64KiB, 1MiB)",
                "sluice.yaml:9: buffers.exchange_memory: bad size \"-1\" (expected e.g. 512, 64KiB, 1MiB)",
                "sluice.yaml:10: buffers.max_spill: expected a string, got a list");
    }

    @Test
    void exchangeMemoryMustNotExceedTheBudget() {
        assertOnlyProblem(withBuffers("""
                memory_budget: 4MiB
                exchange_memory: 8MiB
                """), 9, "buffers.exchange_memory", "exchange_memory (8MiB) must not exceed memory_budget (4MiB)");
        assertOnlyProblem(withBuffers("""
                exchange_memory: 128MiB
                """), 8, "buffers.exchange_memory",
                "exchange_memory (128MiB) must not exceed memory_budget (64MiB)");
    }

    @Test
    void aBadBudgetIsNotAlsoComparedAsItsDefault() {
        assertOnlyProblem(withBuffers("""
                memory_budget: 100GiB
                exchange_memory: 512MiB
                """), 8, "buffers.memory_budget", "out of range: 100GiB (must be 1MiB..64GiB)");
    }

    @Test
    void spillDirIsANonEmptyPath() {
        assertThat(problemLines(withBuffers("""
                spill_dir: ""
                """))).containsExactly("sluice.yaml:8: buffers.spill_dir: expected a directory, got \"\"");
        assertThat(problemLines(withBuffers("""
                spill_dir: "  "
                """))).containsExactly("sluice.yaml:8: buffers.spill_dir: expected a directory, got \"  \"");
        assertThat(problemLines(withBuffers("""
                spill_dir: "/tmp/a\\0b"
                """))).containsExactly(
                "sluice.yaml:8: buffers.spill_dir: bad directory (Nul character not allowed)");
        assertOnlyProblem(withBuffers("""
                spill_dir: [ /tmp ]
                """), 8, "buffers.spill_dir", "expected a string, got a list");
    }

    @Test
    void preallocateIsTrueOrFalse() {
        assertThat(problemLines(withBuffers("""
                preallocate: yes
                """))).containsExactly("sluice.yaml:8: buffers.preallocate: expected true or false, got \"yes\"");
        assertThat(problemLines(withBuffers("""
                preallocate: True
                """))).containsExactly("sluice.yaml:8: buffers.preallocate: expected true or false, got \"True\"");
        assertThat(problemLines(withBuffers("""
                preallocate: 1
                """))).containsExactly("sluice.yaml:8: buffers.preallocate: expected true or false, got \"1\"");
        assertOnlyProblem(withBuffers("""
                preallocate: { on: true }
                """), 8, "buffers.preallocate", "expected true or false, got a mapping");
    }

    @Test
    void unknownKeysAndAWrongSectionType() {
        assertOnlyProblem(withBuffers("""
                memory_budget: 64MiB
                spill_directory: /tmp
                """), 9, "buffers.spill_directory",
                "unknown key \"spill_directory\" (allowed: memory_budget, exchange_memory, spill_dir, max_spill,"
                        + " max_spill_total, preallocate)");
        assertOnlyProblem(withBuffers("").replace("buffers:\n", "buffers: 64MiB\n"), 7, "buffers",
                "expected a mapping, got \"64MiB\"");
    }
}
