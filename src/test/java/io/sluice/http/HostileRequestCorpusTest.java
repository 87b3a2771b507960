package io.sluice.http;

import io.sluice.config.ListenerTimeouts;
import io.sluice.testing.Await;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.RawHttpClient;
import io.sluice.testing.RawResponse;
import io.sluice.testing.RecordingOrigin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A corpus of hostile requests (RFC 9112 §11.2 smuggling, RFC 9110 §4 targets, oversize, bad bytes), replayed
 * against Sluice in front of a {@link RecordingOrigin} that keeps every byte it receives. For each case: the
 * answers the client gets, that its connection is then closed, and exactly what reached the server: nothing, or
 * the legitimate request and never the smuggled one (not one stray byte on a server connection). Then the slow
 * clients (slowloris head, slow POST), and that a server connection reused after a rejected request carries only
 * the next client's request.
 */
@IntegrationTest
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class HostileRequestCorpusTest {
    /** The answer is no answer: the connection is closed without a response. */
    private static final int CLOSE = -1;
    /** A body found malformed after the head went to a server: 400 if nothing was answered yet, else close. */
    private static final int BAD_BODY = -400;
    private static final Duration DEADLINE = Duration.ofSeconds(5);
    private static final String SMUGGLED = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";

    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();
    private final RecordingOrigin origin = RecordingOrigin.start();

    @AfterEach
    void closeOrigin() {
        origin.close();
    }

    /**
     * One corpus entry.
     *
     * @param answers         statuses the client gets in order ({@link #CLOSE}, {@link #BAD_BODY} for no answer);
     *                        after the last one the connection must close
     * @param received        targets of the complete requests the origin must receive, in order
     * @param smuggledInBody  the text "smuggled" may reach the origin, inside the body of a received request
     * @param partialAllowed  a head (and part of a body) may reach the origin, the request never completes, and that
     *                        server connection is closed
     */
    record Case(String name, byte[] request, List<Integer> answers, List<String> received, boolean smuggledInBody,
                boolean partialAllowed) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static Case rejected(String name, int status, String request) {
        return new Case(name, bytes(request), List.of(status), List.of(), false, false);
    }

    private static Case badBody(String name, String request) {
        return new Case(name, bytes(request), List.of(BAD_BODY), List.of(), false, true);
    }

    private static Case served(String name, String request, String... targets) {
        List<Integer> answers = new ArrayList<>();
        for (int i = 0; i < targets.length; i++) {
            answers.add(200);
        }
        return new Case(name, bytes(request), answers, List.of(targets), request.contains("smuggled"), false);
    }

    /** A legitimate request answered, then a smuggling attempt rejected with {@code status}. */
    private static Case thenRejected(String name, String first, String second, int status) {
        return new Case(name, bytes(first + second), List.of(200, status), List.of("/first"), false, false);
    }

    private static String post(String fields, String body) {
        return "POST /first HTTP/1.1\r\nHost: x\r\n" + fields + "\r\n" + body;
    }

    private static String chunked(String body) {
        return post("Transfer-Encoding: chunked\r\n", body);
    }

    private static String get(String target) {
        return "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n";
    }

    static List<Case> corpus() {
        String smuggledChunk = Integer.toHexString(SMUGGLED.length()) + "\r\n" + SMUGGLED + "\r\n0\r\n\r\n";
        String first = "GET /first HTTP/1.1\r\nHost: x\r\n\r\n";
        StringBuilder manyFields = new StringBuilder("GET /first HTTP/1.1\r\nHost: x\r\n");
        for (int i = 0; i < 101; i++) {
            manyFields.append("X-F").append(i).append(": v\r\n");
        }
        return List.of(
                // --- framing: RFC 9112 §6.1, §6.3, §11.2 ---
                rejected("CL and TE", 400, post("Content-Length: 6\r\nTransfer-Encoding: chunked\r\n",
                        "0\r\n\r\n" + SMUGGLED)),
                rejected("TE and CL", 400, post("Transfer-Encoding: chunked\r\nContent-Length: 6\r\n",
                        "0\r\n\r\n" + SMUGGLED)),
                rejected("two differing CL", 400, post("Content-Length: " + SMUGGLED.length()
                        + "\r\nContent-Length: 0\r\n", SMUGGLED)),
                rejected("CL list of differing values", 400, post("Content-Length: 0, " + SMUGGLED.length() + "\r\n",
                        SMUGGLED)),
                rejected("CL with an empty list element", 400, post("Content-Length: " + SMUGGLED.length() + ",,"
                        + SMUGGLED.length() + "\r\n", SMUGGLED)),
                rejected("CL negative", 400, post("Content-Length: -1\r\n", SMUGGLED)),
                rejected("CL hex", 400, post("Content-Length: 0x25\r\n", SMUGGLED)),
                rejected("CL with plus", 400, post("Content-Length: +37\r\n", SMUGGLED)),
                rejected("CL with underscore", 400, post("Content_Length: 37\r\n", SMUGGLED)),
                rejected("TE chunked, identity", 400, post("Transfer-Encoding: chunked, identity\r\n", smuggledChunk)),
                rejected("TE xchunked", 400, post("Transfer-Encoding: xchunked\r\n", smuggledChunk)),
                rejected("TE chunked in two fields", 400,
                        post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", smuggledChunk)),
                rejected("TE with obs-fold", 400, post("Transfer-Encoding:\r\n chunked\r\n", smuggledChunk)),
                rejected("TE with space before colon", 400, post("Transfer-Encoding : chunked\r\n", smuggledChunk)),
                rejected("TE with vertical tab", 400, post("Transfer-Encoding: \u000bchunked\r\n", smuggledChunk)),
                rejected("TE with underscore", 400, post("Transfer_Encoding: chunked\r\nContent-Length: 5\r\n",
                        "0\r\n\r\n" + SMUGGLED)),
                rejected("TE empty, with CL", 400, post("Transfer-Encoding:\r\nContent-Length: 5\r\n",
                        "0\r\n\r\n" + SMUGGLED)),
                rejected("TE in HTTP/1.0", 400, "POST /first HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + smuggledChunk),
                rejected("TE and CL in HTTP/1.0", 400, "POST /first HTTP/1.0\r\nTransfer-Encoding: chunked\r\n"
                        + "Content-Length: 5\r\n\r\n" + smuggledChunk),
                // --- chunked bodies: the head is fine, the body is not ---
                badBody("chunk size overflow", chunked("10000000000000005\r\nhello\r\n0\r\n\r\n" + SMUGGLED)),
                badBody("chunk size not hex", chunked("zz\r\nhello\r\n0\r\n\r\n")),
                badBody("chunk size with plus", chunked("+5\r\nhello\r\n0\r\n\r\n")),
                badBody("whitespace after chunk size", chunked("5 \r\nhello\r\n0\r\n\r\n")),
                badBody("chunk extension without name", chunked("5;\r\nhello\r\n0\r\n\r\n")),
                badBody("chunk extension value with space", chunked("5;a=b c\r\nhello\r\n0\r\n\r\n")),
                badBody("chunk extension unclosed quote", chunked("5;a=\"b\r\nhello\r\n0\r\n\r\n")),
                badBody("chunk extension over 4 KiB", chunked("5;" + "e".repeat(5000) + "\r\nhello\r\n0\r\n\r\n")),
                badBody("chunk extension with bare LF", chunked("5;a\nhello\r\n0\r\n\r\n")),
                badBody("chunk data longer than its size", chunked("3\r\nhello\r\n0\r\n\r\n")),
                badBody("trailer with space in name", chunked("0\r\nBad Name: x\r\n\r\n" + SMUGGLED)),
                badBody("trailer with obs-fold", chunked("0\r\nX: a\r\n b\r\n\r\n")),
                badBody("trailer with space before colon", chunked("0\r\nX : a\r\n\r\n")),
                badBody("trailer with NUL", chunked("0\r\nX: a\u0000b\r\n\r\n")),
                // --- a legitimate request, then a smuggled one ---
                served("smuggled request inside a body stays a body", post("Content-Length: " + SMUGGLED.length()
                        + "\r\nConnection: close\r\n", SMUGGLED), "/first"),
                thenRejected("pipelined CL.TE after a valid request", first,
                        "POST /smuggled HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n"
                                + "\r\n0\r\n\r\n", 400),
                thenRejected("after a chunked body, two CL", chunked("0\r\n\r\n"),
                        "GET /smuggled HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
                        400),
                thenRejected("after a valid request, a bare-LF one", first, "GET /smuggled HTTP/1.1\nHost: x\n\n",
                        400),
                // --- line ends and bytes in the head ---
                rejected("bare LF line ends", 400, "GET /smuggled HTTP/1.1\nHost: x\n\n"),
                rejected("bare LF after one field", 400, "GET /smuggled HTTP/1.1\r\nHost: x\nX: y\r\n\r\n"),
                rejected("bare CR ending a field", 400, "GET /smuggled HTTP/1.1\r\nHost: x\rX: y\r\n\r\n"),
                rejected("bare CR in request line", 400, "GET /smuggled\r HTTP/1.1\r\nHost: x\r\n\r\n"),
                rejected("NUL in a value", 400, "GET /smuggled HTTP/1.1\r\nHost: x\r\nX: a\u0000b\r\n\r\n"),
                rejected("NUL in the target", 400, "GET /smuggled\u0000 HTTP/1.1\r\nHost: x\r\n\r\n"),
                rejected("NUL in a name", 400, "GET /smuggled HTTP/1.1\r\nHost: x\r\nX\u0000: a\r\n\r\n"),
                rejected("space in a name", 400, "GET /smuggled HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n"),
                rejected("parenthesis in a name", 400, "GET /smuggled HTTP/1.1\r\nHost: x\r\nX(y): z\r\n\r\n"),
                rejected("obs-fold", 400, "GET /smuggled HTTP/1.1\r\nHost: x\r\nX: a\r\n\tb\r\n\r\n"),
                rejected("two Host fields", 400, "GET /smuggled HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
                rejected("no Host in HTTP/1.1", 400, "GET /smuggled HTTP/1.1\r\nX: y\r\n\r\n"),
                rejected("Host with a path", 400, "GET /smuggled HTTP/1.1\r\nHost: a/../b\r\n\r\n"),
                rejected("Host with userinfo", 400, "GET /smuggled HTTP/1.1\r\nHost: u@admin\r\n\r\n"),
                // --- request targets (RFC 9110 §4, RFC 3986 normal form) ---
                rejected("absolute-form with userinfo", 400, get("http://user:pw@x/smuggled")),
                rejected("absolute-form dot segment", 400, get("http://x/public/../admin")),
                rejected("absolute-form port over 65535", 400, get("http://x:65536/smuggled")),
                rejected("dot-dot segment", 400, get("/public/../admin")),
                rejected("dot segment", 400, get("/./admin")),
                rejected("encoded dot segment", 400, get("/public/%2e%2e/admin")),
                rejected("encoded dot segment, mixed case", 400, get("/public/%2E%2e/admin")),
                rejected("dot-dot segment with parameter", 400, get("/public/..;/admin")),
                rejected("empty segment", 400, get("//admin")),
                rejected("encoded unreserved", 400, get("/%61dmin")),
                rejected("bad percent-encoding", 400, get("/smuggled%g0")),
                rejected("fragment", 400, get("/smuggled#admin")),
                rejected("backslash", 400, get("/public\\..\\admin")),
                rejected("byte over 0x7f", 400, get("/caf\u00e9")),
                rejected("asterisk for GET", 400, get("*")),
                served("query may hold dots, slashes and encodings", "GET /first?a=/../%2e%2e//b HTTP/1.1\r\n"
                        + "Host: x\r\nConnection: close\r\n\r\n", "/first?a=/../%2e%2e//b"),
                // --- request line ---
                rejected("tab after method", 400, "GET\t/smuggled HTTP/1.1\r\nHost: x\r\n\r\n"),
                rejected("two spaces after method", 400, "GET  /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"),
                rejected("two spaces before version", 400, "GET /smuggled  HTTP/1.1\r\nHost: x\r\n\r\n"),
                rejected("trailing space", 400, "GET /smuggled HTTP/1.1 \r\nHost: x\r\n\r\n"),
                rejected("lowercase version", 400, "GET /smuggled http/1.1\r\nHost: x\r\n\r\n"),
                rejected("HTTP/2.0", 505, "GET /smuggled HTTP/2.0\r\nHost: x\r\n\r\n"),
                rejected("HTTP/2 preface", 505, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
                rejected("CONNECT", 501, "CONNECT x:443 HTTP/1.1\r\nHost: x:443\r\n\r\n"),
                // --- oversize (limits.request_line 8 KiB, header_bytes 32 KiB, headers 100) ---
                rejected("request line over 8 KiB", 414, get("/" + "a".repeat(9000))),
                rejected("head over 32 KiB", 431, "GET /first HTTP/1.1\r\nHost: x\r\nX: " + "v".repeat(33 * 1024)
                        + "\r\n\r\n"),
                rejected("101 fields", 431, manyFields.append("\r\n").toString()),
                // --- not HTTP at all ---
                rejected("TLS client hello", 400, "\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003"
                        + "\u0003\r\n\r\n"),
                rejected("binary junk", 400, "\u0000\u00ff\u0000\u00ff\r\n\r\n"),
                rejected("only empty lines, then nothing", CLOSE, "\r\n\r\n\r\n\r\n"),
                // --- what must still work ---
                served("CL list of identical values", post("Content-Length: 5, 5\r\nConnection: close\r\n", "hello"),
                        "/first"),
                served("chunk extensions per RFC 9112", chunked("5 ; a = \"q \\\" ;\" ;b=c;d\r\nhello\r\n0;e\r\n"
                        + "X-Trailer: ok\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
                        "/first", "/second"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void replay(Case c) throws Exception {
        proxy.setup().cluster("web", 16, origin.address())
                .listenerTimeouts(new ListenerTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2),
                        Duration.ofMillis(300)))
                .start();
        try (RawHttpClient client = proxy.connect()) {
            client.timeout(DEADLINE);
            client.send(c.request());
            for (int expected : c.answers()) {
                answer(client, expected, c);
            }
            assertThat(client.closedByPeer(DEADLINE)).as("%s: the client connection is closed", c).isTrue();
        }
        assertReceived(c);
    }

    private static void answer(RawHttpClient client, int expected, Case c) throws IOException {
        if (expected == CLOSE) {
            assertThat(client.closedByPeer(DEADLINE)).as("%s: closed without an answer", c).isTrue();
            return;
        }
        RawResponse r;
        try {
            r = client.readResponse("POST");
        } catch (RawHttpClient.ClosedBeforeResponseException e) {
            if (expected == BAD_BODY) {
                return; // the exchange was aborted once the head had gone to the server: closing is the answer
            }
            throw new AssertionError(c + ": closed instead of answering " + expected, e);
        }
        int status = expected == BAD_BODY ? 400 : expected;
        assertThat(r.status()).as("%s: %s", c, r).isEqualTo(status);
        if (status >= 400) {
            assertThat(r.hasToken("Connection", "close")).as("%s: Sluice says it closes: %s", c, r).isTrue();
        }
    }

    /** What the origin got is exactly the legitimate requests, or for a bad body a request that never completed. */
    private void assertReceived(Case c) throws IOException {
        if (c.partialAllowed()) {
            assertBadBodyLeftNoTrace(c.toString(), List.of());
            return;
        }
        origin.awaitRequests(c.received().size(), DEADLINE);
        List<RecordingOrigin.Request> got = origin.requests();
        assertThat(got).extracting(RecordingOrigin.Request::target).as("%s: requests the server received", c)
                .containsExactlyElementsOf(c.received());
        assertThat(origin.problems()).as("%s: the server could frame what it got", c).isEmpty();
        for (RecordingOrigin.Connection conn : origin.connections()) {
            if (!c.smuggledInBody()) {
                assertThat(conn.text()).as("%s: connection %d", c, conn.id()).doesNotContain("smuggled");
            }
            // not one byte besides the requests it answered
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            got.stream().filter(r -> r.connection() == conn.id()).forEach(r -> expected.writeBytes(r.raw()));
            assertThat(conn.bytes()).as("%s: bytes on server connection %d", c, conn.id())
                    .isEqualTo(expected.toByteArray());
        }
        if (c.smuggledInBody()) {
            assertThat(got).singleElement().satisfies(r -> assertThat(r.rawText()).endsWith("\r\n\r\n" + SMUGGLED));
        }
    }

    /**
     * After a body found malformed once its head may have gone to a server: the request never completed there, a
     * server connection that saw part of it was closed (not pooled, never the smuggled bytes), and the next request
     * gets a connection that carries exactly that request ({@code before}: requests the test made earlier). The
     * next request also makes the check deterministic:
     * the origin accepts connections in order, so once it has the next request it has every earlier connection.
     */
    private void assertBadBodyLeftNoTrace(String what, List<String> before) throws IOException {
        RawResponse next = proxy.get("/next");
        assertThat(next.status()).as("%s: the next request: %s", what, next).isEqualTo(200);
        List<RecordingOrigin.Request> got = origin.requests();
        List<String> expected = new ArrayList<>(before);
        expected.add("/next");
        assertThat(got).extracting(RecordingOrigin.Request::target).as("%s: complete requests at the server", what)
                .containsExactlyElementsOf(expected);
        RecordingOrigin.Request q = got.get(got.size() - 1);
        assertThat(q.indexOnConnection()).as("%s: the next request is the first on its connection", what)
                .isEqualTo(1);
        List<RecordingOrigin.Connection> conns = origin.connections();
        assertThat(conns.get(q.connection() - 1).bytes()).as("%s: exactly its bytes", what).isEqualTo(q.raw());
        for (RecordingOrigin.Connection conn : conns) {
            if (conn.id() != q.connection()) {
                assertThat(conn.text()).as("%s: connection %d", what, conn.id()).doesNotContain("smuggled");
                Await.until(conn::ended, DEADLINE, () -> what + ": server connection " + conn.id() + " still open");
            }
        }
        assertThat(origin.problems()).as("%s: the server could frame what it got", what).isEmpty();
    }

    /** The corpus is the size the issue asks for (and a case added must not be a duplicate name). */
    @Test
    void corpusIsLargeEnough() {
        List<String> names = corpus().stream().map(Case::name).toList();
        assertThat(names).hasSizeGreaterThanOrEqualTo(45).doesNotHaveDuplicates();
    }

    /**
     * Slowloris: a head trickled a byte at a time, each within any idle timeout but the whole slower than
     * {@code request_header}: 408 and close, nothing reaches the server.
     */
    @Test
    void slowlorisHeadIs408() throws Exception {
        proxy.setup().cluster("web", 16, origin.address())
                .listenerTimeouts(new ListenerTimeouts(Duration.ofMillis(500), Duration.ofSeconds(5),
                        Duration.ofSeconds(5)))
                .start();
        byte[] head = bytes("GET /first HTTP/1.1\r\nHost: x\r\nX-Slow: " + "s".repeat(200) + "\r\n\r\n");
        try (RawHttpClient c = proxy.connect()) {
            c.timeout(DEADLINE);
            long t0 = System.nanoTime();
            Thread trickle = trickle(c.output(), head, 100, 20); // 13 pieces: about 1.3 s
            RawResponse r = c.readResponse();
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            ServerFaults.assertGeneratedError(r, 408);
            assertThat(r.hasToken("Connection", "close")).isTrue();
            assertThat(took).as("request_header counts from the first byte").isLessThan(Duration.ofSeconds(3));
            assertThat(c.closedByPeer(DEADLINE)).isTrue();
            trickle.interrupt();
            trickle.join(DEADLINE.toMillis());
        }
        assertThat(origin.connections()).as("no server connection was even opened").isEmpty();
    }

    /**
     * Slow POST: the head is complete and goes to the server, then the body pauses longer than {@code body_idle}:
     * 408 (nothing answered yet) or close, and the server connection that saw part of the body is closed, not
     * pooled; the next request gets a connection of its own.
     */
    @Test
    void slowPostIs408AndTheServerConnectionIsClosed() throws Exception {
        proxy.setup().workers(1).cluster("web", 16, origin.address())
                .listenerTimeouts(new ListenerTimeouts(Duration.ofSeconds(2), Duration.ofMillis(400),
                        Duration.ofSeconds(5)))
                .start();
        try (RawHttpClient c = proxy.connect()) {
            c.timeout(DEADLINE);
            c.send(post("Content-Length: 1000\r\n", "part of the body"));
            Await.until(() -> origin.connections().size() == 1
                            && origin.connections().get(0).text().endsWith("part of the body"), DEADLINE,
                    () -> "the head and the first body bytes reach the server");
            // and now nothing more: the client stalls past body_idle
            RawResponse r;
            try {
                r = c.readResponse("POST");
                ServerFaults.assertGeneratedError(r, 408);
                assertThat(r.hasToken("Connection", "close")).isTrue();
            } catch (RawHttpClient.ClosedBeforeResponseException e) {
                // closing without an answer is allowed too
            }
            assertThat(c.closedByPeer(DEADLINE)).isTrue();
        }
        origin.awaitAllEnded(DEADLINE);
        assertThat(origin.requests()).as("the request never completed at the server").isEmpty();
        RawResponse next = proxy.get("/second");
        assertThat(next.status()).as("%s", next).isEqualTo(200);
        assertThat(origin.connections()).hasSize(2);
        assertThat(origin.requests()).singleElement().satisfies(q -> {
            assertThat(q.target()).isEqualTo("/second");
            assertThat(q.connection()).as("a fresh server connection").isEqualTo(2);
        });
    }

    /**
     * A request rejected on one client connection leaves no byte on the pooled server connection: the next
     * client's request reuses it, and that connection carried exactly the two legitimate requests. One event loop, so
     * that both clients share one pool.
     */
    @Test
    void noByteOfARejectedRequestReachesAReusedServerConnection() throws Exception {
        proxy.setup().workers(1).cluster("web", 16, origin.address()).start();
        try (RawHttpClient a = proxy.connect()) {
            a.send(get("/warm"));
            assertThat(a.readResponse().status()).isEqualTo(200);
            // the same client connection, now hostile: the pooled server connection must not see any of it
            a.send(post("Content-Length: 6\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n" + SMUGGLED));
            RawResponse r = a.readResponse();
            assertThat(r.status()).as("%s", r).isEqualTo(400);
            assertThat(a.closedByPeer(DEADLINE)).isTrue();
        }
        try (RawHttpClient b = proxy.connect()) {
            b.send(get("/second"));
            RawResponse r = b.readResponse();
            assertThat(r.status()).as("%s", r).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("ok GET /second");
        }
        assertThat(origin.connections()).as("the server connection was reused").hasSize(1);
        List<RecordingOrigin.Request> got = origin.requests();
        assertThat(got).extracting(RecordingOrigin.Request::target).containsExactly("/warm", "/second");
        assertThat(got).extracting(RecordingOrigin.Request::connection).containsExactly(1, 1);
        byte[] both = concat(got.get(0).raw(), got.get(1).raw());
        assertThat(origin.connections().get(0).bytes()).as("only the two requests").isEqualTo(both);
        assertThat(origin.connections().get(0).text()).doesNotContain("smuggled");
    }

    /**
     * A request whose head went to a pooled server connection and whose body then turned out malformed: that
     * server connection is closed, and the next client's request gets a fresh one carrying exactly its bytes. One
     * event loop, so that all share one pool.
     */
    @Test
    void aServerConnectionThatSawABadBodyIsNotReused() throws Exception {
        proxy.setup().workers(1).cluster("web", 16, origin.address()).start();
        try (RawHttpClient a = proxy.connect()) {
            a.timeout(DEADLINE);
            a.send(get("/warm"));
            assertThat(a.readResponse().status()).isEqualTo(200);
            a.send(chunked("5;a=\"b\r\nhello\r\n0\r\n\r\n" + SMUGGLED));
            try {
                assertThat(a.readResponse("POST").status()).isEqualTo(400);
            } catch (RawHttpClient.ClosedBeforeResponseException e) {
                // the exchange was aborted: also right
            }
            assertThat(a.closedByPeer(DEADLINE)).isTrue();
        }
        assertBadBodyLeftNoTrace("bad chunk extension", List.of("/warm"));
        RecordingOrigin.Connection pooled = origin.connections().get(0);
        assertThat(pooled.text()).as("the bad request went to the pooled connection")
                .contains("\r\n\r\nPOST /first HTTP/1.1\r\n");
        assertThat(pooled.ended()).isTrue();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    /** Writes {@code bytes} in pieces of {@code piece} bytes, {@code pauseMillis} apart, until done or closed. */
    private static Thread trickle(OutputStream out, byte[] bytes, int pauseMillis, int piece) {
        Thread t = new Thread(() -> {
            try {
                for (int i = 0; i < bytes.length; i += piece) {
                    out.write(bytes, i, Math.min(piece, bytes.length - i));
                    out.flush();
                    Thread.sleep(pauseMillis); // the slow client being simulated, not a synchronisation
                }
            } catch (IOException | InterruptedException e) {
                // closed by Sluice, or the test is done
            }
        }, "slowloris");
        t.setDaemon(true);
        t.start();
        return t;
    }

}
