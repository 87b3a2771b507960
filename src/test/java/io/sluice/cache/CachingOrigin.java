package io.sluice.cache;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An origin for cache tests (JDK HttpServer, which adds Date): the query says what caching fields the answer has.
 * <ul>
 *   <li>{@code cc=V}: Cache-Control V; {@code etag=V}: ETag V; {@code lm=1}: a fixed Last-Modified;
 *       {@code expires=past}: an Expires in the past; {@code vary=NAME}: Vary NAME, the body names the request's
 *       value of it; {@code cookie=1}: Set-Cookie; {@code size=N}: a body of N bytes; {@code chunked=1}: chunked;
 *       {@code status=N}: that status</li>
 *   <li>every answer has {@code X-Version: n}, n counting the requests for its target (path and query)</li>
 *   <li>a request whose If-None-Match is the ETag, or If-Modified-Since the Last-Modified, gets 304</li>
 *   <li>{@code /slow...} waits for {@link #release()} before answering; {@code /cut...} sends half its body, then
 *       closes</li>
 * </ul>
 */
final class CachingOrigin implements AutoCloseable {
    static final String LAST_MODIFIED = "Tue, 15 Nov 1994 12:45:26 GMT";

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    private final List<String> conditions = new CopyOnWriteArrayList<>();
    private final CountDownLatch gate = new CountDownLatch(1);
    private final AtomicInteger total = new AtomicInteger();

    CachingOrigin() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1000);
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
    }

    String authority() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    /** Requests received for {@code target} (path and query as sent). */
    int requests(String target) {
        AtomicInteger n = counts.get(target);
        return n == null ? 0 : n.get();
    }

    int requests() {
        return total.get();
    }

    /** The If-None-Match / If-Modified-Since values received, in order ("-" for a request without). */
    List<String> conditions() {
        return conditions;
    }

    void release() {
        gate.countDown();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String target = ex.getRequestURI().getRawPath()
                    + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery());
            int n = counts.computeIfAbsent(target, t -> new AtomicInteger()).incrementAndGet();
            total.incrementAndGet();
            Map<String, String> q = query(ex.getRequestURI().getRawQuery());
            String inm = ex.getRequestHeaders().getFirst("If-None-Match");
            String ims = ex.getRequestHeaders().getFirst("If-Modified-Since");
            conditions.add(inm != null ? inm : ims != null ? ims : "-");
            if (ex.getRequestURI().getPath().startsWith("/slow")) {
                gate.await(30, TimeUnit.SECONDS);
            }
            var h = ex.getResponseHeaders();
            h.add("X-Version", Integer.toString(n));
            if (q.containsKey("cc")) {
                h.add("Cache-Control", q.get("cc"));
            }
            if (q.containsKey("etag")) {
                h.add("ETag", q.get("etag"));
            }
            if (q.containsKey("lm")) {
                h.add("Last-Modified", LAST_MODIFIED);
            }
            if ("past".equals(q.get("expires"))) {
                h.add("Expires", "Thu, 01 Jan 1970 00:00:00 GMT");
            }
            if (q.containsKey("cookie")) {
                h.add("Set-Cookie", "session=1");
            }
            String varied = "";
            if (q.containsKey("vary")) {
                h.add("Vary", q.get("vary"));
                String v = ex.getRequestHeaders().getFirst(q.get("vary"));
                varied = " " + q.get("vary") + "=" + (v == null ? "none" : v);
            }
            boolean notModified = inm != null && inm.equals(q.get("etag"))
                    || ims != null && q.containsKey("lm") && ims.equals(LAST_MODIFIED);
            if (notModified) {
                ex.sendResponseHeaders(304, -1);
                return;
            }
            h.add("Content-Type", "text/plain");
            byte[] body = q.containsKey("size") ? "x".repeat(Integer.parseInt(q.get("size")))
                    .getBytes(StandardCharsets.US_ASCII)
                    : (ex.getRequestURI().getPath() + " #" + n + varied + "\n").getBytes(StandardCharsets.US_ASCII);
            int status = q.containsKey("status") ? Integer.parseInt(q.get("status")) : 200;
            if (ex.getRequestMethod().equals("HEAD")) {
                h.add("Content-Length", Integer.toString(body.length));
                ex.sendResponseHeaders(status, -1);
                return;
            }
            boolean cut = ex.getRequestURI().getPath().startsWith("/cut");
            ex.sendResponseHeaders(status, q.containsKey("chunked") ? 0 : body.length);
            OutputStream out = ex.getResponseBody();
            out.write(body, 0, cut ? body.length / 2 : body.length);
            out.flush();
            if (cut) {
                throw new IOException("cut on purpose"); // the server drops the connection mid-body
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new HashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                String k = eq < 0 ? pair : pair.substring(0, eq);
                String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                q.put(k, v);
            }
        }
        return q;
    }

    @Override
    public void close() {
        gate.countDown();
        server.stop(0);
        threads.shutdownNow();
    }
}
