package io.sluice.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs {@code io.sluice.cli.Main} in a child JVM on this test run's class path. */
final class ChildJvm {
    /** What a finished child printed and returned. */
    record Result(int exitCode, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout:\n" + stdout + "\n--- stderr:\n" + stderr;
        }
    }

    private ChildJvm() {
    }

    static ProcessBuilder builder(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx256m");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("io.sluice.cli.Main");
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd);
    }

    /** Runs to completion; fails (and kills the child) after {@code timeout}. */
    static Result run(Duration timeout, String... args) throws IOException, InterruptedException {
        Process p = builder(args).start();
        p.getOutputStream().close();
        Collector out = new Collector(p.getInputStream());
        Collector err = new Collector(p.getErrorStream());
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("sluice " + String.join(" ", args) + " did not finish within " + timeout
                        + "; stdout so far: " + out.text() + "; stderr so far: " + err.text());
            }
            out.thread.join(5000);
            err.thread.join(5000);
            return new Result(p.exitValue(), out.text(), err.text());
        } finally {
            stop(p);
        }
    }

    /** Destroys a child and waits for it (forcibly after 5 s). */
    static void stop(Process p) throws InterruptedException {
        if (p.isAlive()) {
            p.destroy();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    /** Reads a child's stream on a thread into memory. */
    static final class Collector {
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
        final Thread thread;

        Collector(InputStream in) {
            thread = new Thread(() -> {
                byte[] b = new byte[8192];
                try {
                    for (int n; (n = in.read(b)) >= 0; ) {
                        synchronized (buf) {
                            buf.write(b, 0, n);
                        }
                    }
                } catch (IOException ignored) {
                    // child gone
                }
            }, "child-output");
            thread.setDaemon(true);
            thread.start();
        }

        String text() {
            synchronized (buf) {
                return buf.toString(StandardCharsets.UTF_8);
            }
        }
    }
}
