package io.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;

/** Parses YAML text that must be rejected, and checks what the problems say. Problems name the file sluice.yaml. */
final class ConfigAssertions {

    private ConfigAssertions() {
    }

    static List<ConfigProblem> problems(String yaml) {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse(yaml, "sluice.yaml"));
        assertThat(e).as("expected a ConfigException").isNotNull();
        return e.problems();
    }

    /** The problems as {@code sluice.yaml:LINE: PATH: MESSAGE}, in line order. */
    static List<String> problemLines(String yaml) {
        return problems(yaml).stream().map(ConfigProblem::toString).toList();
    }

    /** The file has exactly one problem, and it is this one. */
    static void assertOnlyProblem(String yaml, int line, String path, String message) {
        assertThat(problems(yaml)).containsExactly(new ConfigProblem("sluice.yaml", line, path, message));
    }

    static void assertOnlyProblemStartsWith(String yaml, int line, String path, String messageStart) {
        List<ConfigProblem> problems = problems(yaml);
        assertThat(problems).hasSize(1);
        assertThat(problems.get(0).line()).isEqualTo(line);
        assertThat(problems.get(0).path()).isEqualTo(path);
        assertThat(problems.get(0).message()).startsWith(messageStart);
    }
}
