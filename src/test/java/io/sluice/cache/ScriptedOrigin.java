package io.sluice.cache;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.function.Function;

/** A keep-alive origin answering every request head with the bytes its script gives: byte-exact responses. */
final class ScriptedOrigin implements AutoCloseable {
    private final ServerSocket server;
    private final Function<String, byte[]> script;

    ScriptedOrigin(Function<String, byte[]> script) throws IOException {
        this.script = script;
        server = new ServerSocket(0, 100, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::accept, "scripted-origin");
        t.setDaemon(true);
        t.start();
    }

    String authority() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread t = new Thread(() -> serve(s), "scripted-connection");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            for (;;) {
                StringBuilder head = new StringBuilder();
                int b;
                while ((b = in.read()) >= 0) {
                    head.append((char) b);
                    if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
                        break;
                    }
                }
                if (b < 0) {
                    return;
                }
                out.write(script.apply(head.toString()));
                out.flush();
            }
        } catch (IOException e) {
            // the proxy closed the connection
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
