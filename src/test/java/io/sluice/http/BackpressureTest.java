package io.sluice.http;

import io.netty.util.internal.PlatformDependent;
import io.sluice.config.SocketOptions;
import io.sluice.testing.BodyPattern;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.RawHttpClient;
import io.sluice.testing.RawResponse;
import io.sluice.testing.TestOrigin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bodies stream with backpressure: when one side stops reading, the other side is stopped too, so the proxy holds
 * only a bounded amount in memory. Observed from outside: with a 64 MiB body and a stalled reader, the writer gets
 * stuck after far less than 64 MiB (kernel socket buffers on loopback can hold several MiB on each of the four
 * sockets involved, so the bound asserted is 32 MiB: a proxy that buffers the whole body fails it by 2x). The same
 * holds for answers Sluice makes itself: a client that pipelines requests getting local answers (404, no route)
 * without reading them is read no further once its answers queue up.
 */
@IntegrationTest
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class BackpressureTest {
    private static final long BODY = 64L * 1024 * 1024;
    private static final long BOUND = 32L * 1024 * 1024;

    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();

    @Test
    void slowClientStopsTheServer() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.start(origin);
        try (RawHttpClient c = RawHttpClient.connect(proxy.address(), 64 * 1024)) {
            c.send(RawHttpClient.request("GET", "/size/" + BODY, "Host: t"));
            RawHttpClient.Streaming s = c.readStreaming("GET");
            assertThat(s.head().status()).isEqualTo(200);
            long stalledAt = awaitStall(origin::bytesWritten);
            System.out.printf("slow client: the origin wrote %,d bytes before stalling%n", stalledAt);
            assertThat(stalledAt).as("bytes the origin could write while the client did not read")
                    .isLessThan(BOUND);
            BodyPattern.Verifier v = new BodyPattern.Verifier();
            s.body().transferTo(v);
            assertThat(v.count()).isEqualTo(BODY);
            assertThat(v.firstMismatch()).isEqualTo(-1);
        }
    }

    @Test
    void slowServerStopsTheClient() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.start(origin);
        try (RawHttpClient c = proxy.connect()) {
            c.send("POST /stall-sink HTTP/1.1\r\nHost: t\r\nContent-Length: " + BODY + "\r\n\r\n");
            AtomicLong written = new AtomicLong();
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                byte[] buf = new byte[64 * 1024];
                try (InputStream in = BodyPattern.stream(BODY)) {
                    for (int n; (n = in.read(buf)) > 0; ) {
                        c.output().write(buf, 0, n);
                        written.addAndGet(n);
                    }
                    c.output().flush();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            long stalledAt = awaitStall(written::get);
            System.out.printf("slow server: the client wrote %,d bytes before stalling%n", stalledAt);
            assertThat(stalledAt).as("bytes the client could send while the origin did not read").isLessThan(BOUND);
            origin.releaseSinks();
            writer.get(30, TimeUnit.SECONDS);
            RawResponse r = c.readResponse("POST");
            assertThat(r.bodyText()).isEqualTo(BODY + " " + BodyPattern.sha256(BODY));
        }
    }

    @Test
    void pipelinedRequestsOfAClientThatDoesNotReadStopBeingRead() throws Exception {
        TestOrigin origin = proxy.origin();
        // send buffers pinned (Sluice's as a listener may configure it, the client's too) so that the kernels hold
        // little and the test reads back some thousands of answers, not hundreds of thousands
        proxy.setup().cluster("web", 4, origin).route("only.example", "/", "web")
                .socket(new SocketOptions(32 * 1024, 0)).start();
        byte[] request = "GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        int perBatch = 1000;
        byte[] batch = new byte[request.length * perBatch];
        for (int i = 0; i < perBatch; i++) {
            System.arraycopy(request, 0, batch, i * request.length, request.length);
        }
        String last = "/size/5?last";
        try (RawHttpClient c = RawHttpClient.connect(proxy.address())) {
            c.socket().setSendBufferSize(32 * 1024);
            long directBefore = PlatformDependent.usedDirectMemory();
            AtomicLong written = new AtomicLong();
            AtomicBoolean stop = new AtomicBoolean();
            ExecutorService writerThread = Executors.newSingleThreadExecutor();
            CompletableFuture<Long> writer = CompletableFuture.supplyAsync(() -> {
                long batches = 0;
                try {
                    while (!stop.get() && written.get() < BODY) {
                        c.output().write(batch);
                        batches++;
                        written.addAndGet(batch.length);
                    }
                    c.send(RawHttpClient.request("GET", last, "Host: only.example", "Connection: close"));
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
                return batches;
            }, writerThread);
            writerThread.shutdown();
            long stalledAt = awaitStall(written::get);
            long directAfter = PlatformDependent.usedDirectMemory();
            System.out.printf("pipelined 404s to a client not reading: the client wrote %,d bytes before stalling;"
                    + " direct memory %,d -> %,d%n", stalledAt, directBefore, directAfter);
            assertThat(stalledAt).as("request bytes the client could send while not reading its answers")
                    .isLessThan(BOUND);
            if (directBefore >= 0) {
                assertThat(directAfter - directBefore).as("direct memory taken by queued answers")
                        .isLessThan(8L * 1024 * 1024);
            }
            stop.set(true);
            // now the client reads: every request is answered, in order, the routed one last
            long notFound = 0;
            RawResponse r;
            while ((r = c.readResponse()).status() == 404) {
                notFound++;
            }
            assertThat(r.status()).as("%s after %d answers 404", r, notFound).isEqualTo(200);
            assertThat(r.header("X-Target")).isEqualTo(last);
            long batches = writer.get(30, TimeUnit.SECONDS);
            assertThat(notFound).as("one 404 per request sent").isEqualTo(batches * perBatch);
            assertThat(c.closedByPeer(Duration.ofSeconds(5))).isTrue();
        }
        assertThat(origin.requests()).extracting(TestOrigin.Request::target).containsExactly(last);
    }

    /** Polls a progress counter until it has not moved for 500 ms (deadline 20 s); returns its value. */
    private static long awaitStall(LongSupplier progress) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        long last = progress.getAsLong();
        long stableSince = System.nanoTime();
        while (System.nanoTime() < deadline) {
            Thread.sleep(20);
            long now = progress.getAsLong();
            if (now != last) {
                last = now;
                stableSince = System.nanoTime();
            } else if (System.nanoTime() - stableSince > Duration.ofMillis(500).toNanos()) {
                return now;
            }
            if (now >= BODY) {
                return now;                     // everything went through: no backpressure at all
            }
        }
        throw new AssertionError("transfer neither stalled nor finished; at " + last + " bytes");
    }
}
