package io.sluice.admin;

import io.sluice.admin.PrometheusText.Type;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The text format writer: exact lines, escaping, histograms, and the mistakes it refuses to write. */
class PrometheusTextTest {
    /** The latency bounds of the per-exchange histograms, in milliseconds. */
    private static final double[] LATENCY_MS = {1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000};

    private final StringBuilder text = new StringBuilder();
    private final PrometheusText out = new PrometheusText(text);

    @Test
    void familyWithHelpTypeAndSamples() {
        out.family("sluice_server_requests_total", Type.COUNTER, "Requests sent.")
                .sample(3, "cluster", "web", "server", "127.0.0.1:9001")
                .sample(0, "cluster", "web", "server", "[::1]:9002");
        out.family("sluice_spill_files", Type.GAUGE, "Files.").sample(2);
        assertThat(text.toString()).isEqualTo("""
                # HELP sluice_server_requests_total Requests sent.
                # TYPE sluice_server_requests_total counter
                sluice_server_requests_total{cluster="web",server="127.0.0.1:9001"} 3
                sluice_server_requests_total{cluster="web",server="[::1]:9002"} 0
                # HELP sluice_spill_files Files.
                # TYPE sluice_spill_files gauge
                sluice_spill_files 2
                """);
    }

    @Test
    void labelValuesEscapeBackslashQuoteAndNewline() {
        out.family("x_total", Type.COUNTER, "h").sample(1, "l", "a\\b\"c\nd");
        assertThat(text.toString()).endsWith("x_total{l=\"a\\\\b\\\"c\\nd\"} 1\n");
    }

    @Test
    void helpEscapesBackslashAndNewlineButNotQuotes() {
        out.family("x", Type.GAUGE, "a\\b \"c\"\nd");
        assertThat(text.toString()).startsWith("# HELP x a\\\\b \"c\"\\nd\n");
    }

    @Test
    void doublesAreWrittenPlainAndIntegralOnesWithoutFraction() {
        out.family("x", Type.GAUGE, "h").sample(0.5).sample(3.0).sample(1730000000.25)
                .sample(Double.NaN).sample(Double.POSITIVE_INFINITY);
        assertThat(text.toString()).endsWith("x 0.5\nx 3\nx 1730000000.25\nx NaN\nx +Inf\n");
    }

    @Test
    void histogramIsCumulativeInSecondsWithInfSumAndCount() {
        long[] counts = new long[LATENCY_MS.length + 1];
        counts[0] = 2;   // <= 1 ms
        counts[1] = 1;   // <= 2.5 ms
        counts[6] = 4;   // <= 100 ms
        counts[13] = 1;  // > 10 s
        out.family("sluice_request_duration_seconds", Type.HISTOGRAM, "Latency.")
                .histogram(LATENCY_MS, counts, 12_345.5, "listener", "web");
        assertThat(text.toString()).isEqualTo("""
                # HELP sluice_request_duration_seconds Latency.
                # TYPE sluice_request_duration_seconds histogram
                sluice_request_duration_seconds_bucket{listener="web",le="0.001"} 2
                sluice_request_duration_seconds_bucket{listener="web",le="0.0025"} 3
                sluice_request_duration_seconds_bucket{listener="web",le="0.005"} 3
                sluice_request_duration_seconds_bucket{listener="web",le="0.01"} 3
                sluice_request_duration_seconds_bucket{listener="web",le="0.025"} 3
                sluice_request_duration_seconds_bucket{listener="web",le="0.05"} 3
                sluice_request_duration_seconds_bucket{listener="web",le="0.1"} 7
                sluice_request_duration_seconds_bucket{listener="web",le="0.25"} 7
                sluice_request_duration_seconds_bucket{listener="web",le="0.5"} 7
                sluice_request_duration_seconds_bucket{listener="web",le="1"} 7
                sluice_request_duration_seconds_bucket{listener="web",le="2.5"} 7
                sluice_request_duration_seconds_bucket{listener="web",le="5"} 7
                sluice_request_duration_seconds_bucket{listener="web",le="10"} 7
                sluice_request_duration_seconds_bucket{listener="web",le="+Inf"} 8
                sluice_request_duration_seconds_sum{listener="web"} 12.3455
                sluice_request_duration_seconds_count{listener="web"} 8
                """);
    }

    @Test
    void histogramWithoutLabels() {
        out.family("d_seconds", Type.HISTOGRAM, "h").histogram(new double[] {500}, new long[] {0, 0}, 0);
        assertThat(text.toString()).endsWith("""
                d_seconds_bucket{le="0.5"} 0
                d_seconds_bucket{le="+Inf"} 0
                d_seconds_sum 0
                d_seconds_count 0
                """);
    }

    @Test
    void refusesWhatAScraperWouldRejectOrMangle() {
        out.family("a_total", Type.COUNTER, "h");
        assertThatThrownBy(() -> out.family("a_total", Type.COUNTER, "h"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("twice");
        assertThatThrownBy(() -> out.family("b", Type.COUNTER, "h")).hasMessageContaining("_total");
        assertThatThrownBy(() -> out.family("c_total", Type.GAUGE, "h")).hasMessageContaining("_total");
        assertThatThrownBy(() -> out.family("camelCase", Type.GAUGE, "h")).hasMessageContaining("snake_case");
        assertThatThrownBy(() -> out.sample(1, "Bad", "v")).hasMessageContaining("label name");
        assertThatThrownBy(() -> out.sample(1, "odd")).hasMessageContaining("pairs");
        assertThatThrownBy(() -> out.histogram(new double[] {1}, new long[] {0, 0}, 0))
                .hasMessageContaining("counter family");
        out.family("h_seconds", Type.HISTOGRAM, "h");
        assertThatThrownBy(() -> out.sample(1)).hasMessageContaining("histogram family");
        assertThatThrownBy(() -> out.histogram(new double[] {1, 2}, new long[] {0, 0}, 0))
                .hasMessageContaining("bounds + 1");
        assertThatThrownBy(() -> out.histogram(new double[] {2, 1}, new long[] {0, 0, 0}, 0))
                .hasMessageContaining("ascending");
    }

    @Test
    void samplesBeforeAnyFamilyAreRefused() {
        assertThatThrownBy(() -> out.sample(1)).isInstanceOf(IllegalStateException.class);
    }

    /** What the Prometheus project's own parser reads back: the escapes and the histogram mean what they should. */
    @Test
    void theRealParserReadsItBack() throws Exception {
        PrometheusParser.requireInstalled();
        String tricky = "back\\slash \"quoted\"\nnew line";
        out.family("t_total", Type.COUNTER, "help with \\ and\nnewline").sample(7, "v", tricky, "w", "plain");
        long[] counts = new long[LATENCY_MS.length + 1];
        counts[2] = 3;
        counts[13] = 2;
        out.family("t_seconds", Type.HISTOGRAM, "h").histogram(LATENCY_MS, counts, 20_012, "v", tricky);

        List<PrometheusParser.Family> families = PrometheusParser.parse(text.toString());
        assertThat(families).extracting(PrometheusParser.Family::name).containsExactly("t", "t_seconds");
        PrometheusParser.Family counter = families.get(0);
        assertThat(counter.type()).isEqualTo("counter");
        assertThat(counter.help()).isEqualTo("help with \\ and\nnewline");
        assertThat(counter.samples()).containsExactly(
                new PrometheusParser.Sample("t_total", Map.of("v", tricky, "w", "plain"), 7));
        PrometheusParser.Family histogram = families.get(1);
        assertThat(histogram.type()).isEqualTo("histogram");
        assertThat(histogram.samples()).hasSize(LATENCY_MS.length + 3);
        assertThat(histogram.samples()).contains(
                new PrometheusParser.Sample("t_seconds_bucket", Map.of("v", tricky, "le", "0.0025"), 0),
                new PrometheusParser.Sample("t_seconds_bucket", Map.of("v", tricky, "le", "0.005"), 3),
                new PrometheusParser.Sample("t_seconds_bucket", Map.of("v", tricky, "le", "10"), 3),
                new PrometheusParser.Sample("t_seconds_bucket", Map.of("v", tricky, "le", "+Inf"), 5),
                new PrometheusParser.Sample("t_seconds_sum", Map.of("v", tricky), 20.012),
                new PrometheusParser.Sample("t_seconds_count", Map.of("v", tricky), 5));
    }
}
