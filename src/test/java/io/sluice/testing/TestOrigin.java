package io.sluice.testing;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real HTTP/1.1 origin server for integration tests: blocking {@link ServerSocket} on 127.0.0.1, one thread per
 * connection, byte-exact control over what it sends, so faults can be injected precisely.
 *
 * <p>It is deliberately strict about what it receives: a request head it cannot parse, bare LF line ends,
 * conflicting framing, a missing Host, or a bad chunk is a <em>protocol error</em>; it answers 400, closes, and
 * records the problem in {@link #protocolErrors()} (the proxy fixture fails a test whose origin saw one).
 *
 * <p>Every response carries {@code X-Origin} (this origin's name), {@code X-Origin-Conn} (the connection number,
 * from 1) and {@code X-Target} (the request target), so a client can tell which request an answer belongs to.
 *
 * <p>Behaviour by path (the query is ignored except {@code ?close}, which makes any response carry
 * {@code Connection: close} and closes the connection after it):
 * <ul>
 *   <li>{@code /size/N} — 200, {@code Content-Length: N}, the first N {@link BodyPattern} bytes</li>
 *   <li>{@code /chunked/N} — 200, chunked, the same N bytes in chunks of varying size ({@code ?trailer} adds a
 *       trailer field)</li>
 *   <li>{@code /echo} — 200 with the request body (Content-Length)</li>
 *   <li>{@code /sink} — reads the body without keeping it; answers {@code "LENGTH SHA256HEX"}</li>
 *   <li>{@code /stall-sink} — like {@code /sink} but does not read the body until {@link #releaseSinks()}</li>
 *   <li>{@code /status/CODE} — that status; 204 has no body and no length; 304 has {@code Content-Length: 10}
 *       (allowed by RFC 9110 §8.6) and no body; others a short text body</li>
 *   <li>{@code /delay/MS/REST} — waits MS milliseconds, then behaves as {@code /REST}</li>
 *   <li>{@code /interim} — a {@code 103 Early Hints} interim response, then 200 {@code "final"}</li>
 *   <li>{@code /hop-headers} — 200 carrying hop-by-hop headers the proxy must remove, and end-to-end ones</li>
 *   <li>{@code /close-delimited/N} — 200 without length or chunking, N pattern bytes, then close</li>
 *   <li>{@code /garbage} — non-HTTP bytes, connection kept open until the peer closes it</li>
 *   <li>{@code /garbage-close} — non-HTTP bytes, then close</li>
 *   <li>{@code /hang} — never answers (waits until the peer closes or the origin is closed)</li>
 *   <li>{@code /close-mid-body} — head with {@code Content-Length: 1000}, 10 body bytes, then close</li>
 *   <li>{@code /chunked-cut} — chunked head and one 10-byte chunk, then close (no last chunk)</li>
 *   <li>{@code /close-no-response} — closes right after reading the request</li>
 *   <li>{@code /trickle/N/MS} — 200, {@code Content-Length: N}, then one pattern byte every MS milliseconds</li>
 *   <li>{@code /obs-text-reason} — 200 whose reason phrase has a non-ASCII (obs-text) byte:
 *       {@code "Tr\u00e8s bien"} in ISO-8859-1</li>
 *   <li>{@code /empty-via} — 200 carrying an empty {@code Via:} field</li>
 *   <li>{@code /connection-names-length} — 200 {@code "hello"} whose {@code Connection} field names
 *       {@code Content-Length}</li>
 *   <li>{@code /early/CODE} and {@code /early/CODE/MS} — answers CODE with {@code Connection: close} right
 *       after the head, without reading the request body (an early response, e.g. 413), then shuts its output
 *       and reads and drops whatever still comes until the peer closes (recorded with {@code bodyLength} 0);
 *       with MS, it reads nothing for MS milliseconds before answering and again after, so the sender is held
 *       up until well after the answer went out</li>
 *   <li>{@code /fin-mid-upload/N} — reads N bytes of the request body, then shuts its output (FIN) without
 *       answering and reads and drops the rest until the peer closes (recorded as dropped)</li>
 *   <li>{@code /reset-mid-upload/N} — reads N bytes of the request body, then resets the connection without
 *       answering (recorded as dropped)</li>
 *   <li>anything else — 200 {@code "origin NAME: METHOD TARGET\n"}</li>
 * </ul>
 * HEAD gets the headers GET would get and no body.
 */
public final class TestOrigin implements AutoCloseable {
    /** Request bodies up to this size are kept in {@link Request#body()}; larger ones only as length and digest. */
    public static final int KEEP_BODY_LIMIT = 1024 * 1024;
    private static final int MAX_HEAD = 256 * 1024;
    private static final byte[] CRLF = {'\r', '\n'};

    /** One header field as received or sent, name case preserved. */
    public record Header(String name, String value) {
    }

    /**
     * A request as the origin received it.
     *
     * @param connection        the connection it arrived on (1 = first accepted)
     * @param indexOnConnection 1 for the first request on that connection
     * @param headers           in order, names as sent
     * @param chunked           the body arrived with chunked framing
     * @param body              the body when at most {@link #KEEP_BODY_LIMIT} bytes, else {@code null}
     * @param trailers          trailer fields of a chunked body
     * @param dropped           the origin closed the connection instead of answering (fault injection)
     */
    public record Request(int connection, int indexOnConnection, String method, String target, String version,
                          List<Header> headers, boolean chunked, long bodyLength, byte[] body, String bodySha256,
                          List<Header> trailers, boolean dropped) {
        public Request {
            headers = List.copyOf(headers);
            trailers = List.copyOf(trailers);
        }

        /** The target without its query. */
        public String path() {
            int q = target.indexOf('?');
            return q < 0 ? target : target.substring(0, q);
        }

        /** The first value of the named header (case-insensitive), or {@code null}. */
        public String header(String name) {
            for (Header h : headers) {
                if (h.name().equalsIgnoreCase(name)) {
                    return h.value();
                }
            }
            return null;
        }

        /** Every value of the named header, in order. */
        public List<String> headers(String name) {
            List<String> values = new ArrayList<>();
            for (Header h : headers) {
                if (h.name().equalsIgnoreCase(name)) {
                    values.add(h.value());
                }
            }
            return values;
        }

        /** All values of the named header joined with {@code ", "} (RFC 9110 §5.3), or {@code null} if absent. */
        public String combined(String name) {
            List<String> values = headers(name);
            return values.isEmpty() ? null : String.join(", ", values);
        }

        /** Header names in order, as sent. */
        public List<String> headerNames() {
            return headers.stream().map(Header::name).toList();
        }

        public String bodyText() {
            return body == null ? null : new String(body, StandardCharsets.ISO_8859_1);
        }
    }

    private enum ConnState { IDLE, BUSY }

    private final String name;
    private final ServerSocket server;
    private final Thread acceptor;
    private final Set<Conn> conns = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connectionIds = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    private volatile int maxOpen;
    private final AtomicLong bytesWritten = new AtomicLong();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    /** Targets in the order their heads were read, before any waiting ({@link #requests} waits for the body). */
    private final List<String> arrivals = new CopyOnWriteArrayList<>();
    private final List<String> protocolErrors = new CopyOnWriteArrayList<>();
    private final AtomicInteger truncatedRequests = new AtomicInteger();
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile CountDownLatch sinkGate = new CountDownLatch(1);

    private TestOrigin(String name) throws IOException {
        this.name = name;
        this.server = new ServerSocket(0, 1024, InetAddress.getByName("127.0.0.1"));
        this.acceptor = new Thread(this::acceptLoop, "origin-" + name + "-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Starts an origin named {@code "origin"}. */
    public static TestOrigin start() {
        return start("origin");
    }

    /** Starts an origin; {@code name} is sent back in {@code X-Origin}. */
    public static TestOrigin start(String name) {
        try {
            return new TestOrigin(name);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start test origin", e);
        }
    }

    public String name() {
        return name;
    }

    public InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", server.getLocalPort());
    }

    /** {@code 127.0.0.1:PORT}, as /stats prints server addresses. */
    public String authority() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Connections accepted since start. */
    public int accepted() {
        return connectionIds.get();
    }

    /** Connections open now. */
    public int openConnections() {
        return open.get();
    }

    /**
     * The most connections that were open at once. Measured at each accept; a connection that the peer has already
     * closed (FIN or RST; on Linux read from the kernel's table /proc/net/tcp) is not counted even if its thread
     * has not noticed yet, so a proxy that closes one connection and then opens another is not miscounted.
     */
    public int maxOpenConnections() {
        return maxOpen;
    }

    /** Body bytes written by {@code /size}, {@code /chunked} and {@code /close-delimited} responses so far. */
    public long bytesWritten() {
        return bytesWritten.get();
    }

    /** Every request received, in arrival order. */
    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** Requests whose path starts with {@code prefix}. */
    public List<Request> requests(String prefix) {
        return requests.stream().filter(r -> r.path().startsWith(prefix)).toList();
    }

    public Request lastRequest() {
        List<Request> all = requests();
        if (all.isEmpty()) {
            throw new AssertionError("origin " + name + " received no request");
        }
        return all.get(all.size() - 1);
    }

    /** Waits until at least {@code n} requests were received; fails after {@code timeout}. */
    public List<Request> awaitRequests(int n, Duration timeout) {
        Await.until(() -> requests.size() >= n, timeout, () -> "origin " + name + " received " + requests.size()
                + " requests, expected at least " + n);
        return requests();
    }

    /** Problems in what the proxy sent (malformed heads or bodies); empty when everything was valid HTTP/1.1. */
    public List<String> protocolErrors() {
        return List.copyOf(protocolErrors);
    }

    /** Requests whose body ended early because the peer closed (a proxy abandoning a request mid-body). */
    public int truncatedRequests() {
        return truncatedRequests.get();
    }

    /** Connections open now and waiting for their next request. */
    public int idleConnections() {
        int n = 0;
        for (Conn c : conns) {
            if (c.state == ConnState.IDLE && !c.closing) {
                n++;
            }
        }
        return n;
    }

    /** Waits until {@code n} connections are idle between requests. */
    public void awaitIdleConnections(int n, Duration timeout) {
        Await.until(() -> idleConnections() >= n, timeout,
                () -> "origin " + name + " has " + idleConnections() + " idle connections, expected " + n);
    }

    /**
     * Closes, from the server side, every connection that sits idle between two requests (what a server does
     * when its keep-alive timeout fires), leaving stale connections in the proxy's pool.
     *
     * @return how many were closed
     */
    public int closeIdleConnections() {
        int n = 0;
        for (Conn c : conns) {
            if (c.state == ConnState.IDLE && !c.closing) {
                c.closeQuietly();
                n++;
            }
        }
        return n;
    }

    /**
     * Makes every connection idle now close without answering when its next request arrives (the request is
     * read and recorded with {@code dropped = true}). This is the race in which a server closes an idle
     * connection just as the proxy reuses it: deterministic "closed before any response byte".
     *
     * @return how many connections were armed
     */
    public int dropNextRequestOnIdleConnections() {
        return dropNextRequestOnIdleConnections(Duration.ZERO);
    }

    /**
     * Like {@link #dropNextRequestOnIdleConnections()}, but the connection waits {@code delay} after reading the
     * request before it closes without answering (a server that dies while working on it), so that a test can act
     * in between, for instance make the client leave first.
     *
     * @return how many connections were armed
     */
    public int dropNextRequestOnIdleConnections(Duration delay) {
        int n = 0;
        for (Conn c : conns) {
            if (c.state == ConnState.IDLE && !c.closing) {
                c.dropDelayMillis = delay.toMillis();
                c.dropNext = true;
                n++;
            }
        }
        return n;
    }

    /**
     * Writes {@code bytes} on every connection idle between requests, as a misbehaving server might (a stray
     * response, or garbage): a pool that hands such a connection out again would mix them into the next answer.
     *
     * @return how many connections were written to
     */
    public int writeToIdleConnections(String bytes) {
        int n = 0;
        for (Conn c : conns) {
            if (c.state == ConnState.IDLE && !c.closing) {
                try {
                    OutputStream raw = c.socket.getOutputStream();
                    raw.write(bytes.getBytes(StandardCharsets.ISO_8859_1));
                    raw.flush();
                    n++;
                } catch (IOException ignored) {
                    // the peer is gone already
                }
            }
        }
        return n;
    }

    /** Request targets in the order their heads arrived, including requests still stalled or being read. */
    public List<String> arrivals() {
        return List.copyOf(arrivals);
    }

    /** Lets every {@code /stall-sink} request read its body; later ones stall again until the next call. */
    public void releaseSinks() {
        CountDownLatch gate = sinkGate;
        sinkGate = new CountDownLatch(1);
        gate.countDown();
    }

    @Override
    public void close() {
        if (closed.getCount() == 0) {
            return;
        }
        closed.countDown();
        sinkGate.countDown();
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Conn c : conns) {
            c.closeQuietly();
        }
        joinQuietly(acceptor);
        for (Conn c : conns) {
            joinQuietly(c.thread);
        }
    }

    @Override
    public String toString() {
        return "TestOrigin[" + name + " " + authority() + "]";
    }

    private static void joinQuietly(Thread t) {
        if (t == null) {
            return;
        }
        try {
            t.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- accepting and counting ----

    private void acceptLoop() {
        while (closed.getCount() > 0) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                return;
            }
            int id = connectionIds.incrementAndGet();
            open.incrementAndGet();
            Conn c = new Conn(id, s);
            conns.add(c);
            updateMaxOpen();                    // before serving: the count is final when the answer is sent
            Thread t = new Thread(c, "origin-" + name + "-conn-" + id);
            t.setDaemon(true);
            c.thread = t;
            t.start();
        }
    }

    /**
     * Called by the acceptor only, after each accept. Counts connections open from the proxy's point of view: not
     * yet closed by us, and still ESTABLISHED in the kernel (not CLOSE_WAIT after the peer's FIN, not gone after
     * its RST). The kernel table is read before the per-connection flags, so a connection that was open at that
     * instant is never missed and one closed before it is never counted.
     */
    private void updateMaxOpen() {
        int candidate = open.get();
        if (candidate <= maxOpen) {
            return;
        }
        Set<Integer> established = establishedPorts();
        int n = 0;
        for (Conn c : conns) {
            if (!c.closing && !c.finished && (established == null || established.contains(c.remotePort))) {
                n++;
            }
        }
        if (n > maxOpen) {
            maxOpen = n;
        }
    }

    /**
     * Remote ports of this origin's ESTABLISHED connections (Linux /proc/net/tcp), or {@code null} when the table
     * cannot be read (then every connection not closed by us counts as open).
     */
    private Set<Integer> establishedPorts() {
        Set<Integer> ports = new HashSet<>();
        String localPortHex = String.format(Locale.ROOT, ":%04X", server.getLocalPort());
        boolean read = false;
        for (String file : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
            Path p = Path.of(file);
            if (!Files.isReadable(p)) {
                continue;
            }
            try {
                for (String line : Files.readAllLines(p, StandardCharsets.US_ASCII)) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length < 4 || !f[3].equals("01")) {          // 01 = ESTABLISHED
                        continue;
                    }
                    if (f[1].endsWith(localPortHex)) {
                        ports.add(Integer.parseInt(f[2].substring(f[2].lastIndexOf(':') + 1), 16));
                    }
                }
                read = true;
            } catch (IOException | RuntimeException ignored) {
                // fall back below
            }
        }
        return read ? ports : null;
    }

    // ---- one connection ----

    private static final class ProtocolError extends Exception {
        ProtocolError(String message) {
            super(message, null, false, false);
        }
    }

    private static final class Head {
        String method;
        String target;
        String version;
        final List<Header> headers = new ArrayList<>();

        String header(String n) {
            for (Header h : headers) {
                if (h.name().equalsIgnoreCase(n)) {
                    return h.value();
                }
            }
            return null;
        }

        List<String> all(String n) {
            List<String> v = new ArrayList<>();
            for (Header h : headers) {
                if (h.name().equalsIgnoreCase(n)) {
                    v.add(h.value());
                }
            }
            return v;
        }

        boolean hasToken(String headerName, String token) {
            for (String v : all(headerName)) {
                for (String t : v.split(",")) {
                    if (t.trim().equalsIgnoreCase(token)) {
                        return true;
                    }
                }
            }
            return false;
        }
    }

    private final class Conn implements Runnable {
        final int id;
        final Socket socket;
        final int remotePort;
        volatile Thread thread;
        volatile ConnState state = ConnState.BUSY;
        volatile boolean dropNext;
        volatile long dropDelayMillis;
        volatile boolean closing;
        volatile boolean finished;
        int requestCount;
        InputStream in;
        OutputStream out;

        Conn(int id, Socket socket) {
            this.id = id;
            this.socket = socket;
            this.remotePort = socket.getPort();
        }

        void closeQuietly() {
            closing = true;
            try {
                socket.close();
            } catch (IOException ignored) {
                // already closed
            }
        }

        @Override
        public void run() {
            try {
                socket.setTcpNoDelay(true);
                in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
                out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
                while (serveOne()) {
                    // next request
                }
            } catch (SocketException e) {
                // peer reset or we closed it: normal for fault tests
            } catch (IOException e) {
                // same
            } finally {
                closeQuietly();
                finished = true;
                open.decrementAndGet();
                conns.remove(this);
            }
        }

        /** Serves one request; false when the connection must end. */
        boolean serveOne() throws IOException {
            state = ConnState.IDLE;
            int first = in.read();
            state = ConnState.BUSY;
            if (first < 0) {
                return false;
            }
            Head head;
            try {
                head = readHead(first);
            } catch (ProtocolError e) {
                return protocolError(e.getMessage());
            }
            if (head == null) {
                return false;
            }
            arrivals.add(head.target);
            requestCount++;
            boolean chunked;
            long contentLength;
            try {
                chunked = framingChunked(head);
                contentLength = chunked ? -1 : contentLength(head);
            } catch (ProtocolError e) {
                return protocolError(e.getMessage());
            }
            String path = pathOf(head.target);
            boolean hasBody = chunked || contentLength > 0;
            boolean drop = dropNext;
            if (!drop && hasBody && "HTTP/1.1".equals(head.version) && head.hasToken("Expect", "100-continue")) {
                out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            if (!drop && (path.startsWith("/fin-mid-upload/") || path.startsWith("/reset-mid-upload/"))) {
                return closeMidUpload(head, path);
            }
            if (!drop && path.startsWith("/early/")) {
                String[] args = path.substring("/early/".length()).split("/");
                return earlyResponse(head, Integer.parseInt(args[0]), args.length > 1 ? Long.parseLong(args[1]) : 0);
            }
            if (!drop && path.equals("/stall-sink")) {
                awaitGate();
            }
            BodyReader body = new BodyReader(!path.equals("/sink") && !path.equals("/stall-sink"));
            List<Header> trailers = new ArrayList<>();
            try {
                if (chunked) {
                    readChunked(body, trailers);
                } else if (contentLength > 0) {
                    body.copy(in, contentLength);
                }
            } catch (ProtocolError e) {
                return protocolError(e.getMessage());
            } catch (EofInBody e) {
                truncatedRequests.incrementAndGet();
                return false;
            }
            Request request = new Request(id, requestCount, head.method, head.target, head.version, head.headers,
                    chunked, body.length, body.kept(), body.sha256(), trailers, drop);
            requests.add(request);
            if (drop) {
                if (dropDelayMillis > 0) {
                    sleep(dropDelayMillis);
                }
                return false;
            }
            boolean keepAlive = !head.hasToken("Connection", "close")
                    && ("HTTP/1.1".equals(head.version) || head.hasToken("Connection", "keep-alive"));
            boolean forceClose = head.target.contains("?close") || head.target.contains("&close");
            boolean continueConnection = respond(request, path, !keepAlive || forceClose);
            out.flush();
            return continueConnection && keepAlive && !forceClose;
        }

        /** Reads part of the body, then closes (FIN, or reset) without answering. */
        private boolean closeMidUpload(Head head, String path) throws IOException {
            long n = Long.parseLong(path.substring(path.lastIndexOf('/') + 1));
            BodyReader body = new BodyReader(false);
            try {
                body.copy(in, n);
            } catch (EofInBody e) {
                truncatedRequests.incrementAndGet();
                return false;
            }
            requests.add(new Request(id, requestCount, head.method, head.target, head.version, head.headers,
                    false, body.length, null, body.sha256(), List.of(), true));
            if (path.startsWith("/reset-")) {
                socket.setSoLinger(true, 0);
                closeQuietly();
            } else {
                socket.shutdownOutput();
                drainUntilClosed();
            }
            return false;
        }

        /** Answers before reading the body, then lingers: reads and drops until the peer closes. */
        private boolean earlyResponse(Head head, int code, long delayMillis) throws IOException {
            if (delayMillis > 0) {
                sleep(delayMillis);             // the body is not read meanwhile: the sender is held up
            }
            Request request = new Request(id, requestCount, head.method, head.target, head.version, head.headers,
                    false, 0, null, BodyPattern.sha256(0), List.of(), false);
            requests.add(request);
            writeText(code, "Early", request, true, "early " + code + "\n");
            out.flush();
            socket.shutdownOutput();
            if (delayMillis > 0) {
                sleep(delayMillis);
            }
            drainUntilClosed();
            return false;
        }

        private void awaitGate() {
            try {
                sinkGate.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private boolean protocolError(String message) throws IOException {
            protocolErrors.add("origin " + name + " connection " + id + ": " + message);
            byte[] body = ("origin: bad request: " + message + "\n").getBytes(StandardCharsets.ISO_8859_1);
            out.write(("HTTP/1.1 400 Bad Request\r\nContent-Length: " + body.length
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            return false;
        }

        private Head readHead(int first) throws IOException, ProtocolError {
            ByteArrayOutputStream buf = new ByteArrayOutputStream(512);
            buf.write(first);
            int matched = first == '\r' ? 1 : 0;
            while (matched < 4) {
                int b = in.read();
                if (b < 0) {
                    truncatedRequests.incrementAndGet();
                    return null;
                }
                buf.write(b);
                if (buf.size() > MAX_HEAD) {
                    throw new ProtocolError("request head over " + MAX_HEAD + " bytes");
                }
                if ((matched == 0 || matched == 2) && b == '\r') {
                    matched++;
                } else if ((matched == 1 || matched == 3) && b == '\n') {
                    matched++;
                } else {
                    matched = b == '\r' ? 1 : 0;
                }
            }
            String text = buf.toString(StandardCharsets.ISO_8859_1);
            text = text.substring(0, text.length() - 4);
            String[] lines = text.split("\r\n", -1);
            for (String line : lines) {
                if (line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0) {
                    throw new ProtocolError("bare CR or LF in request head: " + escape(text));
                }
            }
            Head head = new Head();
            String[] parts = lines[0].split(" ", -1);
            if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
                throw new ProtocolError("bad request line: " + escape(lines[0]));
            }
            head.method = parts[0];
            head.target = parts[1];
            head.version = parts[2];
            if (!head.version.equals("HTTP/1.1")) {
                throw new ProtocolError("proxy must speak HTTP/1.1 to servers, got " + escape(lines[0]));
            }
            for (int i = 1; i < lines.length; i++) {
                String line = lines[i];
                if (line.startsWith(" ") || line.startsWith("\t")) {
                    throw new ProtocolError("obsolete line folding: " + escape(line));
                }
                int colon = line.indexOf(':');
                if (colon <= 0) {
                    throw new ProtocolError("bad header line: " + escape(line));
                }
                String n = line.substring(0, colon);
                for (int k = 0; k < n.length(); k++) {
                    if (!isTchar(n.charAt(k))) {
                        throw new ProtocolError("bad header name: " + escape(line));
                    }
                }
                head.headers.add(new Header(n, line.substring(colon + 1).strip()));
            }
            if (head.all("Host").size() != 1) {
                throw new ProtocolError("expected exactly one Host header, got " + head.all("Host"));
            }
            return head;
        }

        private boolean framingChunked(Head head) throws ProtocolError {
            List<String> te = head.all("Transfer-Encoding");
            if (te.isEmpty()) {
                return false;
            }
            if (!head.all("Content-Length").isEmpty()) {
                throw new ProtocolError("both Transfer-Encoding and Content-Length");
            }
            if (te.size() != 1 || !te.get(0).equalsIgnoreCase("chunked")) {
                throw new ProtocolError("unexpected Transfer-Encoding " + te);
            }
            return true;
        }

        private long contentLength(Head head) throws ProtocolError {
            List<String> cl = head.all("Content-Length");
            if (cl.isEmpty()) {
                return 0;
            }
            if (cl.size() != 1 || !cl.get(0).matches("[0-9]{1,18}")) {
                throw new ProtocolError("bad Content-Length " + cl);
            }
            return Long.parseLong(cl.get(0));
        }

        private void readChunked(BodyReader body, List<Header> trailers) throws IOException, ProtocolError {
            while (true) {
                String line = readLine();
                int semi = line.indexOf(';');
                String size = (semi < 0 ? line : line.substring(0, semi)).strip();
                if (!size.matches("[0-9a-fA-F]{1,15}")) {
                    throw new ProtocolError("bad chunk size line: " + escape(line));
                }
                long n = Long.parseLong(size, 16);
                if (n == 0) {
                    break;
                }
                body.copy(in, n);
                if (!readLine().isEmpty()) {
                    throw new ProtocolError("chunk data not followed by CRLF");
                }
            }
            while (true) {
                String line = readLine();
                if (line.isEmpty()) {
                    return;
                }
                int colon = line.indexOf(':');
                if (colon <= 0) {
                    throw new ProtocolError("bad trailer line: " + escape(line));
                }
                trailers.add(new Header(line.substring(0, colon), line.substring(colon + 1).strip()));
            }
        }

        private String readLine() throws IOException, ProtocolError {
            StringBuilder sb = new StringBuilder();
            while (true) {
                int b = in.read();
                if (b < 0) {
                    throw new EofInBody();
                }
                if (b == '\r') {
                    int n = in.read();
                    if (n < 0) {
                        throw new EofInBody();
                    }
                    if (n != '\n') {
                        throw new ProtocolError("bare CR in chunked framing");
                    }
                    return sb.toString();
                }
                if (b == '\n') {
                    throw new ProtocolError("bare LF in chunked framing");
                }
                sb.append((char) b);
                if (sb.length() > 8192) {
                    throw new ProtocolError("chunk line too long");
                }
            }
        }

        // ---- responses ----

        /** Writes the response; false when the connection must close after it regardless of keep-alive. */
        private boolean respond(Request r, String path, boolean close) throws IOException {
            boolean head = r.method().equals("HEAD");
            String[] seg = path.split("/", -1);   // "", "size", "N", ...
            String first = seg.length > 1 ? seg[1] : "";
            switch (first) {
                case "size": {
                    long n = Long.parseLong(seg[2]);
                    writeHead(200, "OK", r, close, List.of(new Header("Content-Type", "application/octet-stream"),
                            new Header("Content-Length", Long.toString(n))));
                    if (!head) {
                        writePattern(n);
                    }
                    return true;
                }
                case "chunked": {
                    long n = Long.parseLong(seg[2]);
                    List<Header> hs = new ArrayList<>();
                    hs.add(new Header("Content-Type", "application/octet-stream"));
                    hs.add(new Header("Transfer-Encoding", "chunked"));
                    boolean trailer = r.target().contains("trailer");
                    if (trailer) {
                        hs.add(new Header("Trailer", "X-Checksum"));
                    }
                    writeHead(200, "OK", r, close, hs);
                    if (!head) {
                        writeChunkedPattern(n, trailer);
                    }
                    return true;
                }
                case "echo": {
                    byte[] body = r.body() == null ? new byte[0] : r.body();
                    String type = r.header("Content-Type");
                    writeHead(200, "OK", r, close, List.of(
                            new Header("Content-Type", type == null ? "application/octet-stream" : type),
                            new Header("Content-Length", Integer.toString(body.length))));
                    if (!head) {
                        out.write(body);
                    }
                    return true;
                }
                case "sink":
                case "stall-sink":
                    writeText(200, "OK", r, close, r.bodyLength() + " " + r.bodySha256());
                    return true;
                case "status": {
                    int code = Integer.parseInt(seg[2]);
                    if (code == 204) {
                        writeHead(204, "No Content", r, close, List.of());
                    } else if (code == 304) {
                        writeHead(304, "Not Modified", r, close, List.of(new Header("ETag", "\"v1\""),
                                new Header("Content-Length", "10")));
                    } else {
                        writeText(code, "Status", r, close, "status " + code + "\n");
                    }
                    return true;
                }
                case "delay": {
                    sleep(Long.parseLong(seg[2]));
                    StringBuilder rest = new StringBuilder();
                    for (int i = 3; i < seg.length; i++) {
                        rest.append('/').append(seg[i]);
                    }
                    return respond(r, rest.length() == 0 ? "/" : rest.toString(), close);
                }
                case "interim":
                    out.write(("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n")
                            .getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    writeText(200, "OK", r, close, "final");
                    return true;
                case "hop-headers": {
                    byte[] body = "hop".getBytes(StandardCharsets.ISO_8859_1);
                    writeHead(200, "OK", r, close, List.of(
                            new Header("Connection", close ? "X-Hop-Secret, close" : "X-Hop-Secret"),
                            new Header("X-Hop-Secret", "must-not-pass"),
                            new Header("Keep-Alive", "timeout=5, max=100"),
                            new Header("Proxy-Connection", "keep-alive"),
                            new Header("Upgrade", "h2c"),
                            new Header("X-End-To-End", "kept"),
                            new Header("Via", "1.1 origin"),
                            new Header("Content-Length", Integer.toString(body.length))));
                    if (!head) {
                        out.write(body);
                    }
                    return true;
                }
                case "close-delimited": {
                    long n = Long.parseLong(seg[2]);
                    writeRawHead("HTTP/1.1 200 OK", r, List.of(new Header("Content-Type", "application/octet-stream"),
                            new Header("Connection", "close")));
                    if (!head) {
                        writePattern(n);
                    }
                    out.flush();
                    return false;
                }
                case "garbage":
                    out.write("SSH-2.0-OpenSSH_9.6\r\nthis is not http\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    drainUntilClosed();
                    return false;
                case "garbage-close":
                    out.write("SSH-2.0-OpenSSH_9.6\r\nthis is not http\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    return false;
                case "hang":
                    drainUntilClosed();
                    return false;
                case "close-mid-body":
                    writeRawHead("HTTP/1.1 200 OK", r, List.of(new Header("Content-Length", "1000")));
                    writePattern(10);
                    out.flush();
                    return false;
                case "chunked-cut":
                    writeRawHead("HTTP/1.1 200 OK", r, List.of(new Header("Transfer-Encoding", "chunked")));
                    out.write("a\r\n".getBytes(StandardCharsets.US_ASCII));
                    writePattern(10);
                    out.write(CRLF);
                    out.flush();
                    return false;
                case "close-no-response":
                    return false;
                case "trickle": {
                    long n = Long.parseLong(seg[2]);
                    long interval = Long.parseLong(seg[3]);
                    writeHead(200, "OK", r, close, List.of(new Header("Content-Type", "application/octet-stream"),
                            new Header("Content-Length", Long.toString(n))));
                    out.flush();
                    if (!head) {
                        byte[] one = new byte[1];
                        for (long i = 0; i < n; i++) {
                            sleep(interval);
                            if (closed.getCount() == 0) {
                                return false;
                            }
                            BodyPattern.fill(one, 0, 1, i);
                            out.write(one);
                            out.flush();
                            bytesWritten.incrementAndGet();
                        }
                    }
                    return true;
                }
                case "obs-text-reason": {
                    byte[] body = "ok".getBytes(StandardCharsets.ISO_8859_1);
                    writeRawHead("HTTP/1.1 200 Tr\u00e8s bien", r, List.of(
                            new Header("Content-Length", Integer.toString(body.length))));
                    if (!head) {
                        out.write(body);
                    }
                    return true;
                }
                case "connection-names-length": {
                    byte[] body = "hello".getBytes(StandardCharsets.ISO_8859_1);
                    writeHead(200, "OK", r, close, List.of(
                            new Header("Connection", close ? "Content-Length, close" : "Content-Length"),
                            new Header("Content-Length", Integer.toString(body.length))));
                    if (!head) {
                        out.write(body);
                    }
                    return true;
                }
                case "empty-via": {
                    byte[] body = "via".getBytes(StandardCharsets.ISO_8859_1);
                    writeHead(200, "OK", r, close, List.of(new Header("Via", ""),
                            new Header("Content-Length", Integer.toString(body.length))));
                    if (!head) {
                        out.write(body);
                    }
                    return true;
                }
                default:
                    writeText(200, "OK", r, close, "origin " + name + ": " + r.method() + " " + r.target() + "\n");
                    return true;
            }
        }

        private void writeText(int status, String reason, Request r, boolean close, String text) throws IOException {
            byte[] body = text.getBytes(StandardCharsets.ISO_8859_1);
            writeHead(status, reason, r, close, List.of(new Header("Content-Type", "text/plain"),
                    new Header("Content-Length", Integer.toString(body.length))));
            if (!r.method().equals("HEAD")) {
                out.write(body);
            }
        }

        private void writeHead(int status, String reason, Request r, boolean close, List<Header> headers)
                throws IOException {
            List<Header> all = new ArrayList<>(headers);
            if (close && all.stream().noneMatch(h -> h.name().equals("Connection"))) {
                all.add(new Header("Connection", "close"));
            }
            writeRawHead("HTTP/1.1 " + status + " " + reason, r, all);
        }

        private void writeRawHead(String statusLine, Request r, List<Header> headers) throws IOException {
            StringBuilder sb = new StringBuilder(256);
            sb.append(statusLine).append("\r\n");
            sb.append("X-Origin: ").append(name).append("\r\n");
            sb.append("X-Origin-Conn: ").append(id).append("\r\n");
            sb.append("X-Target: ").append(r.target()).append("\r\n");
            for (Header h : headers) {
                sb.append(h.name()).append(": ").append(h.value()).append("\r\n");
            }
            sb.append("\r\n");
            out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
        }

        private void writePattern(long n) throws IOException {
            byte[] buf = new byte[16 * 1024];
            long done = 0;
            while (done < n) {
                int len = (int) Math.min(buf.length, n - done);
                BodyPattern.fill(buf, 0, len, done);
                out.write(buf, 0, len);
                done += len;
                bytesWritten.addAndGet(len);
            }
        }

        private void writeChunkedPattern(long n, boolean trailer) throws IOException {
            int[] sizes = {1, 7, 100, 4096, 8192, 16384, 3};
            byte[] buf = new byte[16384];
            long done = 0;
            int k = 0;
            while (done < n) {
                int len = (int) Math.min(sizes[k++ % sizes.length], n - done);
                BodyPattern.fill(buf, 0, len, done);
                out.write((Integer.toHexString(len) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(buf, 0, len);
                out.write(CRLF);
                done += len;
                bytesWritten.addAndGet(len);
            }
            out.write((trailer ? "0\r\nX-Checksum: " + BodyPattern.sha256(n) + "\r\n\r\n" : "0\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
        }

        /** Reads and discards until the peer closes (or the origin closes the socket). */
        private void drainUntilClosed() throws IOException {
            byte[] buf = new byte[8192];
            while (in.read(buf) >= 0) {
                // discard
            }
        }

        private void sleep(long ms) {
            try {
                closed.await(ms, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static final class EofInBody extends IOException {
        EofInBody() {
            super("peer closed in the middle of a request body", null);
        }
    }

    /** Consumes a body: counts, digests, and keeps it while small. */
    private static final class BodyReader {
        final boolean keep;
        final MessageDigest md = BodyPattern.sha256();
        final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        long length;
        final byte[] buf = new byte[16 * 1024];

        BodyReader(boolean keep) {
            this.keep = keep;
        }

        void copy(InputStream in, long n) throws IOException {
            long left = n;
            while (left > 0) {
                int r = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (r < 0) {
                    throw new EofInBody();
                }
                md.update(buf, 0, r);
                if (keep && length + r <= KEEP_BODY_LIMIT) {
                    kept.write(buf, 0, r);
                }
                length += r;
                left -= r;
            }
        }

        byte[] kept() {
            return keep && length <= KEEP_BODY_LIMIT ? kept.toByteArray() : null;
        }

        String sha256() {
            return HexFormat.of().formatHex(md.digest());
        }
    }

    private static String pathOf(String target) {
        int q = target.indexOf('?');
        return q < 0 ? target : target.substring(0, q);
    }

    private static boolean isTchar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }

    static String escape(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c == '\r') {
                sb.append("\\r");
            } else if (c == '\n') {
                sb.append("\\n");
            } else if (c < 0x20 || c > 0x7e) {
                sb.append(String.format(Locale.ROOT, "\\x%02x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.length() > 300 ? sb.substring(0, 300) + "..." : sb.toString();
    }

    /**
     * Starts an origin on a given port of 127.0.0.1 (with {@code SO_REUSEADDR}), e.g. to bring back at the same
     * address a server that a test killed with {@link #close()}.
     */
    public static TestOrigin start(String name, int port) {
        try {
            ServerSocket socket = new ServerSocket();
            try {
                socket.setReuseAddress(true);
                socket.bind(new InetSocketAddress("127.0.0.1", port), 1024);
            } catch (IOException e) {
                socket.close();
                throw e;
            }
            return new TestOrigin(name, socket);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start test origin on port " + port, e);
        }
    }

    private TestOrigin(String name, ServerSocket bound) {
        this.name = name;
        this.server = bound;
        this.acceptor = new Thread(this::acceptLoop, "origin-" + name + "-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }
}
