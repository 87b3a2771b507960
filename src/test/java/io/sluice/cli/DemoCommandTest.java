package io.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code sluice demo} (a child JVM) starts, answers through the proxy on 127.0.0.1:8080 and serves /stats on
 * 127.0.0.1:9901, and prints both addresses; the test stops it afterwards.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DemoCommandTest {
    private static final Duration STARTUP = Duration.ofSeconds(30);

    @Test
    void demoAnswersOnBothPorts() throws Exception {
        assertPortFree(8080);
        assertPortFree(9901);
        Process p = ChildJvm.builder("demo").start();
        ChildJvm.Collector out = new ChildJvm.Collector(p.getInputStream());
        ChildJvm.Collector err = new ChildJvm.Collector(p.getErrorStream());
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            HttpResponse<String> proxied = getWhenUp(http, p, "http://127.0.0.1:8080/", out, err);
            assertThat(proxied.statusCode()).as("GET / through the demo proxy: %s", proxied.body()).isEqualTo(200);
            for (int i = 0; i < 2; i++) {
                HttpResponse<String> cached = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:8080/static/logo")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(cached.headers().firstValue("Cache-Status").orElse("")).as("answer %d", i)
                        .startsWith(i == 0 ? "sluice; fwd=miss" : "sluice; hit");
            }
            HttpResponse<String> stats = getWhenUp(http, p, "http://127.0.0.1:9901/stats", out, err);
            assertThat(stats.statusCode()).isEqualTo(200);
            JsonNode json = new ObjectMapper().readTree(stats.body());
            assertThat(json.path("clusters").size()).isGreaterThanOrEqualTo(1);
            assertThat(json.path("clusters").get(0).path("servers").size()).as("two demo backends").isEqualTo(2);
            assertThat(json.path("listeners").get(0).path("requests").asLong()).isGreaterThanOrEqualTo(1);
            io.sluice.testing.Await.until(() -> out.text().contains("8080") && out.text().contains("9901"),
                    Duration.ofSeconds(5), () -> "demo should print what to try; printed: " + out.text());
        } finally {
            ChildJvm.stop(p);
        }
    }

    private static HttpResponse<String> getWhenUp(HttpClient http, Process p, String url, ChildJvm.Collector out,
                                                  ChildJvm.Collector err) throws Exception {
        long deadline = System.nanoTime() + STARTUP.toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new AssertionError("demo exited with " + p.exitValue() + "\nstdout: " + out.text()
                        + "\nstderr: " + err.text());
            }
            try {
                return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                last = e;
                Thread.sleep(100);      // polling a child process that has no readiness signal
            }
        }
        throw new AssertionError("no answer from " + url + " within " + STARTUP + "\nstdout: " + out.text()
                + "\nstderr: " + err.text(), last);
    }

    private static void assertPortFree(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
            s.setReuseAddress(true);
        } catch (IOException e) {
            throw new AssertionError("port " + port + " is in use by another process; the demo test needs it", e);
        }
    }
}
