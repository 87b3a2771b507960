package io.sluice.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A steady load of GET requests against one address until {@link #stop()}: keep-alive clients (a JDK HttpClient
 * each, one request at a time) and clients that open a new connection per request (raw sockets,
 * {@code Connection: close}). Every answer that is not a complete 200, and every I/O error, is a failure.
 */
public final class SteadyLoad implements AutoCloseable {
    private static final int MAX_FAILURES_KEPT = 20;

    private final InetSocketAddress address;
    private final String path;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final LongAdder ok = new LongAdder();
    private final AtomicLong failed = new AtomicLong();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    /** Answers by the {@code X-Origin} field (which server answered). */
    private final Map<String, LongAdder> byOrigin = new ConcurrentHashMap<>();
    private final List<Thread> threads = new ArrayList<>();

    private SteadyLoad(InetSocketAddress address, String path) {
        this.address = address;
        this.path = path;
    }

    /** Starts {@code keepAlive} keep-alive clients and {@code perRequest} connection-per-request clients. */
    public static SteadyLoad start(InetSocketAddress address, String path, int keepAlive, int perRequest) {
        SteadyLoad load = new SteadyLoad(address, path);
        for (int i = 0; i < keepAlive; i++) {
            load.spawn("keep-alive-" + i, load::keepAliveClient);
        }
        for (int i = 0; i < perRequest; i++) {
            load.spawn("per-request-" + i, load::perRequestClient);
        }
        return load;
    }

    private void spawn(String name, Runnable body) {
        Thread t = new Thread(body, "steady-load-" + name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    private void keepAliveClient() {
        URI uri = URI.create("http://" + address.getHostString() + ":" + address.getPort() + path);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        while (running.get()) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                        .build(), HttpResponse.BodyHandlers.ofString());
                answered(r.statusCode(), r.headers().firstValue("X-Origin").orElse("?"), "keep-alive");
            } catch (IOException e) {
                fail("keep-alive: " + e);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void perRequestClient() {
        byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: load\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        while (running.get()) {
            try (Socket s = new Socket()) {
                s.connect(address, 5000);
                s.setSoTimeout(10_000);
                OutputStream out = s.getOutputStream();
                out.write(request);
                out.flush();
                String answer = readAll(s.getInputStream());
                int status = answer.startsWith("HTTP/1.1 ") && answer.length() >= 12
                        ? Integer.parseInt(answer.substring(9, 12)) : -1;
                answered(status, originOf(answer), "per-request (" + answer.length() + " bytes)");
            } catch (IOException e) {
                fail("per-request: " + e);
            }
        }
    }

    private static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        in.transferTo(all);
        return all.toString(StandardCharsets.ISO_8859_1);
    }

    private static String originOf(String answer) {
        int at = answer.indexOf("\r\nX-Origin: ");
        if (at < 0) {
            return "?";
        }
        int from = at + "\r\nX-Origin: ".length();
        return answer.substring(from, answer.indexOf("\r\n", from));
    }

    private void answered(int status, String origin, String client) {
        if (status == 200) {
            ok.increment();
            byOrigin.computeIfAbsent(origin, o -> new LongAdder()).increment();
        } else {
            fail(client + ": status " + status);
        }
    }

    private void fail(String what) {
        if (!running.get()) {
            return; // stopping interrupts requests in flight: not the proxy's doing
        }
        if (failed.incrementAndGet() <= MAX_FAILURES_KEPT) {
            failures.add(what);
        }
    }

    /** Requests answered 200 so far. */
    public long succeeded() {
        return ok.sum();
    }

    /** Answers 200 from the origin named {@code origin} so far. */
    public long answeredBy(String origin) {
        LongAdder n = byOrigin.get(origin);
        return n == null ? 0 : n.sum();
    }

    /** Waits until {@code n} more requests than now have succeeded. */
    public void awaitMore(long n, Duration timeout) {
        long target = succeeded() + n;
        Await.until(() -> succeeded() >= target || failed.get() > 0, timeout,
                () -> "the load made " + succeeded() + " of " + target + " requests");
    }

    /** Stops the clients and waits for them. */
    public void stop() throws InterruptedException {
        running.set(false);
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(15));
        }
    }

    /** Failures so far: their number and the first few. */
    public String failureReport() {
        return failed.get() + " failed requests (of " + (failed.get() + succeeded()) + "): " + failures;
    }

    public long failed() {
        return failed.get();
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
