package io.sluice.http;

import io.sluice.testing.BodyPattern;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.TestOrigin;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Everyday clients through the proxy: the JDK HttpClient (pooled keep-alive connections) and curl. */
@IntegrationTest
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RealClientsTest {
    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();

    @Test
    void jdkHttpClient() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 4, origin).start();
        HttpClient http = proxy.http();
        List<CompletableFuture<HttpResponse<byte[]>>> all = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            String path = (i % 2 == 0 ? "/size/" : "/chunked/") + (1000 + i) + "?i=" + i;
            all.add(http.sendAsync(HttpRequest.newBuilder(proxy.uri(path)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofByteArray()));
        }
        for (int i = 0; i < all.size(); i++) {
            HttpResponse<byte[]> r = all.get(i).get(20, TimeUnit.SECONDS);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("X-Target")).hasValue(r.uri().getRawPath() + "?i=" + i);
            assertThat(r.body()).hasSize(1000 + i);
            assertThat(BodyPattern.firstMismatch(r.body())).isEqualTo(-1);
        }
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(proxy.uri("/echo"))
                .POST(HttpRequest.BodyPublishers.ofString("from the jdk")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(post.body()).isEqualTo("from the jdk");
        HttpResponse<String> expect = http.send(HttpRequest.newBuilder(proxy.uri("/echo")).expectContinue(true)
                .PUT(HttpRequest.BodyPublishers.ofString("after 100")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(expect.body()).isEqualTo("after 100");
        assertThat(origin.maxOpenConnections()).isLessThanOrEqualTo(4);
    }

    @Test
    void curl() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")), "curl not installed");
        TestOrigin origin = proxy.origin();
        proxy.start(origin);
        String base = "http://127.0.0.1:" + proxy.address().getPort();
        assertThat(run("curl", "-sS", "--max-time", "10", base + "/hello"))
                .isEqualTo("origin origin: GET /hello\n");
        String headers = run("curl", "-sS", "--max-time", "10", "-D", "-", "-o", "/dev/null", base + "/chunked/5000");
        assertThat(headers).startsWith("HTTP/1.1 200").containsIgnoringCase("via: 1.1 sluice");
        assertThat(run("curl", "-sS", "--max-time", "10", "-H", "Transfer-Encoding: chunked", "--data-binary",
                "chunked by curl", base + "/echo")).isEqualTo("chunked by curl");
        assertThat(origin.lastRequest().chunked()).isTrue();
        assertThat(run("curl", "-sS", "--max-time", "10", "--http1.0", base + "/size/3")).hasSize(3);
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = p.getInputStream()) {
            in.transferTo(out);
        }
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("%s: %s", String.join(" ", cmd), out).isZero();
        return out.toString(StandardCharsets.ISO_8859_1);
    }
}
