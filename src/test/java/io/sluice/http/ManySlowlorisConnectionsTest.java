package io.sluice.http;

import com.sun.management.UnixOperatingSystemMXBean;
import io.sluice.config.ListenerTimeouts;
import io.sluice.testing.Await;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.RawHttpClient;
import io.sluice.testing.RawResponse;
import io.sluice.testing.RecordingOrigin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Five thousand slowloris connections, each holding a partial request head (a tenth of them adding a byte every
 * second, which does not extend {@code request_header}): while they are all open, normal clients are served
 * promptly, on new and on keep-alive connections; once {@code request_header} expires each slowloris connection is
 * answered 408 (or closed) and closed, and the listener's connection count returns to what it was.
 */
@IntegrationTest
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ManySlowlorisConnectionsTest {
    private static final int SLOW = 5000;
    private static final int THREADS = 20;
    private static final int REQUESTS_PER_THREAD = 10;
    /** Long enough to open every slowloris connection and serve the normal clients before the first one expires. */
    private static final Duration REQUEST_HEADER = Duration.ofSeconds(6);
    private static final Duration PROMPT = Duration.ofSeconds(1);
    private static final byte[] PARTIAL_HEAD = "GET /slow HTTP/1.1\r\nHost: x\r\nX-Slow: "
            .getBytes(StandardCharsets.US_ASCII);

    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();
    private final AtomicLong trickles = new AtomicLong();

    @Test
    void normalClientsAreServedWhileSlowlorisConnectionsWaitThenTheyAreClosed() throws Exception {
        assumeEnoughFileDescriptors();
        // not TestOrigin: it reads the kernel's TCP table at each accept, which takes long with 10,000 sockets open
        try (RecordingOrigin origin = RecordingOrigin.start()) {
            slowloris(origin);
        }
    }

    private void slowloris(RecordingOrigin origin) throws Exception {
        proxy.setup().cluster("web", 256, origin.address())
                .listenerTimeouts(new ListenerTimeouts(REQUEST_HEADER, Duration.ofSeconds(5), Duration.ofSeconds(5)))
                .start();
        int baseline = listenerConnections();
        InetSocketAddress address = proxy.address();
        List<SocketChannel> slow = new ArrayList<>(SLOW);
        ScheduledExecutorService trickler = Executors.newSingleThreadScheduledExecutor();
        try (Selector selector = Selector.open()) {
            long t0 = System.nanoTime();
            for (int i = 0; i < SLOW; i++) {
                SocketChannel ch = SocketChannel.open(address);
                ch.write(ByteBuffer.wrap(PARTIAL_HEAD));
                ch.configureBlocking(false);
                ch.register(selector, SelectionKey.OP_READ, new StringBuilder());
                slow.add(ch);
            }
            Await.until(() -> listenerConnections() >= baseline + SLOW, Duration.ofSeconds(10),
                    () -> "Sluice holds " + listenerConnections() + " client connections, expected " + SLOW);
            long opened = System.nanoTime();
            trickler.scheduleAtFixedRate(() -> trickle(slow), 1, 1, TimeUnit.SECONDS);

            List<Long> latencies = serveNormalClients(origin);
            Duration sinceFirstSlow = Duration.ofNanos(System.nanoTime() - t0);
            System.out.printf("%d slowloris connections open after %d ms; %d normal requests in %d ms, slowest %d ms%n",
                    SLOW, TimeUnit.NANOSECONDS.toMillis(opened - t0), latencies.size(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - opened),
                    latencies.stream().mapToLong(Long::longValue).max().orElse(-1));
            assertThat(sinceFirstSlow).as("the normal clients were served before any slowloris connection expired;"
                    + " if not, this machine is too slow for the test's timing").isLessThan(REQUEST_HEADER);
            assertThat(listenerConnections()).as("all slowloris connections are still open")
                    .isGreaterThanOrEqualTo(baseline + SLOW);
            assertThat(latencies).hasSize(THREADS * REQUESTS_PER_THREAD);
            assertThat(latencies.stream().mapToLong(Long::longValue).max().orElseThrow())
                    .as("slowest normal request, ms").isLessThan(PROMPT.toMillis());

            Map<SocketChannel, String> got = readUntilAllClosed(selector, REQUEST_HEADER.plusSeconds(15));
            assertThat(got).hasSize(SLOW);
            // a head had started on each, so Sluice answers 408 before closing
            got.values().forEach(text -> assertThat(text).as("what a slowloris connection got before the close")
                    .startsWith("HTTP/1.1 408 "));
            assertThat(trickles.get()).as("bytes trickled while waiting").isGreaterThan(0);
        } finally {
            trickler.shutdownNow();
            for (SocketChannel ch : slow) {
                ch.close();
            }
        }
        Await.until(() -> listenerConnections() == baseline, Duration.ofSeconds(10),
                () -> "Sluice still holds " + listenerConnections() + " client connections, expected " + baseline);
        assertThat(origin.requests()).as("no slowloris request reached the server")
                .allSatisfy(q -> assertThat(q.target()).startsWith("/normal"));
        assertThat(ProxyFixture.listener(proxy.statsNow(), ProxyFixture.LISTENER).path("refused").asLong())
                .isZero();
    }

    /**
     * {@link #THREADS} clients at once, each making {@link #REQUESTS_PER_THREAD} requests: five on one keep-alive
     * connection, five on another new one.
     *
     * @return each request's latency in milliseconds
     */
    private List<Long> serveNormalClients(RecordingOrigin origin) throws Exception {
        List<Long> latencies = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<List<Long>>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    List<Long> mine = new ArrayList<>();
                    for (int conn = 0; conn < 2; conn++) {
                        try (RawHttpClient c = RawHttpClient.connect(proxy.address())) {
                            c.timeout(Duration.ofSeconds(10));
                            for (int i = 0; i < REQUESTS_PER_THREAD / 2; i++) {
                                String target = "/normal?t=" + thread + "&c=" + conn + "&i=" + i;
                                long start = System.nanoTime();
                                c.send(RawHttpClient.request("GET", target, "Host: x"));
                                RawResponse r = c.readResponse();
                                mine.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                                assertThat(r.status()).as("%s", r).isEqualTo(200);
                                assertThat(r.bodyText()).isEqualTo("ok GET " + target);
                            }
                        }
                    }
                    return mine;
                }));
            }
            for (Future<List<Long>> f : futures) {
                latencies.addAll(f.get(20, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(origin.requests()).hasSize(THREADS * REQUESTS_PER_THREAD);
        return latencies;
    }

    /** One more header byte on every tenth connection: activity that must not extend request_header. */
    private void trickle(List<SocketChannel> slow) {
        ByteBuffer one = ByteBuffer.allocate(1);
        for (int i = 0; i < slow.size(); i += 10) {
            SocketChannel ch = slow.get(i);
            if (!ch.isOpen()) {
                continue;
            }
            try {
                one.clear();
                one.put((byte) 'a').flip();
                ch.write(one);
                trickles.incrementAndGet();
            } catch (IOException e) {
                // closed by Sluice: expected once request_header expired
            }
        }
    }

    /** Reads every registered channel until it is closed by the peer; what each received before the close. */
    private static Map<SocketChannel, String> readUntilAllClosed(Selector selector, Duration within) throws IOException {
        Map<SocketChannel, String> closed = new ConcurrentHashMap<>();
        ByteBuffer buf = ByteBuffer.allocate(4096);
        long deadline = System.nanoTime() + within.toNanos();
        while (!selector.keys().isEmpty()) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                throw new AssertionError(selector.keys().size() + " slowloris connections still open after "
                        + within.toSeconds() + " s (" + closed.size() + " closed)");
            }
            selector.select(Math.min(left, 500));
            Iterator<SelectionKey> it = selector.selectedKeys().iterator();
            while (it.hasNext()) {
                SelectionKey key = it.next();
                it.remove();
                SocketChannel ch = (SocketChannel) key.channel();
                StringBuilder text = (StringBuilder) key.attachment();
                int n;
                try {
                    buf.clear();
                    n = ch.read(buf);
                } catch (IOException e) {
                    n = -1; // reset: closed as well
                }
                if (n < 0) {
                    key.cancel();
                    closed.put(ch, text.toString());
                } else {
                    buf.flip();
                    text.append(StandardCharsets.ISO_8859_1.decode(buf));
                }
            }
            selector.selectNow(); // let cancelled keys leave the key set
        }
        return closed;
    }

    private int listenerConnections() {
        return ProxyFixture.listener(proxy.statsNow(), ProxyFixture.LISTENER).path("connections").asInt(-1);
    }

    /**
     * Both ends of every slowloris connection live in this JVM: it needs two descriptors for each, and some for
     * the normal clients, their server connections and the rest. The JVM raises its soft limit to the hard limit
     * on Linux (-XX:+MaxFDLimit), so the limit read here is what the test can use.
     */
    private static void assumeEnoughFileDescriptors() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        assumeTrue(os instanceof UnixOperatingSystemMXBean, "file descriptor counts are not available here");
        UnixOperatingSystemMXBean unix = (UnixOperatingSystemMXBean) os;
        long max = unix.getMaxFileDescriptorCount();
        long open = unix.getOpenFileDescriptorCount();
        long needed = 2L * SLOW + 4L * THREADS + 1000;
        assumeTrue(max - open >= needed, () -> "skipped: " + SLOW + " slowloris connections need about " + needed
                + " more file descriptors; the limit is " + max + " with " + open + " open (raise ulimit -n)");
    }
}
