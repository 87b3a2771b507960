package io.sluice.http;

import io.sluice.testing.Await;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.RawHttpClient;
import io.sluice.testing.RawResponse;
import io.sluice.testing.TestOrigin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The listener's {@code max_connections}: at the limit Sluice stops accepting, so a further client waits in the
 * kernel's backlog (its TCP connect succeeds, but it is not served); when a client connection closes, accepting
 * resumes and exactly one waiting client is taken in (one accepted beyond the limit in the same batch is closed at
 * once, never served). A lost resume would leave every later client waiting forever, so the cycle is repeated.
 * Several event loops, so that connections open and close on other loops than the acceptor's.
 */
@IntegrationTest
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MaxClientConnectionsTest {
    private static final int MAX = 2;
    /** How long a client beyond the limit is watched to see that it is not served. */
    private static final Duration NOT_SERVED = Duration.ofMillis(300);

    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();
    private final ExecutorService readers = Executors.newCachedThreadPool();

    @AfterEach
    void stopReaders() {
        readers.shutdownNow();
    }

    @Test
    void clientBeyondTheLimitIsServedOnlyAfterOneCloses() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.setup().workers(4).cluster("web", 16, origin).maxClientConnections(MAX).start();
        Deque<RawHttpClient> served = new ArrayDeque<>();
        for (int i = 0; i < MAX; i++) {
            RawHttpClient c = proxy.connect();
            assertServed(c, "/size/3?first=" + i);
            served.add(c);
        }
        // clients beyond the limit, oldest first; each has a reader waiting for its answer
        List<Waiting> waiting = new ArrayList<>();
        int next = 0;
        for (int round = 0; round < 5; round++) {
            // two clients beyond the limit: one closing connection must let in one of them, not both
            while (waiting.size() < 2) {
                RawHttpClient extra = proxy.connect();
                String target = "/size/4?extra=" + next++;
                extra.send(RawHttpClient.request("GET", target, "Host: t"));
                waiting.add(new Waiting(extra, target, CompletableFuture.supplyAsync(() -> read(extra), readers)));
            }
            Thread.sleep(NOT_SERVED.toMillis());      // time in which a served client would have its answer
            for (Waiting w : waiting) {
                assertThat(w.answered()).as("round %d: %s beyond the limit was served: %s", round, w.target,
                        w.answer.getNow(null)).isFalse();
            }
            assertThat(listenerConnections()).as("round %d: open client connections", round).isEqualTo(MAX);

            served.poll().close();

            // exactly one of them is served; the other waits on, or was closed at accept, unserved
            int roundNo = round;
            Await.until(() -> waiting.stream().anyMatch(Waiting::answered)
                            || waiting.stream().allMatch(w -> w.answer.isDone()), Duration.ofSeconds(5),
                    () -> "round " + roundNo + ": no waiting client was served after a connection closed"
                            + " (accept did not resume)");
            Waiting in = waiting.stream().filter(Waiting::answered).findFirst().orElseThrow(() ->
                    new AssertionError("round " + roundNo + ": every waiting client was closed unserved"));
            RawResponse r = in.answer.join();
            assertThat(r.status()).as("%s", r).isEqualTo(200);
            assertThat(r.header("X-Target")).isEqualTo(in.target);
            Thread.sleep(NOT_SERVED.toMillis());      // time in which another would be served too (overshoot)
            for (Waiting w : waiting) {
                if (w != in) {
                    assertThat(w.answered()).as("round %d: %s was served too, beyond max_connections", round,
                            w.target).isFalse();
                }
            }
            assertThat(listenerConnections()).as("round %d: no overshoot", round).isLessThanOrEqualTo(MAX);
            served.add(in.client);
            waiting.remove(in);
            // one closed at accept is gone; one still in the backlog stays for the next round (closing it here
            // would leave a reset connection in the backlog)
            waiting.removeIf(w -> w.answer.isDone());
        }
        for (RawHttpClient c : served) {
            assertServed(c, "/size/5?still-served");
        }
    }

    @Test
    void manyClientsChurningAtTheLimitAreAllServed() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.setup().workers(4).cluster("web", 64, origin).maxClientConnections(MAX).start();
        int threads = 6;
        int perThread = 25;
        AtomicInteger servedCount = new AtomicInteger();
        AtomicInteger refusedCount = new AtomicInteger();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            all.add(CompletableFuture.runAsync(() -> {
                try {
                    for (int i = 0; i < perThread; i++) {
                        String target = "/size/7?t=" + thread + "&i=" + i;
                        while (true) {
                            try (RawHttpClient c = RawHttpClient.connect(proxy.address())) {
                                c.timeout(Duration.ofSeconds(5));
                                c.send(RawHttpClient.request("GET", target, "Host: t"));
                                RawResponse r = c.readResponse();
                                assertThat(r.header("X-Target")).isEqualTo(target);
                                servedCount.incrementAndGet();
                                break;
                            } catch (RawHttpClient.ClosedBeforeResponseException | SocketException e) {
                                // closed (or reset) at accept beyond the limit, before any answer: try again
                                refusedCount.incrementAndGet();
                            }
                        }
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }, readers));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(45, TimeUnit.SECONDS);
        assertThat(failures).as("clients not served (a lost resume leaves them waiting until they time out)")
                .isEmpty();
        assertThat(servedCount.get()).isEqualTo(threads * perThread);
        Await.until(() -> listenerConnections() == 0, Duration.ofSeconds(5),
                () -> "open client connections: " + listenerConnections());
        System.out.printf("churn at max_connections %d: %d served, %d closed at accept and retried%n", MAX,
                servedCount.get(), refusedCount.get());
        // accepting still works after the churn
        assertServed(proxy.connect(), "/size/3?after");
    }

    private static void assertServed(RawHttpClient c, String target) throws IOException {
        c.send(RawHttpClient.request("GET", target, "Host: t"));
        RawResponse r = c.readResponse();
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(r.header("X-Target")).isEqualTo(target);
    }

    /** A client beyond the limit and the reader waiting for its answer. */
    private record Waiting(RawHttpClient client, String target, CompletableFuture<RawResponse> answer) {
        boolean answered() {
            return answer.isDone() && answer.join() != null;
        }
    }

    /** Reads one response; {@code null} when the connection closes (or is closed by the test) without one. */
    private static RawResponse read(RawHttpClient c) {
        try {
            return c.readResponse();
        } catch (IOException e) {
            return null;
        }
    }

    private int listenerConnections() {
        try {
            return ProxyFixture.listener(proxy.stats(), ProxyFixture.LISTENER).path("connections").asInt(-1);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
