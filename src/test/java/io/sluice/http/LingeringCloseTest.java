package io.sluice.http;

import io.sluice.config.ListenerLimits;
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
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Closing a client connection while the client is still sending (a request rejected or answered early) is a
 * lingering close: Sluice shuts its output once the answer is flushed and reads and drops what still arrives. A
 * plain close with unread bytes makes the kernel send a reset and throw away what it has not sent yet, so an
 * answer still queued toward a client that is busy writing (and reads only afterwards, as most clients do) would
 * never reach it. Here the client's receive window is full (it has not read an earlier answer yet, and the
 * listener's send buffer is pinned small), so the answers are still queued in Sluice's kernel when it closes.
 */
@IntegrationTest
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LingeringCloseTest {
    /**
     * Far larger than the client's receive window (4 KiB buffer), far smaller than the listener's send buffer: the
     * whole answer is handed to Sluice's kernel at once (Sluice's flush completes) but most of it waits there.
     */
    private static final int FIRST_ANSWER = 64 * 1024;
    private static final SocketOptions SEND_BUFFER = new SocketOptions(256 * 1024, 0);
    /** A reset needs client bytes still unread when Sluice closes, which depends on timing: several tries. */
    private static final int ROUNDS = 6;

    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();

    @Test
    void rejectedRequestWhileTheClientIsStillSendingIsReadIntact() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 4, origin).limits(new ListenerLimits(1024, 4096, 20))
                .socket(SEND_BUFFER).start();
        for (int round = 0; round < ROUNDS; round++) {
            try (RawHttpClient c = RawHttpClient.connect(proxy.address(), 4096)) {
                c.send(RawHttpClient.request("GET", "/size/" + FIRST_ANSWER + "?r=" + round, "Host: x"));
                // then a head over header_bytes (4 KiB) that goes on for 256 KB: 431 long before its end
                c.send("GET /too-large HTTP/1.1\r\nHost: x\r\n");
                byte[] line = ("X-Endless: " + "v".repeat(1000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
                IOException sendFailure = sendAll(c.output(), line, 256);
                assertThat(sendFailure).as("round %d: the client could send its bytes (Sluice read and dropped them)",
                        round).isNull();
                assertAnswersIntact(c, "GET", round);
                RawResponse r = c.readResponse();
                assertThat(r.status()).as("round %d: %s", round, r).isEqualTo(431);
                assertThat(r.complete()).isTrue();
                assertThat(r.hasToken("Connection", "close")).isTrue();
                assertThat(c.closedByPeer(Duration.ofSeconds(5))).isTrue();
            }
        }
        assertThat(origin.requests()).hasSize(ROUNDS);
    }

    @Test
    void earlyResponseWhileTheClientIsStillSendingIsReadIntact() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 4, origin).socket(SEND_BUFFER).start();
        for (int round = 0; round < ROUNDS; round++) {
            try (RawHttpClient c = RawHttpClient.connect(proxy.address(), 4096)) {
                c.send(RawHttpClient.request("GET", "/size/" + FIRST_ANSWER + "?r=" + round, "Host: x"));
                // an upload the server refuses at once (413) without reading it; the client keeps sending
                // declared larger than what is sent: were the whole body delivered into kernel buffers before the
                // answer, the exchange would be complete and the connection rightly kept alive
                c.send("POST /early/413?r=" + round + " HTTP/1.1\r\nHost: x\r\nContent-Length: 67108864\r\n\r\n");
                IOException sendFailure = sendAll(c.output(), new byte[16 * 1024], 256);
                assertThat(sendFailure).as("round %d: the client could send its body (Sluice read and dropped it)",
                        round).isNull();
                assertEarlyAnswerIntact(c, round);
            }
        }
        assertThat(origin.requests("/early/413")).hasSize(ROUNDS);
    }

    /**
     * As above, but the server holds the upload up (it reads nothing for a moment before and after its answer), so
     * that Sluice has stopped reading the client (backpressure) when the early answer comes: the lingering close
     * must read again, or the client, still sending, is left stuck until the linger time ends in a reset that
     * destroys the answers queued for it.
     */
    @Test
    void earlyResponseAfterSluiceStoppedReadingTheClientIsReadIntact() throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 4, origin).socket(SEND_BUFFER).start();
        for (int round = 0; round < ROUNDS; round++) {
            try (RawHttpClient c = RawHttpClient.connect(proxy.address(), 4096)) {
                c.send(RawHttpClient.request("GET", "/size/" + FIRST_ANSWER + "?r=" + round, "Host: x"));
                c.send("POST /early/413/200?r=" + round + " HTTP/1.1\r\nHost: x\r\nContent-Length: 67108864\r\n\r\n");
                long t0 = System.nanoTime();
                // 32 MiB, more than the buffers toward the server hold: Sluice must stop reading for a while
                IOException sendFailure = sendAll(c.output(), new byte[64 * 1024], 512);
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertThat(sendFailure).as("round %d: after %d ms the client could not send its body: Sluice did not"
                        + " read and drop it while lingering", round, ms).isNull();
                assertEarlyAnswerIntact(c, round);
            }
        }
        assertThat(origin.requests("/early/413/200")).hasSize(ROUNDS);
    }

    private static void assertEarlyAnswerIntact(RawHttpClient c, int round) throws IOException {
        assertAnswersIntact(c, "GET", round);
        RawResponse r = c.readResponse("POST");
        assertThat(r.status()).as("round %d: %s", round, r).isEqualTo(413);
        assertThat(r.bodyText()).isEqualTo("early 413\n");
        assertThat(r.complete()).isTrue();
        assertThat(r.hasToken("Connection", "close")).isTrue();
        assertThat(c.closedByPeer(Duration.ofSeconds(5))).isTrue();
    }

    /** The first, unread answer: whole and exact. */
    private static void assertAnswersIntact(RawHttpClient c, String method, int round) throws IOException {
        RawResponse first = c.readResponse(method);
        assertThat(first.status()).as("round %d: %s", round, first).isEqualTo(200);
        assertThat(first.complete()).as("round %d: first answer cut: %s", round, first).isTrue();
        assertThat(first.body()).hasSize(FIRST_ANSWER);
        assertThat(BodyPattern.firstMismatch(first.body())).isEqualTo(-1);
    }

    /** Writes {@code times} copies of {@code bytes}; the failure if the connection broke, else null. */
    private static IOException sendAll(OutputStream out, byte[] bytes, int times) {
        try {
            for (int i = 0; i < times; i++) {
                out.write(bytes);
            }
            out.flush();
            return null;
        } catch (IOException e) {
            return e;
        }
    }
}
