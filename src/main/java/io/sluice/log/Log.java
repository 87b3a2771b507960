package io.sluice.log;

import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Sluice's logging: one line per event on standard error, prefixed {@code "sluice: "} like the command line's own
 * messages. Quiet by default: only {@link #event events} an operator must see (a server going down or up, ejected
 * or back, an admin state change) are written; {@link #debug} lines only with {@code -Dsluice.debug=true}.
 *
 * <p>Never called per request: the proxy's hot path does not log (counters in /stats tell what happened there).
 * Thread-safe: a line is handed to the sink whole, and {@link java.io.PrintStream} writes it atomically.
 */
public final class Log {
    private static final boolean DEBUG = Boolean.getBoolean("sluice.debug");
    private static volatile Consumer<String> sink = System.err::println;

    private Log() {
    }

    /** A state change worth one line in the operator's log, always written. */
    public static void event(String message) {
        sink.accept("sluice: " + message);
    }

    /** Detail for whoever debugs Sluice; written only with {@code -Dsluice.debug=true}. */
    public static void debug(Supplier<String> message) {
        if (DEBUG) {
            sink.accept("sluice: debug: " + message.get());
        }
    }

    /**
     * Sends lines to {@code newSink} instead (tests capture them; the sink must be thread-safe).
     *
     * @return the sink used until now, to restore it
     */
    public static Consumer<String> sink(Consumer<String> newSink) {
        Consumer<String> before = sink;
        sink = Objects.requireNonNull(newSink, "newSink");
        return before;
    }
}
