package io.sluice.admin;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The live dashboard served at the admin root: one self-contained page (inline CSS and JavaScript, nothing fetched
 * but {@code /stats} and the server actions), kept as the resource {@code dashboard.html} beside this class so that
 * it can be edited as HTML. docs/operations.md describes what it shows.
 */
final class Dashboard {
    /** The page, read once: it is part of the build, not something to change at run time. */
    static final String PAGE = read();

    private Dashboard() {
    }

    private static String read() {
        try (InputStream in = Dashboard.class.getResourceAsStream("dashboard.html")) {
            if (in == null) {
                throw new IllegalStateException("dashboard.html missing from the build");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
