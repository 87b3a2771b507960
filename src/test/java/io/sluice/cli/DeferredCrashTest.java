package io.sluice.cli;

import com.sun.net.httpserver.HttpServer;
import io.sluice.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The proof of store and forward: with the cluster down, 1,000 requests are accepted by {@code sluice run}
 * (a child JVM) that is killed with SIGKILL halfway through them and restarted; then the server comes up and the
 * process is killed again while it delivers, and restarted. Every accepted id reaches the server.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DeferredCrashTest {
    private static final int N = 1000;
    private static final int CLIENTS = 8;

    @TempDir
    Path dir;

    private final List<Process> processes = new ArrayList<>();
    private HttpServer server;

    @AfterEach
    void stop() throws InterruptedException {
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor();
        }
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void everyAcceptedRequestIsDeliveredAcrossTwoKills() throws Exception {
        int serverPort = freePort();
        int proxyPort = freePort();
        Path file = dir.resolve("sluice.yaml");
        Files.writeString(file, String.join("\n",
                "workers: 1",
                "listeners:",
                "  - name: web",
                "    address: 127.0.0.1:" + proxyPort,
                "    routes:",
                "      - { match: { path_prefix: /orders }, cluster: api, deliver: deferred }",
                "clusters:",
                "  - { name: api, servers: [ { address: 127.0.0.1:" + serverPort + " } ] }",
                "deferred:",
                "  journal_dir: " + dir.resolve("journal"),
                "  backoff: { initial: 20ms, max: 200ms }",
                ""));
        Set<String> accepted = ConcurrentHashMap.newKeySet();
        AtomicInteger next = new AtomicInteger();

        Process first = run(file);
        List<Thread> clients = send(proxyPort, accepted, next);
        Await.until(() -> accepted.size() >= N / 2, Duration.ofSeconds(60), () -> "accepted " + accepted.size());
        first.destroyForcibly().waitFor(); // SIGKILL while requests are in flight: no shutdown hook, no flush
        Process second = run(file);
        for (Thread t : clients) {
            t.join();
        }
        assertThat(accepted).hasSizeGreaterThanOrEqualTo(N);

        Set<String> delivered = ConcurrentHashMap.newKeySet();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), serverPort), 64);
        server.createContext("/", exchange -> {
            String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
            exchange.getRequestBody().readAllBytes();
            if (key != null) {
                delivered.add(key);
            }
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
        Await.until(() -> delivered.size() >= N / 4, Duration.ofSeconds(60),
                () -> "delivered " + delivered.size() + " before the second kill");
        second.destroyForcibly().waitFor(); // killed while delivering
        run(file);
        Await.until(() -> delivered.containsAll(accepted), Duration.ofSeconds(60),
                () -> "delivered " + delivered.size() + " distinct ids of " + N + " accepted");
    }

    /** Starts {@code sluice run} and waits until it listens. */
    private Process run(Path file) throws IOException {
        Process p = ChildJvm.builder("run", "-c", file.toString()).start();
        processes.add(p);
        ChildJvm.Collector out = new ChildJvm.Collector(p.getInputStream());
        ChildJvm.Collector err = new ChildJvm.Collector(p.getErrorStream());
        Await.until(() -> out.text().contains("listener web on"), Duration.ofSeconds(30),
                () -> "sluice run did not start: " + out.text() + err.text());
        return p;
    }

    /**
     * Starts {@value #CLIENTS} clients sending POSTs until {@value #N} were accepted (202, each id kept). A request
     * that fails (the process killed under it, or not yet back) was not accepted: the client tries again.
     */
    private static List<Thread> send(int port, Set<String> accepted, AtomicInteger next) {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            Thread t = new Thread(() -> {
                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
                while (accepted.size() < N && System.nanoTime() < deadline) {
                    int n = next.getAndIncrement();
                    try {
                        HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + port + "/orders/" + n))
                                .timeout(Duration.ofSeconds(10))
                                .POST(HttpRequest.BodyPublishers.ofString("order " + n)).build(),
                                HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() == 202) {
                            accepted.add(r.headers().firstValue("X-Sluice-Delivery-Id").orElseThrow());
                        }
                    } catch (IOException e) {
                        LockSupport.parkNanos(Duration.ofMillis(20).toNanos()); // the process is being restarted
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }, "deferred-client-" + c);
            t.setDaemon(true);
            clients.add(t);
            t.start();
        }
        return clients;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }
}
