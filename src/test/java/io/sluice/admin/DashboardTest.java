package io.sluice.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.RawHttpClient;
import io.sluice.testing.RawResponse;
import io.sluice.testing.TestOrigin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The dashboard at the admin root, in a real browser: {@code src/test/js/dashboard.mjs} opens it in Debian's
 * Chromium through playwright-core while a client sends a request every 25 ms on one keep-alive connection, waits
 * for both servers to show up, for the connection and requests/s charts to draw, checks the percentile function on
 * fixed histograms, drains a server with its button, shows the disconnected state when /stats fails, and saves a
 * screenshot. The drain is then checked through /stats. Needs {@value #CHROMIUM} and {@code npm ci} in
 * {@code src/test/js} (.ci/run installs Chromium, the build runs npm ci); without them the test fails saying so,
 * rather than skipping.
 */
@IntegrationTest
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DashboardTest {
    private static final String CHROMIUM = "/usr/bin/chromium";
    private static final Path SCRIPTS = Path.of("src/test/js");
    private static final Path SCREENSHOT = Path.of("target/dashboard.png");
    private static final Path NODE_LOG = Path.of("target/dashboard-node.log");
    /** The script itself waits at most 10 s per step; this bounds a hung browser. */
    private static final long SCRIPT_SECONDS = 45;

    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();

    @Test
    void pageShowsTheProxyAndDrainsAServer() throws Exception {
        requireBrowserTools();
        TestOrigin a = proxy.origin("a");
        TestOrigin b = proxy.origin("b");
        proxy.setup().cluster("web", 16, a, b).start();
        for (int i = 0; i < 4; i++) {
            assertThat(proxy.get("/warm?i=" + i).status()).isEqualTo(200);
        }
        HttpResponse<String> page = proxy.admin("GET", "/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(page.headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(page.body()).contains("<title>Sluice dashboard</title>");
        assertThat(proxy.admin("POST", "/").statusCode()).isEqualTo(405);

        InetSocketAddress admin = proxy.sluice().adminAddress();
        String url = "http://127.0.0.1:" + admin.getPort() + "/";
        Files.deleteIfExists(SCREENSHOT);
        ScheduledExecutorService load = Executors.newSingleThreadScheduledExecutor();
        AtomicReference<Throwable> loadFailure = new AtomicReference<>();
        AtomicInteger sent = new AtomicInteger();
        RawHttpClient client = proxy.connect();
        Process node;
        try {
            // one client connection, a steady request rate: the page then has a ratio, a rate and latencies to show
            load.scheduleAtFixedRate(() -> {
                try {
                    client.send(RawHttpClient.request("GET", "/load?i=" + sent.incrementAndGet(), "Host: test"));
                    RawResponse r = client.readResponse();
                    if (r.status() != 200) {
                        throw new AssertionError("request through the proxy: " + r.status());
                    }
                } catch (Throwable t) {
                    loadFailure.compareAndSet(null, t);
                    throw new IllegalStateException(t); // ends the schedule
                }
            }, 0, 25, TimeUnit.MILLISECONDS);
            node = runScript(url, b.authority());
        } finally {
            load.shutdownNow();
            assertThat(load.awaitTermination(10, TimeUnit.SECONDS)).as("load stopped").isTrue();
        }
        String log = Files.readString(NODE_LOG, StandardCharsets.UTF_8);
        assertThat(node.exitValue()).as("dashboard.mjs failed:\n%s", log).isEqualTo(0);
        assertThat(loadFailure.get()).as("the load through the proxy").isNull();

        JsonNode stats = proxy.stats();
        assertThat(ProxyFixture.server(stats, "web", b.authority()).path("state").asText())
                .as("the Drain button really drained the server").isEqualTo("draining");
        assertThat(ProxyFixture.server(stats, "web", a.authority()).path("state").asText()).isEqualTo("up");
        assertThat(stats.path("version").asText()).isNotBlank();
        assertThat(stats.path("uptime_s").isIntegralNumber()).isTrue();
        assertThat(SCREENSHOT).exists();
        assertThat(Files.size(SCREENSHOT)).as("a screenshot with something on it").isGreaterThan(20_000);
    }

    /** Runs dashboard.mjs to its end (bounded); its output goes to {@link #NODE_LOG}. */
    private static Process runScript(String url, String drain) throws IOException, InterruptedException {
        Files.createDirectories(NODE_LOG.getParent());
        ProcessBuilder builder = new ProcessBuilder(List.of("node", "dashboard.mjs", CHROMIUM, url, "web", drain,
                SCREENSHOT.toAbsolutePath().toString()))
                .directory(SCRIPTS.toFile())
                .redirectErrorStream(true)
                .redirectOutput(NODE_LOG.toFile());
        Process node;
        try {
            node = builder.start();
        } catch (IOException e) {
            throw new AssertionError("cannot start node (Node.js 20 or later must be on PATH): " + e.getMessage(), e);
        }
        if (!node.waitFor(SCRIPT_SECONDS, TimeUnit.SECONDS)) {
            node.descendants().forEach(ProcessHandle::destroyForcibly);
            node.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            fail("dashboard.mjs did not finish in %d s:%n%s", SCRIPT_SECONDS,
                    Files.readString(NODE_LOG, StandardCharsets.UTF_8));
        }
        return node;
    }

    /** Fails, naming what to install, when the browser or the script's package is missing. */
    private static void requireBrowserTools() {
        if (!Files.isExecutable(Path.of(CHROMIUM))) {
            fail("DashboardTest needs Debian's Chromium at %s: apt-get install chromium (.ci/run installs it)", CHROMIUM);
        }
        if (!Files.isDirectory(SCRIPTS.resolve("node_modules/playwright-core"))) {
            fail("DashboardTest needs playwright-core: npm ci --prefix %s (mvn verify runs it)", SCRIPTS);
        }
    }
}
