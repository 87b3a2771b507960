package io.sluice;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The version Sluice was built as (the pom's, written into a resource by the build), for the CLI and the admin. */
public final class Version {
    private static final String CURRENT = read();

    private Version() {
    }

    /** The version, or {@code "unknown"} when the build did not record it. */
    public static String current() {
        return CURRENT;
    }

    private static String read() {
        try (InputStream in = Version.class.getResourceAsStream("/io/sluice/version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
