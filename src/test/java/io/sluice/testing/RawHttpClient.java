package io.sluice.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A byte-exact HTTP/1.x client over a plain socket: sends exactly the bytes given and reads one response at a
 * time, strictly (CRLF line ends, valid framing), keeping the raw bytes. Every read has a timeout, so a test never
 * hangs on a proxy that does not answer.
 */
public final class RawHttpClient implements AutoCloseable {
    /** Per-read timeout unless changed with {@link #timeout(Duration)}. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    private static final int MAX_HEAD = 1024 * 1024;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private Duration timeout = DEFAULT_TIMEOUT;

    /** Thrown when the peer closed the connection before the first byte of a response. */
    public static final class ClosedBeforeResponseException extends EOFException {
        ClosedBeforeResponseException(String message) {
            super(message);
        }
    }

    private RawHttpClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        this.out = socket.getOutputStream();
        socket.setSoTimeout((int) timeout.toMillis());
    }

    /** Connects to {@code address} (5 s connect timeout). */
    /** A client over a socket the caller connected (from a chosen local address, say). */
    public static RawHttpClient over(Socket socket) throws IOException {
        socket.setSoTimeout((int) DEFAULT_TIMEOUT.toMillis());
        return new RawHttpClient(socket);
    }

    public static RawHttpClient connect(InetSocketAddress address) throws IOException {
        return connect(address, 0);
    }

    /**
     * Connects with a small receive buffer when {@code receiveBuffer > 0} (set before connecting so the TCP window
     * is small too), to make backpressure observable.
     */
    public static RawHttpClient connect(InetSocketAddress address, int receiveBuffer) throws IOException {
        Socket s = new Socket();
        try {
            if (receiveBuffer > 0) {
                s.setReceiveBufferSize(receiveBuffer);
            }
            s.setTcpNoDelay(true);
            s.connect(address, 5000);
            return new RawHttpClient(s);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** Sets the timeout of each read from now on. */
    public RawHttpClient timeout(Duration t) throws SocketException {
        this.timeout = t;
        socket.setSoTimeout((int) t.toMillis());
        return this;
    }

    public Socket socket() {
        return socket;
    }

    /** Sends the string's bytes (ISO-8859-1) and flushes. */
    public RawHttpClient send(String text) throws IOException {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    public RawHttpClient send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** The socket's output, for streaming large request bodies. */
    public OutputStream output() {
        return out;
    }

    /** Half-closes: sends FIN, keeps reading possible. */
    public void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    /** Closes with a TCP reset (SO_LINGER 0): an abrupt client abort. */
    public void abort() {
        try {
            socket.setSoLinger(true, 0);
        } catch (SocketException ignored) {
            // closing anyway
        }
        close();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    /** Reads one response to a GET (any status, 1xx included), body and all. */
    public RawResponse readResponse() throws IOException {
        return readResponse("GET");
    }

    /** Reads one response to a request with this method; a 1xx is returned as it is. */
    public RawResponse readResponse(String method) throws IOException {
        Streaming s = readStreaming(method, true);
        s.body().transferTo(OutputStream.nullOutputStream());
        return s.response();
    }

    /** Reads responses until a final (non-1xx) one and returns it, with the 1xx ones in {@code interim()}. */
    public RawResponse readFinalResponse(String method) throws IOException {
        List<RawResponse> interim = new ArrayList<>();
        while (true) {
            RawResponse r = readResponse(method);
            if (r.status() >= 200) {
                return r.withInterim(interim);
            }
            interim.add(r);
            if (interim.size() > 10) {
                throw new IOException("more than 10 interim responses");
            }
        }
    }

    /**
     * Reads a response head and returns a stream over its decoded body, for bodies too large to keep.
     * The body's raw bytes are not kept; {@link Streaming#response()} is valid once the body stream hit its end.
     */
    public Streaming readStreaming(String method) throws IOException {
        return readStreaming(method, false);
    }

    private Streaming readStreaming(String method, boolean keep) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream(512);
        int first;
        try {
            first = in.read();
        } catch (SocketException e) {
            throw new ClosedBeforeResponseException("connection reset before a response: " + e.getMessage());
        }
        if (first < 0) {
            throw new ClosedBeforeResponseException("connection closed before a response");
        }
        head.write(first);
        int matched = first == '\r' ? 1 : 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed in the middle of a response head: "
                        + TestOrigin.escape(head.toString(StandardCharsets.ISO_8859_1)));
            }
            head.write(b);
            if (head.size() > MAX_HEAD) {
                throw new IOException("response head over " + MAX_HEAD + " bytes");
            }
            if ((matched == 0 || matched == 2) && b == '\r') {
                matched++;
            } else if ((matched == 1 || matched == 3) && b == '\n') {
                matched++;
            } else {
                matched = b == '\r' ? 1 : 0;
            }
        }
        byte[] rawHead = head.toByteArray();
        String text = new String(rawHead, 0, rawHead.length - 4, StandardCharsets.ISO_8859_1);
        String[] lines = text.split("\r\n", -1);
        for (String line : lines) {
            if (line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0) {
                throw new IOException("bare CR or LF in response head: " + TestOrigin.escape(text));
            }
        }
        String[] status = lines[0].split(" ", 3);
        if (status.length < 2 || !status[0].matches("HTTP/1\\.[01]") || !status[1].matches("[1-5][0-9][0-9]")) {
            throw new IOException("bad status line: " + TestOrigin.escape(lines[0]));
        }
        int code = Integer.parseInt(status[1]);
        List<TestOrigin.Header> headers = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i];
            int colon = line.indexOf(':');
            if (colon <= 0 || line.startsWith(" ") || line.startsWith("\t")
                    || line.substring(0, colon).chars().anyMatch(c -> c <= ' ')) {
                throw new IOException("bad response header line: " + TestOrigin.escape(line));
            }
            headers.add(new TestOrigin.Header(line.substring(0, colon), line.substring(colon + 1).strip()));
        }
        RawResponse bare = new RawResponse(status[0], code, status.length > 2 ? status[2] : "", headers,
                new byte[0], rawHead, new byte[0], RawResponse.Framing.NONE, true, List.of(), List.of());

        RawResponse.Framing framing;
        long length = -1;
        List<String> te = bare.headers("Transfer-Encoding");
        List<String> cl = bare.headers("Content-Length");
        if (method.equals("HEAD") || code < 200 || code == 204 || code == 304) {
            framing = RawResponse.Framing.NONE;
        } else if (!te.isEmpty()) {
            if (!cl.isEmpty()) {
                throw new IOException("response has both Transfer-Encoding and Content-Length: " + bare);
            }
            String last = te.get(te.size() - 1);
            String[] codings = last.split(",");
            framing = codings[codings.length - 1].trim().equalsIgnoreCase("chunked")
                    ? RawResponse.Framing.CHUNKED : RawResponse.Framing.UNTIL_CLOSE;
        } else if (!cl.isEmpty()) {
            if (cl.size() != 1 || !cl.get(0).matches("[0-9]{1,18}")) {
                throw new IOException("bad Content-Length in response: " + cl);
            }
            framing = RawResponse.Framing.CONTENT_LENGTH;
            length = Long.parseLong(cl.get(0));
        } else {
            framing = RawResponse.Framing.UNTIL_CLOSE;
        }
        return new Streaming(bare, framing, length, keep);
    }

    /**
     * Reads until the peer closes the connection and returns what arrived before the close (usually nothing).
     *
     * @throws AssertionError when the connection is still open after {@code within}
     */
    public byte[] readUntilClosed(Duration within) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        if (!readUntilClosed(within, got)) {
            throw new AssertionError("connection still open after " + within.toMillis() + " ms; received "
                    + got.size() + " bytes: " + TestOrigin.escape(got.toString(StandardCharsets.ISO_8859_1)));
        }
        return got.toByteArray();
    }

    /**
     * Whether the peer closes the connection (read returns -1 or the connection is reset) within {@code within}.
     *
     * @return false when it is still open at the deadline
     * @throws AssertionError when bytes arrive instead of the close
     */
    public boolean closedByPeer(Duration within) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        boolean closed = readUntilClosed(within, got);
        if (got.size() > 0) {
            throw new AssertionError("expected the connection to be closed" + (closed ? "" : " or idle") + ", got "
                    + got.size() + " more bytes: " + TestOrigin.escape(got.toString(StandardCharsets.ISO_8859_1)));
        }
        return closed;
    }

    /** Reads into {@code got} until EOF or reset (true) or the deadline (false). */
    private boolean readUntilClosed(Duration within, ByteArrayOutputStream got) throws IOException {
        long deadline = System.nanoTime() + within.toNanos();
        byte[] buf = new byte[8192];
        try {
            while (true) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    return false;
                }
                socket.setSoTimeout((int) Math.max(1, left));
                int n;
                try {
                    n = in.read(buf);
                } catch (SocketTimeoutException e) {
                    continue;
                }
                if (n < 0) {
                    return true;
                }
                got.write(buf, 0, n);
            }
        } catch (SocketException e) {
            return true;                        // reset by peer: closed as well
        } finally {
            if (!socket.isClosed()) {
                socket.setSoTimeout((int) timeout.toMillis());
            }
        }
    }

    /** A response whose body is read as a stream. */
    public final class Streaming {
        private final RawResponse head;
        private final RawResponse.Framing framing;
        private final BodyStream body;

        Streaming(RawResponse head, RawResponse.Framing framing, long length, boolean keep) {
            this.head = head;
            this.framing = framing;
            this.body = new BodyStream(framing, length, keep);
        }

        /** The status line and headers. */
        public RawResponse head() {
            return head;
        }

        /** The decoded body; ends at the end of the framing (or at the close, for close-delimited bodies). */
        public InputStream body() {
            return body;
        }

        /** The whole response; call after the body stream returned -1. */
        public RawResponse response() {
            if (!body.ended) {
                throw new IllegalStateException("body not read to its end");
            }
            return new RawResponse(head.version(), head.status(), head.reason(), head.headers(),
                    body.decoded == null ? new byte[0] : body.decoded.toByteArray(), head.rawHead(),
                    body.raw == null ? new byte[0] : body.raw.toByteArray(), framing, body.complete,
                    body.trailers, List.of());
        }

        /** Bytes of decoded body delivered so far. */
        public long bodyBytes() {
            return body.delivered;
        }

        /** False when the connection ended before the framing said the body was complete. */
        public boolean complete() {
            return body.complete;
        }
    }

    /** Decodes a body per its framing from the socket, optionally keeping raw and decoded bytes. */
    private final class BodyStream extends InputStream {
        private final RawResponse.Framing framing;
        private long remaining;            // CONTENT_LENGTH: bytes left; CHUNKED: left in the current chunk
        private boolean ended;
        private boolean complete = true;
        private long delivered;
        private final ByteArrayOutputStream raw;
        private final ByteArrayOutputStream decoded;
        private final List<TestOrigin.Header> trailers = new ArrayList<>();
        private boolean chunkStarted;

        BodyStream(RawResponse.Framing framing, long length, boolean keep) {
            this.framing = framing;
            this.remaining = length;
            this.raw = keep ? new ByteArrayOutputStream() : null;
            this.decoded = keep ? new ByteArrayOutputStream() : null;
            if (framing == RawResponse.Framing.NONE || (framing == RawResponse.Framing.CONTENT_LENGTH && length == 0)) {
                ended = true;
            }
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (ended) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            switch (framing) {
                case CONTENT_LENGTH: {
                    int n = readSome(b, off, (int) Math.min(len, remaining));
                    if (n < 0) {
                        return truncated();
                    }
                    remaining -= n;
                    if (remaining == 0) {
                        ended = true;
                    }
                    return deliver(b, off, n, true);
                }
                case UNTIL_CLOSE: {
                    int n;
                    try {
                        n = readSome(b, off, len);
                    } catch (SocketException e) {
                        ended = true;
                        complete = false;       // a reset is not a clean end of a close-delimited body
                        return -1;
                    }
                    if (n < 0) {
                        ended = true;
                        return -1;
                    }
                    return deliver(b, off, n, true);
                }
                case CHUNKED: {
                    if (remaining <= 0) {
                        if (chunkStarted) {
                            String crlf = line();
                            if (crlf == null) {
                                return truncated();
                            }
                            if (!crlf.isEmpty()) {
                                throw new IOException("chunk data not followed by CRLF");
                            }
                        }
                        String sizeLine = line();
                        if (sizeLine == null) {
                            return truncated();
                        }
                        int semi = sizeLine.indexOf(';');
                        String hex = (semi < 0 ? sizeLine : sizeLine.substring(0, semi)).strip();
                        if (!hex.matches("[0-9a-fA-F]{1,15}")) {
                            throw new IOException("bad chunk size line: " + TestOrigin.escape(sizeLine));
                        }
                        remaining = Long.parseLong(hex, 16);
                        chunkStarted = true;
                        if (remaining == 0) {
                            while (true) {
                                String t = line();
                                if (t == null) {
                                    return truncated();
                                }
                                if (t.isEmpty()) {
                                    break;
                                }
                                int colon = t.indexOf(':');
                                if (colon <= 0) {
                                    throw new IOException("bad trailer line: " + TestOrigin.escape(t));
                                }
                                trailers.add(new TestOrigin.Header(t.substring(0, colon),
                                        t.substring(colon + 1).strip()));
                            }
                            ended = true;
                            return -1;
                        }
                    }
                    int n = readSome(b, off, (int) Math.min(len, remaining));
                    if (n < 0) {
                        return truncated();
                    }
                    remaining -= n;
                    return deliver(b, off, n, true);
                }
                default:
                    ended = true;
                    return -1;
            }
        }

        private int truncated() {
            ended = true;
            complete = false;
            return -1;
        }

        private int readSome(byte[] b, int off, int len) throws IOException {
            try {
                return in.read(b, off, len);
            } catch (SocketException e) {
                if (framing == RawResponse.Framing.UNTIL_CLOSE) {
                    throw e;
                }
                return -1;                      // reset mid-body: reported as incomplete
            }
        }

        private int deliver(byte[] b, int off, int n, boolean isRaw) {
            if (raw != null && isRaw) {
                raw.write(b, off, n);
            }
            if (decoded != null) {
                decoded.write(b, off, n);
            }
            delivered += n;
            return n;
        }

        /** Reads one CRLF-terminated line of chunk framing (kept raw); null at EOF. */
        private String line() throws IOException {
            StringBuilder sb = new StringBuilder();
            while (true) {
                int c;
                try {
                    c = in.read();
                } catch (SocketException e) {
                    return null;
                }
                if (c < 0) {
                    return null;
                }
                if (raw != null) {
                    raw.write(c);
                }
                if (c == '\r') {
                    int n = in.read();
                    if (n < 0) {
                        return null;
                    }
                    if (raw != null) {
                        raw.write(n);
                    }
                    if (n != '\n') {
                        throw new IOException("bare CR in chunk framing");
                    }
                    return sb.toString();
                }
                if (c == '\n') {
                    throw new IOException("bare LF in chunk framing");
                }
                sb.append((char) c);
                if (sb.length() > 8192) {
                    throw new IOException("chunk framing line too long");
                }
            }
        }
    }

    /** Builds a request head: {@code request("GET", "/x", "Host: a", "X-B: c")} → bytes ending with CRLF CRLF. */
    public static String request(String method, String target, String... headerLines) {
        StringBuilder sb = new StringBuilder();
        sb.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
        for (String h : headerLines) {
            sb.append(h).append("\r\n");
        }
        return sb.append("\r\n").toString();
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "RawHttpClient[%s -> %s]", socket.getLocalSocketAddress(),
                socket.getRemoteSocketAddress());
    }
}
