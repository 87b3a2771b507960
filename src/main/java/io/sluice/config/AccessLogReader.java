package io.sluice.config;

import io.sluice.config.Node.Mapping;
import io.sluice.config.Node.Scalar;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;

/** Reads the top-level {@code access_log} section; an absent section is no access log ({@code null}). */
final class AccessLogReader {
    private static final String SECTION = "access_log";
    private static final String STDOUT = "stdout";
    private static final String JSON = "json";

    private final ValueReader values;

    AccessLogReader(ValueReader values) {
        this.values = values;
    }

    AccessLogConfig accessLog(Mapping top) {
        Mapping m = values.mapping(top, "", SECTION);
        if (m == null) {
            return null;
        }
        values.checkKeys(m, SECTION, "path", "format", "queue");
        Path path = path(m);
        List<AccessLogConfig.Part> template = template(m);
        int queue = values.integer(m, SECTION, "queue", AccessLogConfig.DEFAULT_QUEUE, AccessLogConfig.MIN_QUEUE,
                AccessLogConfig.MAX_QUEUE);
        return new AccessLogConfig(path, template, queue);
    }

    /**
     * Required: a log nobody asked where to write is surely a mistake. Taken as written (a relative path is relative
     * to the working directory at start-up); whether it can be opened is found out at start-up, not by
     * {@code sluice check}, which gives the same answer on any machine.
     */
    private Path path(Mapping m) {
        Scalar s = values.scalar(m, SECTION, "path", true, "a file path or \"stdout\"");
        if (s == null || s.text().equals(STDOUT)) {
            return null;
        }
        return values.parsed(s, Node.child(SECTION, "path"), text -> {
            if (text.isBlank()) {
                throw new IllegalArgumentException("expected a file path or \"stdout\", got \"" + text + "\"");
            }
            try {
                return Path.of(text);
            } catch (InvalidPathException e) {
                throw new IllegalArgumentException("bad file path (" + e.getReason() + ")");
            }
        }, null);
    }

    private List<AccessLogConfig.Part> template(Mapping m) {
        Scalar s = values.scalar(m, SECTION, "format", false, "\"json\" or a template such as \"%client %status\"");
        if (s == null || s.text().equals(JSON)) {
            return null;
        }
        return values.parsed(s, Node.child(SECTION, "format"), AccessLogConfig::parseTemplate, null);
    }
}
