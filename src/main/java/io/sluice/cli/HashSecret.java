package io.sluice.cli;

import io.sluice.config.AuthConfig;
import io.sluice.route.RouteAuth;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.Callable;

/**
 * {@code sluice hash-secret}: prints the hash of a secret read from standard input, for a route's {@code auth}
 * section. The secret is read rather than given as an argument so that it stays out of the shell history and the
 * process list; one trailing newline (from {@code echo} or a terminal) is not part of it.
 */
@Command(name = "hash-secret", description = "Read a bearer token or password on stdin; print the hash for auth.")
final class HashSecret implements Callable<Integer> {
    private static final int MAX_SECRET = 4096;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final InputStream in;

    HashSecret() {
        this(System.in);
    }

    HashSecret(InputStream in) {
        this.in = in;
    }

    @Override
    public Integer call() throws IOException {
        byte[] secret = read();
        if (secret == null || secret.length == 0) {
            spec.commandLine().getErr().println("expected a secret of 1.." + MAX_SECRET + " bytes on standard input");
            return Main.EXIT_BAD_CONFIG;
        }
        spec.commandLine().getOut().println(AuthConfig.HASH_PREFIX + HexFormat.of().formatHex(RouteAuth.hash(secret)));
        return 0;
    }

    private byte[] read() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[512];
        int n;
        while ((n = in.read(buf)) > 0) {
            out.write(buf, 0, n);
            if (out.size() > MAX_SECRET + 2) {
                return null;
            }
        }
        byte[] b = out.toByteArray();
        int len = b.length;
        if (len > 0 && b[len - 1] == '\n') {
            len--;
            if (len > 0 && b[len - 1] == '\r') {
                len--;
            }
        }
        return len > MAX_SECRET ? null : Arrays.copyOf(b, len);
    }
}
