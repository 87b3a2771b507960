package io.sluice.tcp;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/** A blocking TCP test server, a thread per connection, doing one {@link Behaviour} on every connection. */
final class RawTcpServer implements AutoCloseable {
    /** Bytes {@link #countThenReply} sends after its count line. */
    static final int TAIL = 1 << 20;

    interface Behaviour {
        void serve(Socket s) throws IOException;
    }

    private final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
    /** Failures of {@link Behaviour}s, other than the peer going away, for the test to assert on. */
    final Queue<Throwable> failures = new ConcurrentLinkedQueue<>();

    RawTcpServer(Behaviour behaviour) throws IOException {
        Thread acceptor = new Thread(() -> {
            while (!socket.isClosed()) {
                try {
                    Socket s = socket.accept();
                    Thread t = new Thread(() -> {
                        try (s) {
                            behaviour.serve(s);
                        } catch (IOException e) {
                            // the peer went away: the test says whether that was right
                        } catch (RuntimeException | AssertionError e) {
                            failures.add(e);
                        }
                    }, "raw-tcp-connection");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }, "raw-tcp-server");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", socket.getLocalPort());
    }

    static void echo(Socket s) throws IOException {
        s.getInputStream().transferTo(s.getOutputStream());
        s.shutdownOutput();
    }

    /** Reads to the client's FIN, then answers how many bytes it got followed by {@link #TAIL} zero bytes. */
    static void countThenReply(Socket s) throws IOException {
        long n = 0;
        byte[] buf = new byte[8192];
        int r;
        InputStream in = s.getInputStream();
        while ((r = in.read(buf)) > 0) {
            n += r;
        }
        OutputStream out = s.getOutputStream();
        out.write(("got " + n + "\n").getBytes(StandardCharsets.US_ASCII));
        out.write(new byte[TAIL]);
        out.flush();
    }

    /** Reads one bodiless HTTP request head, up to its blank line; false at end of stream. */
    static boolean readRequestHead(InputStream in) throws IOException {
        int matched = 0;
        int b;
        while ((b = in.read()) >= 0) {
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
            if (matched == 4) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
