package io.sluice.admin;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * An independent reader of the Prometheus text format for the tests: the parser of the Prometheus project's Python
 * client ({@code prometheus_client.parser}, Debian package {@code python3-prometheus-client}, which {@code .ci/run}
 * installs), run as a child process over {@code parse_metrics.py}.
 *
 * <p>Policy when it is missing: under CI (environment {@code CI=true}) the test fails, saying what to install; on a
 * developer's machine the test is skipped with the same message, so that the rest of the suite still runs.
 *
 * <p>The parser is lenient where the format allows (it does not insist on HELP or TYPE): a sample whose name does
 * not belong to the family before it comes back as a family of its own of type {@code unknown} without help, which
 * is what the tests look for.
 */
final class PrometheusParser {
    /**
     * Debian's interpreter, the one the Debian package installs the module for; a {@code python3} earlier on the
     * {@code PATH} (pyenv, a virtualenv) would not see it.
     */
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final String INSTALL = "the Prometheus text parser is missing: apt-get install"
            + " python3-prometheus-client (.ci/run does)";
    private static final long TIMEOUT_SECONDS = 30;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One sample as the parser read it; counters' names keep their {@code _total}. */
    record Sample(String name, Map<String, String> labels, double value) {
    }

    /** One family as the parser read it: a counter's name without {@code _total}; type {@code unknown} if untyped. */
    record Family(String name, String type, String help, List<Sample> samples) {
    }

    private PrometheusParser() {
    }

    /** Fails (under CI) or skips (elsewhere) the calling test when the parser is not installed. */
    static void requireInstalled() {
        if (installed()) {
            return;
        }
        if ("true".equals(System.getenv("CI"))) {
            throw new AssertionError(INSTALL);
        }
        Assumptions.abort(INSTALL + "; skipped outside CI");
    }

    private static boolean installed() {
        if (!Files.isExecutable(PYTHON)) {
            return false;
        }
        try {
            Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import prometheus_client.parser")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** The families of {@code text} in the order written; fails the test with the parser's error if it cannot. */
    static List<Family> parse(String text) throws IOException, InterruptedException {
        String script;
        try (InputStream in = PrometheusParser.class.getResourceAsStream("parse_metrics.py")) {
            if (in == null) {
                throw new IllegalStateException("parse_metrics.py missing from the test resources");
            }
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        ProcessBuilder builder = new ProcessBuilder(PYTHON.toString(), "-c", script);
        builder.environment().put("PYTHONIOENCODING", "utf-8");
        Process p = builder.start();
        // the script reads all its input before it writes: stdin first, then stdout, then stderr cannot deadlock
        try (OutputStream stdin = p.getOutputStream()) {
            stdin.write(text.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the parser did not finish within " + TIMEOUT_SECONDS + " s");
        }
        if (p.exitValue() != 0) {
            throw new AssertionError("the Prometheus parser rejected the text: " + err + "\n--- text:\n" + text);
        }
        return JSON.readValue(out, new TypeReference<>() {
        });
    }
}
