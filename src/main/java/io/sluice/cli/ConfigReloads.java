package io.sluice.cli;

import io.sluice.Sluice;
import io.sluice.config.ConfigException;
import io.sluice.log.Log;
import sun.misc.Signal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What makes {@code sluice run} reload its configuration file: SIGHUP, and with {@code --watch} a change of the
 * file. Reloads run one at a time on one thread of their own, never on a signal or event loop thread; a rejected
 * file is logged with every problem, and the configuration in force stays.
 */
final class ConfigReloads implements AutoCloseable {
    /**
     * How often {@code --watch} looks at the file. A poll survives editors that replace the file by renaming, and a
     * change is reloaded after one more look found it unchanged.
     */
    static final long WATCH_INTERVAL_MILLIS = 1000;

    private final Sluice sluice;
    private final Path file;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sluice-reload");
        t.setDaemon(true);
        return t;
    });
    /** The version last reloaded (or started with). */
    private FileVersion seen;
    /** The version the previous look found. */
    private FileVersion lastLook;

    /** The file's modification time and size: a change of either is an edit. */
    private record FileVersion(long modifiedMillis, long size) {
    }

    ConfigReloads(Sluice sluice, Path file) {
        this.sluice = sluice;
        this.file = file;
        this.seen = version();
        this.lastLook = seen;
    }

    /** Reloads on SIGHUP. */
    void onHangup() {
        Signal.handle(new Signal("HUP"), signal -> thread.execute(() -> reload("SIGHUP")));
    }

    /** Reloads when the file changes. */
    void watch() {
        thread.scheduleWithFixedDelay(this::reloadIfChanged, WATCH_INTERVAL_MILLIS, WATCH_INTERVAL_MILLIS,
                TimeUnit.MILLISECONDS);
    }

    /**
     * Reloads once the file changed and then stayed the same for one interval: a file written in place (truncated,
     * then written) is not read half written.
     */
    private void reloadIfChanged() {
        FileVersion now = version();
        if (now != null && !Objects.equals(now, seen) && Objects.equals(now, lastLook)) {
            seen = now;
            reload("file changed");
        }
        lastLook = now;
    }

    private FileVersion version() {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return new FileVersion(a.lastModifiedTime().toMillis(), a.size());
        } catch (IOException e) {
            return null; // being replaced; the next look sees the new one
        }
    }

    private void reload(String why) {
        try {
            sluice.reloadFromSource();
        } catch (ConfigException e) {
            Log.event("reload (" + why + ") rejected, the configuration in force stays: "
                    + String.join("; ", e.problems().stream().map(Object::toString).toList()));
        } catch (RuntimeException e) {
            Log.event("reload (" + why + ") failed, the configuration in force stays: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
