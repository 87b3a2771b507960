package io.sluice.cli;

import io.sluice.testing.Await;
import io.sluice.testing.SteadyLoad;
import io.sluice.testing.TestOrigin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Processes of {@code sluice run} (child JVMs) under a steady load: a restart (a new process on the same port, then
 * SIGTERM to the old one) and reloads by SIGHUP and by {@code --watch} lose no request.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RestartUnderLoadTest {
    @TempDir
    Path dir;

    private final TestOrigin a = TestOrigin.start("a");
    private final TestOrigin b = TestOrigin.start("b");
    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        for (Process p : processes) {
            ChildJvm.stop(p);
        }
        a.close();
        b.close();
    }

    private String config(int port, String cluster) {
        return String.join("\n",
                "workers: 1",
                "shutdown_timeout: 20s",
                "listeners:",
                "  - name: web",
                "    address: 127.0.0.1:" + port,
                "    timeouts: { keepalive_idle: 2s }",
                "    routes: [ { match: { path_prefix: / }, cluster: " + cluster + " } ]",
                "clusters:",
                "  - { name: a, servers: [ { address: " + a.authority() + " } ] }",
                "  - { name: b, servers: [ { address: " + b.authority() + " } ] }",
                "");
    }

    /** Starts {@code sluice run} and waits until it listens. */
    private Running run(Path file, String... more) throws IOException {
        List<String> args = new ArrayList<>(List.of("run", "-c", file.toString()));
        args.addAll(List.of(more));
        Process p = ChildJvm.builder(args.toArray(String[]::new)).start();
        processes.add(p);
        Running r = new Running(p, new ChildJvm.Collector(p.getInputStream()),
                new ChildJvm.Collector(p.getErrorStream()));
        Await.until(() -> r.out.text().contains("listener web on"), Duration.ofSeconds(30),
                () -> "sluice run did not start: " + r);
        return r;
    }

    private record Running(Process process, ChildJvm.Collector out, ChildJvm.Collector err) {
        @Override
        public String toString() {
            return "stdout: " + out.text() + "\nstderr: " + err.text();
        }
    }

    @Test
    void aNewProcessThenSigtermToTheOldLosesNoRequest() throws Exception {
        int port = freePort();
        Path file = dir.resolve("sluice.yaml");
        Files.writeString(file, config(port, "a"));
        Running old = run(file);
        try (SteadyLoad load = SteadyLoad.start(new InetSocketAddress("127.0.0.1", port), "/x", 4, 8)) {
            load.awaitMore(500, Duration.ofSeconds(30));
            Running fresh = run(file);
            load.awaitMore(500, Duration.ofSeconds(30));
            old.process().destroy(); // SIGTERM
            assertThat(old.process().waitFor(30, TimeUnit.SECONDS)).as("the old process drained and exited: %s", old)
                    .isTrue();
            load.awaitMore(500, Duration.ofSeconds(30));
            load.stop();
            assertThat(load.failed()).as(load.failureReport()).isZero();
            assertThat(fresh.process().isAlive()).as("%s", fresh).isTrue();
        }
    }

    @Test
    void sighupAndAWatchedFileReloadUnderLoadWithoutAFailedRequest() throws Exception {
        int port = freePort();
        Path file = dir.resolve("sluice.yaml");
        Files.writeString(file, config(port, "a"));
        Running sluice = run(file, "--watch");
        try (SteadyLoad load = SteadyLoad.start(new InetSocketAddress("127.0.0.1", port), "/x", 4, 2)) {
            load.awaitMore(300, Duration.ofSeconds(30));
            Files.writeString(file, config(port, "b"));
            new ProcessBuilder("kill", "-HUP", Long.toString(sluice.process().pid())).start().waitFor();
            Await.until(() -> load.answeredBy("b") > 100, Duration.ofSeconds(10),
                    () -> "SIGHUP did not switch the route: " + sluice);
            long byA = load.answeredBy("a");
            Files.writeString(file, config(port, "a") + "# edited\n");
            Await.until(() -> load.answeredBy("a") > byA + 100, Duration.ofSeconds(10),
                    () -> "--watch did not reload the edited file: " + sluice);
            Files.writeString(file, config(port, "nowhere"));
            Await.until(() -> sluice.err().text().contains("unknown cluster \"nowhere\""), Duration.ofSeconds(10),
                    () -> "an invalid file was not rejected: " + sluice);
            load.awaitMore(300, Duration.ofSeconds(30));
            load.stop();
            assertThat(load.failed()).as(load.failureReport()).isZero();
            assertThat(sluice.err().text()).as("a file written in place is read whole").doesNotContain("empty");
        }
    }

    /** A port free just now (small race with other processes, acceptable in a test). */
    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }
}
