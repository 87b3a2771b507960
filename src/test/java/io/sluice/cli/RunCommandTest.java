package io.sluice.cli;

import io.sluice.testing.Await;
import io.sluice.testing.TestOrigin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code sluice run -c FILE} (a child JVM) proxies to the servers the file names. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RunCommandTest {
    @TempDir
    Path dir;

    @Test
    void runsTheConfiguredProxy() throws Exception {
        try (TestOrigin origin = TestOrigin.start("run")) {
            int port = freePort();
            int adminPort = freePort();
            Path file = dir.resolve("sluice.yaml");
            Files.writeString(file, String.join("\n",
                    "workers: 1",
                    "listeners:",
                    "  - name: web",
                    "    address: 127.0.0.1:" + port,
                    "    protocol: http",
                    "    routes:",
                    "      - match: { path_prefix: / }",
                    "        cluster: app",
                    "clusters:",
                    "  - name: app",
                    "    servers:",
                    "      - { address: " + origin.authority() + ", max_connections: 2 }",
                    "admin:",
                    "  address: 127.0.0.1:" + adminPort,
                    ""));
            Process p = ChildJvm.builder("run", "-c", file.toString()).start();
            ChildJvm.Collector out = new ChildJvm.Collector(p.getInputStream());
            ChildJvm.Collector err = new ChildJvm.Collector(p.getErrorStream());
            try {
                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
                AtomicReference<HttpResponse<String>> got = new AtomicReference<>();
                Await.until(() -> {
                    if (!p.isAlive()) {
                        throw new AssertionError("sluice run exited " + p.exitValue() + ": " + err.text());
                    }
                    try {
                        got.set(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/hi"))
                                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()));
                        return true;
                    } catch (IOException e) {
                        return false;
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                }, Duration.ofSeconds(30), () -> "sluice run never answered; stdout: " + out.text()
                        + " stderr: " + err.text());
                assertThat(got.get().statusCode()).isEqualTo(200);
                assertThat(got.get().headers().firstValue("X-Origin")).hasValue("run");
                assertThat(origin.lastRequest().target()).isEqualTo("/hi");
            } finally {
                ChildJvm.stop(p);
            }
        }
    }

    /** A port free just now (small race with other processes, acceptable in a test). */
    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }
}
