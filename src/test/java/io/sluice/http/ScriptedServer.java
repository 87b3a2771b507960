package io.sluice.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The server behind Sluice in {@link ExchangeFuzzTest}: a blocking TCP server on loopback, a thread per connection,
 * that reads requests with {@link StrictHttp} and answers each with the next reply of the current {@link Script}.
 * Bytes it cannot read as a well-formed request forwarded by Sluice are a violation of the script.
 */
final class ScriptedServer implements AutoCloseable {
    /** What the server does after writing a reply: keep the connection, close it (FIN), or reset it (RST). */
    enum End { KEEP, FIN, RESET }

    record Reply(byte[] bytes, End end) {
    }

    /** A request the server read: the message, its bytes, and whether any reply byte went back for it. */
    record Received(StrictHttp.Message message, String raw, boolean answered) {
    }

    /** The replies for one fuzz input, and what the server saw while it played them. */
    static final class Script {
        private final Deque<Reply> replies;
        final List<Received> received = new CopyOnWriteArrayList<>();
        final List<String> violations = new CopyOnWriteArrayList<>();

        Script(List<Reply> replies) {
            this.replies = new ArrayDeque<>(replies);
        }

        /** The next reply; when there is none left the server closes the connection without answering. */
        synchronized Reply next() {
            Reply r = replies.poll();
            return r != null ? r : new Reply(new byte[0], End.FIN);
        }
    }

    private final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile Script script = new Script(List.of());

    ScriptedServer() throws IOException {
        Thread acceptor = new Thread(this::accept, "scripted-server");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", socket.getLocalPort());
    }

    /** Connections accepted from now on play {@code next}. */
    void play(Script next) {
        script = next;
    }

    /** Closes every connection (at the end of an input: the next one starts with none). */
    void closeConnections() {
        for (Socket s : open) {
            close(s);
        }
    }

    int connections() {
        return open.size();
    }

    private void accept() {
        while (!socket.isClosed()) {
            try {
                Socket s = socket.accept();
                open.add(s);
                Script playing = script;
                Thread t = new Thread(() -> serve(s, playing), "scripted-connection");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s, Script sc) {
        try {
            s.setTcpNoDelay(true);
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            byte[] data = new byte[0];
            int at = 0;
            boolean reading = true; // false once tunnelling or closed for writing: what comes is not HTTP
            byte[] chunk = new byte[16 * 1024];
            for (int n; (n = in.read(chunk)) > 0; ) {
                data = Arrays.copyOf(data, data.length + n);
                System.arraycopy(chunk, 0, data, data.length - n, n);
                while (reading) {
                    StrictHttp.Read r = StrictHttp.request(data, at, data.length);
                    if (r.verdict() == StrictHttp.Verdict.INCOMPLETE) {
                        break;
                    }
                    if (r.verdict() == StrictHttp.Verdict.MALFORMED) {
                        sc.violations.add("the server got malformed bytes (" + r.error() + "): "
                                + StrictHttp.printable(data, at, data.length));
                        return;
                    }
                    String problem = notForwardable(r.message());
                    if (problem != null) {
                        sc.violations.add("the server got " + problem + ": " + StrictHttp.printable(data, at, r.end()));
                    }
                    Reply reply = sc.next();
                    sc.received.add(new Received(r.message(), new String(data, at, r.end() - at,
                            StandardCharsets.ISO_8859_1), reply.bytes().length > 0));
                    at = r.end();
                    write(out, reply.bytes());
                    if (reply.end() == End.RESET) {
                        s.setSoLinger(true, 0);
                        return;
                    }
                    if (reply.end() == End.FIN) {
                        s.shutdownOutput();
                        reading = false;
                    } else if (new String(reply.bytes(), StandardCharsets.ISO_8859_1).matches("(?s).*HTTP/1\\.. 101.*")) {
                        reading = false; // a tunnel if Sluice takes the switch, else the connection closes
                    }
                }
            }
        } catch (IOException e) {
            // Sluice closed or reset the connection
        } finally {
            close(s);
            open.remove(s);
        }
    }

    /** Writes a reply; a 0xFE byte in it is not sent but splits it: what comes before is flushed, then a pause. */
    private static void write(OutputStream out, byte[] reply) throws IOException {
        int from = 0;
        for (int i = 0; i <= reply.length; i++) {
            if (i == reply.length || reply[i] == (byte) 0xFE) {
                out.write(reply, from, i - from);
                out.flush();
                if (i < reply.length) {
                    pause();
                }
                from = i + 1;
            }
        }
    }

    private static void pause() {
        try {
            Thread.sleep(2);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What a request Sluice forwards must not be: anything but HTTP/1.1 with one Host and no hop-by-hop field. */
    private static String notForwardable(StrictHttp.Message m) {
        if (!m.http11()) {
            return "a request other than HTTP/1.1";
        }
        if (m.all("host").size() != 1) {
            return m.all("host").size() + " Host fields";
        }
        for (String hop : List.of("keep-alive", "proxy-connection", "te", "trailer")) {
            if (!m.all(hop).isEmpty()) {
                return "hop-by-hop field " + hop;
            }
        }
        return null;
    }

    private static void close(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
        closeConnections();
    }

    /** For messages: the received requests, one per line. */
    static String describe(List<Received> received) {
        StringBuilder out = new StringBuilder();
        for (Received r : Collections.unmodifiableList(received)) {
            out.append("\n  ").append(StrictHttp.printable(r.raw())).append(r.answered() ? "" : " (no answer)");
        }
        return out.toString();
    }
}
