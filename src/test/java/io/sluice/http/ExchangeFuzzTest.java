package io.sluice.http;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.sluice.Sluice;
import io.sluice.cluster.Cluster;
import io.sluice.cluster.Server;
import io.sluice.config.Balance;
import io.sluice.config.BuffersConfig;
import io.sluice.config.ClusterConfig;
import io.sluice.config.ClusterTimeouts;
import io.sluice.config.HashOn;
import io.sluice.config.HostPort;
import io.sluice.config.ListenerConfig;
import io.sluice.config.ListenerLimits;
import io.sluice.config.ListenerTimeouts;
import io.sluice.config.OutlierConfig;
import io.sluice.config.PoolConfig;
import io.sluice.config.Protocol;
import io.sluice.config.QueueConfig;
import io.sluice.config.RetryBudget;
import io.sluice.config.RouteBuffering;
import io.sluice.config.RouteConfig;
import io.sluice.config.RouteMatch;
import io.sluice.config.ServerConfig;
import io.sluice.config.SluiceConfig;
import io.sluice.config.SocketOptions;
import io.sluice.config.Transport;
import io.sluice.http.ScriptedServer.End;
import io.sluice.http.ScriptedServer.Received;
import io.sluice.http.ScriptedServer.Reply;
import io.sluice.http.ScriptedServer.Script;
import io.sluice.http.StrictHttp.Message;
import io.sluice.http.StrictHttp.Read;
import io.sluice.http.StrictHttp.Verdict;
import io.sluice.testing.LeakRecorder;
import org.junit.jupiter.api.AfterAll;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static io.sluice.http.HeadChecks.check;

/**
 * Fuzz target (docs/fuzzing.md): the exchange state machine, end to end. One Sluice, started once, in front of a
 * {@link ScriptedServer}; each input is what a client writes and what the server answers:
 *
 * <pre>
 * input   = flags, then sections separated by 0xFF bytes
 * flags   : bits 0-1, what the client does after its writes: 0 reads until it has its answers or Sluice closes,
 *           1 half-closes first, 2 resets at once, 3 resets after the first byte of an answer
 * section : 'C' bytes   the client writes them (a short pause between writes)
 *           'S' bytes   the server answers the next request it reads with them and keeps the connection
 *           'F' bytes   the same, then closes the connection; 'R' bytes: the same, then resets it
 *           (anything else is ignored; with no reply left the server closes without answering)
 * in a reply, a 0xFE byte is not sent: it splits the reply into writes with a short pause between them
 * </pre>
 *
 * Invariants: what the client reads is a valid sequence of HTTP/1.1 responses, perhaps cut short, never more
 * answers than requests; what the server reads are well-formed HTTP/1.1 requests, each one the client sent as a
 * complete request (method, target, payload), or a replay of one that got no answer; after each input Sluice holds
 * no lease, no connection and no buffered byte, and Netty reports no leak.
 */
class ExchangeFuzzTest {
    private static final Duration SHORT = Duration.ofMillis(100);
    private static final Duration SETTLE = Duration.ofSeconds(5);
    private static final Duration ANSWER_DEADLINE = Duration.ofSeconds(10);
    private static final int MAX_WRITES = 16;

    private static ScriptedServer server;
    private static Sluice sluice;
    private static InetSocketAddress proxy;

    /** What the client does after its writes. */
    enum ClientEnd { READ, HALF_CLOSE, RESET, RESET_AFTER_FIRST_BYTE }

    /** One input: the client's writes and end, the server's replies. */
    record Input(List<byte[]> writes, ClientEnd end, List<Reply> replies) {
        static Input of(byte[] data) {
            List<byte[]> writes = new ArrayList<>();
            List<Reply> replies = new ArrayList<>();
            ClientEnd end = ClientEnd.values()[data.length == 0 ? 0 : data[0] & 3];
            int from = 1;
            while (from < data.length) {
                int to = from;
                while (to < data.length && data[to] != (byte) 0xFF) {
                    to++;
                }
                if (to > from) {
                    byte[] bytes = Arrays.copyOfRange(data, from + 1, to);
                    switch (data[from]) {
                        case 'C' -> {
                            if (writes.size() < MAX_WRITES) {
                                writes.add(bytes);
                            } else {
                                writes.add(concat(List.of(writes.remove(writes.size() - 1), bytes)));
                            }
                        }
                        case 'S' -> replies.add(new Reply(bytes, End.KEEP));
                        case 'F' -> replies.add(new Reply(bytes, End.FIN));
                        case 'R' -> replies.add(new Reply(bytes, End.RESET));
                        default -> {
                        }
                    }
                }
                from = to + 1;
            }
            return new Input(writes, end, replies);
        }
    }

    /**
     * The client's bytes as requests, read as Sluice should: the heads in order (with their bodies when complete),
     * and whether bytes follow that are no complete head (Sluice answers those too, with an error).
     */
    record Sent(List<Read> heads, boolean more) {
        static Sent of(byte[] b) {
            List<Read> heads = new ArrayList<>();
            int at = 0;
            while (true) {
                while (at + 1 < b.length && b[at] == '\r' && b[at + 1] == '\n') {
                    at += 2; // RFC 9112 §2.2: empty lines before a request line are ignored
                }
                if (at == b.length) {
                    return new Sent(heads, false);
                }
                Read r = StrictHttp.request(b, at, b.length);
                if (r.message() == null) {
                    return new Sent(heads, true);
                }
                heads.add(r);
                if (r.verdict() != Verdict.COMPLETE) {
                    return new Sent(heads, false);
                }
                at = r.end();
            }
        }

        boolean head(int i) {
            return i < heads.size() && heads.get(i).message().method().equals("HEAD");
        }
    }

    /** Starts the server and Sluice at the first input (Jazzer's agent, which BugDetectors needs, is there then). */
    private static void start() throws IOException {
        server = new ScriptedServer();
        sluice = Sluice.start(config(server.address()));
        proxy = sluice.listenerAddress("fuzz");
    }

    @AfterAll
    static void stop() throws IOException {
        if (sluice != null) {
            sluice.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static boolean loopback(String host, int port) {
        return host.equals("127.0.0.1") || host.equals("localhost");
    }

    /** Short timeouts so that an input that hangs ends soon; small limits so that inputs reach them. */
    private static SluiceConfig config(InetSocketAddress origin) {
        ClusterConfig cluster = new ClusterConfig("origin", Balance.ROUND_ROBIN,
                List.of(new ServerConfig(new HostPort("127.0.0.1", origin.getPort()), 1, 16)),
                new PoolConfig(16, Duration.ofSeconds(60), 0), new ClusterTimeouts(SHORT, SHORT),
                HashOn.CLIENT_ADDRESS, null, new OutlierConfig(0, Duration.ofSeconds(1), Duration.ofSeconds(1)),
                Duration.ZERO, QueueConfig.DEFAULTS, RetryBudget.DEFAULTS);
        List<RouteConfig> routes = List.of(
                // requests under /b are buffered before they go, and their responses held before they are sent
                new RouteConfig(new RouteMatch(null, "/b"), "origin", null, Map.of(), List.of(), null,
                        RouteConfig.DEFAULT_RETRIES, new RouteBuffering(true, 1024, RouteBuffering.Overflow.REJECT,
                        true)),
                new RouteConfig(new RouteMatch(null, "/"), "origin"));
        ListenerConfig listener = new ListenerConfig("fuzz", new HostPort("127.0.0.1", 0), Protocol.HTTP, 64, routes,
                null, new ListenerTimeouts(SHORT, SHORT, SHORT, SHORT, Duration.ZERO),
                new ListenerLimits(256, 1024, 8, 4), SocketOptions.DEFAULTS, true, false);
        return new SluiceConfig(1, Transport.AUTO, List.of(listener), List.of(cluster), null, BuffersConfig.DEFAULTS);
    }

    @FuzzTest(maxDuration = "30s")
    void exchange(byte[] data) throws Exception {
        if (sluice == null) {
            start();
        }
        BugDetectors.allowNetworkConnections(ExchangeFuzzTest::loopback);
        Input input = Input.of(data);
        Sent sent = Sent.of(concat(input.writes()));
        Script script = new Script(input.replies());
        server.play(script);
        Answer answer;
        try {
            answer = talk(input, sent);
        } catch (Exception | AssertionError e) {
            try {
                settle();
            } catch (AssertionError also) {
                e.addSuppressed(also);
            }
            throw e;
        }
        settle();
        for (String violation : script.violations) {
            throw new AssertionError(violation + "\nreceived:" + ScriptedServer.describe(script.received));
        }
        int answers = checkAnswers(answer, sent, true);
        check(answers <= sent.heads().size() + (sent.more() ? 1 : 0),
                answers + " answers to " + sent.heads().size() + " requests: " + answer);
        checkReceived(script.received, sent);
    }

    /** What the client read, and whether Sluice closed (else the client left first, or Sluice reset). */
    record Answer(byte[] bytes, boolean eof) {
        @Override
        public String toString() {
            return StrictHttp.printable(bytes, 0, bytes.length) + (eof ? " (closed)" : "");
        }
    }

    private static Answer talk(Input input, Sent sent) throws IOException, InterruptedException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        try (Socket s = new Socket()) {
            s.setTcpNoDelay(true);
            s.connect(proxy, 2000);
            s.setSoTimeout(5);
            OutputStream out = s.getOutputStream();
            for (int i = 0; i < input.writes().size(); i++) {
                if (i > 0) {
                    Thread.sleep(2); // most of the time, Sluice reads each write on its own
                }
                try {
                    out.write(input.writes().get(i));
                    out.flush();
                } catch (IOException e) {
                    break; // Sluice closed: what it answered is still to be read
                }
            }
            switch (input.end()) {
                case HALF_CLOSE -> {
                    try {
                        s.shutdownOutput();
                    } catch (IOException e) {
                        // Sluice reset the connection: what it answered is still to be read
                    }
                }
                case RESET -> {
                    s.setSoLinger(true, 0);
                    return new Answer(got.toByteArray(), false);
                }
                default -> {
                }
            }
            InputStream in = s.getInputStream();
            byte[] chunk = new byte[16 * 1024];
            long deadline = System.nanoTime() + ANSWER_DEADLINE.toNanos();
            long lastByte = System.nanoTime();
            while (true) {
                try {
                    int n = in.read(chunk);
                    if (n < 0) {
                        return new Answer(got.toByteArray(), true);
                    }
                    got.write(chunk, 0, n);
                    lastByte = System.nanoTime();
                    if (input.end() == ClientEnd.RESET_AFTER_FIRST_BYTE) {
                        s.setSoLinger(true, 0);
                        return new Answer(got.toByteArray(), false);
                    }
                } catch (SocketTimeoutException e) {
                    long now = System.nanoTime();
                    Answer so = new Answer(got.toByteArray(), false);
                    if (now - lastByte > 10_000_000 && checkAnswers(so, sent, false) >= sent.heads().size()
                            + (sent.more() ? 1 : 0)) {
                        return so; // every request answered: the client leaves
                    }
                    check(now < deadline, "no answer and no close in " + ANSWER_DEADLINE + ": " + so);
                } catch (IOException e) {
                    return new Answer(got.toByteArray(), false); // reset by Sluice: what came is checked
                }
            }
        }
    }

    /**
     * Checks that the client's bytes are HTTP/1.1 responses, perhaps cut short, with no body for HEAD, and counts
     * the final ones (a 101 counts and ends the check: a tunnel follows). Malformed bytes fail when {@code strict},
     * else they end the count.
     */
    private static int checkAnswers(Answer answer, Sent sent, boolean strict) {
        byte[] b = answer.bytes();
        int at = 0;
        int finals = 0;
        while (at < b.length) {
            Read r = StrictHttp.response(b, at, b.length, answer.eof(), sent.head(finals));
            if (r.verdict() == Verdict.MALFORMED) {
                check(!strict, "the client got malformed bytes (" + r.error() + ") at " + at + ": " + answer);
                return finals;
            }
            if (r.verdict() == Verdict.INCOMPLETE) {
                return finals; // cut short: Sluice closed or reset after it started an answer it could not finish
            }
            Message m = r.message();
            check(!strict || m.http11(), "answers are HTTP/1.1: " + answer);
            at = r.end();
            if (m.status() == 101) {
                return finals + 1;
            }
            if (m.status() >= 200) {
                finals++;
            }
        }
        return finals;
    }

    /**
     * Every request the server read is one the client sent complete (same method, origin-form target and payload),
     * each at most once; or the same bytes again after they got no answer (Sluice replays a request whose pooled
     * connection turned out closed).
     */
    private static void checkReceived(List<Received> received, Sent sent) {
        List<Message> requests = new ArrayList<>();
        for (Read r : sent.heads()) {
            if (r.verdict() == Verdict.COMPLETE) {
                requests.add(r.message());
            }
        }
        List<String> unanswered = new ArrayList<>();
        for (Received r : received) {
            if (!unanswered.remove(r.raw())) {
                Message m = r.message();
                int match = -1;
                for (int i = 0; i < requests.size() && match < 0; i++) {
                    Message c = requests.get(i);
                    if (c.method().equals(m.method()) && c.payload().equals(m.payload())
                            && sameTarget(c.target(), m.target())) {
                        match = i;
                    }
                }
                check(match >= 0, "the server got a request the client did not send: "
                        + StrictHttp.printable(r.raw()) + "\nreceived:" + ScriptedServer.describe(received));
                requests.remove(match);
            }
            if (!r.answered()) {
                unanswered.add(r.raw());
            }
        }
    }

    private static boolean sameTarget(String sent, String received) {
        return received.equals(HeadChecks.originForm(sent));
    }

    /**
     * Waits until Sluice holds no lease, then closes the server's connections and waits until Sluice holds no
     * connection (client or server) and no buffered byte, so that the next input starts from nothing; then Netty
     * must report no leak.
     */
    private static void settle() {
        await(() -> sluice.outstandingLeases() == 0, () -> sluice.outstandingLeases() + " leases outstanding");
        await(() -> {
            server.closeConnections(); // again while waiting: a connect Sluice started for a lease given up ends late
            return sluice.listenerStats().get("fuzz").connections() == 0 && serverConnections() == 0
                    && sluice.bufferBudget().used() == 0 && server.connections() == 0;
        }, () -> sluice.listenerStats().get("fuzz").connections() + " client connections, " + serverConnections()
                        + " server connections, " + sluice.bufferBudget().used() + " bytes held, "
                        + server.connections() + " connections of the server");
        List<String> leaks = LeakRecorder.collect();
        check(leaks.isEmpty(), "Netty reported leaks:\n" + String.join("\n\n", leaks));
    }

    private static long serverConnections() {
        long n = 0;
        for (Cluster c : sluice.clusters()) {
            for (Server s : c.servers()) {
                n += s.openConnections();
            }
        }
        return n;
    }

    private static void await(BooleanSupplier condition, Supplier<String> state) {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (!condition.getAsBoolean()) {
            check(System.nanoTime() < deadline, "not settled " + SETTLE + " after the input: " + state.get());
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    private static byte[] concat(List<byte[]> parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        parts.forEach(out::writeBytes);
        return out.toByteArray();
    }
}
