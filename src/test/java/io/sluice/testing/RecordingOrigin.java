package io.sluice.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An origin that keeps every byte it receives, per connection, so that a test can say exactly what reached a server:
 * nothing, or the legitimate request and not one byte more. It frames requests just enough to answer them
 * (Content-Length or chunked bodies, keep-alive) with {@code 200} and the body {@code "ok METHOD TARGET"}; a request
 * it cannot frame is recorded in {@link #problems()} and its connection closed.
 *
 * <p>Unlike {@link TestOrigin} it has no behaviours by path: it is a witness, not a fault injector.
 */
public final class RecordingOrigin implements AutoCloseable {
    private static final int MAX_HEAD = 256 * 1024;

    /**
     * One request as received.
     *
     * @param connection        the connection it came on, from 1
     * @param indexOnConnection 1 for the first request of that connection
     * @param raw               its bytes exactly: head and framed body
     */
    public record Request(int connection, int indexOnConnection, String method, String target, byte[] raw) {
        public String rawText() {
            return new String(raw, StandardCharsets.ISO_8859_1);
        }
    }

    /** One accepted connection: every byte read from it, and whether it ended. */
    public static final class Connection {
        private final int id;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private volatile boolean ended;

        private Connection(int id) {
            this.id = id;
        }

        public int id() {
            return id;
        }

        /** Everything received on this connection so far. */
        public byte[] bytes() {
            synchronized (bytes) {
                return bytes.toByteArray();
            }
        }

        public String text() {
            return new String(bytes(), StandardCharsets.ISO_8859_1);
        }

        /** The peer closed it, or the origin did. */
        public boolean ended() {
            return ended;
        }

        private void add(int b) {
            synchronized (bytes) {
                bytes.write(b);
            }
        }
    }

    private final ServerSocket server;
    private final List<Connection> connections = new CopyOnWriteArrayList<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final List<String> problems = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    private RecordingOrigin() throws IOException {
        server = new ServerSocket(0, 1024, InetAddress.getByName("127.0.0.1"));
        Thread acceptor = new Thread(this::accept, "recording-origin-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public static RecordingOrigin start() {
        try {
            return new RecordingOrigin();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start recording origin", e);
        }
    }

    public InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", server.getLocalPort());
    }

    /** Complete requests, in arrival order. */
    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** Connections accepted, in order. */
    public List<Connection> connections() {
        return List.copyOf(connections);
    }

    /** What could not be framed as HTTP/1.1 requests. */
    public List<String> problems() {
        return List.copyOf(problems);
    }

    /** Waits until {@code n} complete requests arrived; fails after {@code timeout}. */
    public List<Request> awaitRequests(int n, Duration timeout) {
        Await.until(() -> requests.size() >= n, timeout, () -> "recording origin got " + requests.size()
                + " requests, expected " + n + ": " + requests.stream().map(Request::target).toList());
        return requests();
    }

    /** Waits until every accepted connection ended; fails after {@code timeout}. */
    public void awaitAllEnded(Duration timeout) {
        Await.until(() -> connections.stream().allMatch(Connection::ended), timeout,
                () -> "recording origin connections still open: " + connections.stream()
                        .filter(c -> !c.ended()).map(Connection::id).toList());
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private void accept() {
        while (!server.isClosed()) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                return;
            }
            Connection c = new Connection(connections.size() + 1);
            connections.add(c);
            sockets.add(s);
            Thread t = new Thread(() -> serve(s, c), "recording-origin-conn-" + c.id);
            t.setDaemon(true);
            t.start();
        }
    }

    private void serve(Socket s, Connection c) {
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            for (int index = 1; ; index++) {
                ByteArrayOutputStream raw = new ByteArrayOutputStream();
                String head = readHead(in, c, raw);
                if (head == null) {
                    return;
                }
                String[] lines = head.split("\r\n", -1);
                String[] requestLine = lines[0].split(" ", -1);
                if (requestLine.length != 3 || !requestLine[2].equals("HTTP/1.1")) {
                    problems.add("bad request line: " + TestOrigin.escape(lines[0]));
                    return;
                }
                long length = 0;
                boolean chunked = false;
                boolean close = false;
                for (int i = 1; i < lines.length; i++) {
                    String line = lines[i];
                    int colon = line.indexOf(':');
                    if (colon <= 0 || line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0) {
                        problems.add("bad field line: " + TestOrigin.escape(line));
                        return;
                    }
                    String name = line.substring(0, colon).toLowerCase(Locale.ROOT);
                    String value = line.substring(colon + 1).strip().toLowerCase(Locale.ROOT);
                    if (name.equals("content-length")) {
                        length = Long.parseLong(value.split(",")[0].strip()); // "5, 5" is 5
                    } else if (name.equals("transfer-encoding")) {
                        chunked = value.endsWith("chunked");
                    } else if (name.equals("connection")) {
                        close = value.contains("close");
                    }
                }
                if (chunked ? !readChunked(in, c, raw) : !readFixed(in, c, raw, length)) {
                    return; // ended mid-body: the bytes are kept, the request is not complete
                }
                requests.add(new Request(c.id, index, requestLine[0], requestLine[1], raw.toByteArray()));
                byte[] body = ("ok " + requestLine[0] + " " + requestLine[1]).getBytes(StandardCharsets.ISO_8859_1);
                out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + (close ? "\r\nConnection: close" : "")
                        + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.write(body);
                out.flush();
                if (close) {
                    return;
                }
            }
        } catch (IOException | RuntimeException e) {
            // the peer went away mid-message, or sent what cannot be framed: the bytes tell the test
        } finally {
            c.ended = true;
        }
    }

    private static int read(InputStream in, Connection c, ByteArrayOutputStream raw) throws IOException {
        int b = in.read();
        if (b >= 0) {
            c.add(b);
            raw.write(b);
        }
        return b;
    }

    /** The head up to its blank line (excluded), or null at a clean end of stream before any byte. */
    private String readHead(InputStream in, Connection c, ByteArrayOutputStream raw) throws IOException {
        StringBuilder head = new StringBuilder();
        int matched = 0;
        while (matched < 4) {
            int b = read(in, c, raw);
            if (b < 0) {
                if (head.length() > 0) {
                    problems.add("ended in a head: " + TestOrigin.escape(head.toString()));
                }
                return null;
            }
            head.append((char) b);
            if (head.length() > MAX_HEAD) {
                problems.add("head too long");
                return null;
            }
            matched = b == (matched % 2 == 0 ? '\r' : '\n') ? matched + 1 : b == '\r' ? 1 : 0;
        }
        return head.substring(0, head.length() - 4);
    }

    private static boolean readFixed(InputStream in, Connection c, ByteArrayOutputStream raw, long length)
            throws IOException {
        for (long i = 0; i < length; i++) {
            if (read(in, c, raw) < 0) {
                return false;
            }
        }
        return true;
    }

    private boolean readChunked(InputStream in, Connection c, ByteArrayOutputStream raw) throws IOException {
        while (true) {
            String sizeLine = readLine(in, c, raw);
            if (sizeLine == null) {
                return false;
            }
            int semi = sizeLine.indexOf(';');
            long size = Long.parseLong((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).strip(), 16);
            if (size == 0) {
                while (true) {
                    String trailer = readLine(in, c, raw);
                    if (trailer == null) {
                        return false;
                    }
                    if (trailer.isEmpty()) {
                        return true;
                    }
                }
            }
            if (!readFixed(in, c, raw, size)) {
                return false;
            }
            String end = readLine(in, c, raw);
            if (end == null) {
                return false;
            }
            if (!end.isEmpty()) {
                problems.add("chunk data not followed by CRLF");
                throw new IOException("bad chunk");
            }
        }
    }

    private String readLine(InputStream in, Connection c, ByteArrayOutputStream raw) throws IOException {
        StringBuilder line = new StringBuilder();
        while (true) {
            int b = read(in, c, raw);
            if (b < 0) {
                return null;
            }
            if (b == '\n') {
                if (line.length() == 0 || line.charAt(line.length() - 1) != '\r') {
                    problems.add("bare LF in chunk framing");
                    throw new IOException("bare LF");
                }
                return line.substring(0, line.length() - 1);
            }
            line.append((char) b);
            if (line.length() > 16 * 1024) {
                problems.add("chunk framing line too long");
                throw new IOException("line too long");
            }
        }
    }
}
