package io.sluice.telemetry;

import io.sluice.config.AccessLogConfig;
import io.sluice.log.Log;

import java.io.BufferedWriter;
import java.io.FileNotFoundException;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The access log: event loops {@link #offer} records to a bounded queue and never wait; one daemon thread formats
 * them and writes the lines. When the queue is full a record is dropped and counted ({@link #dropped()}), so a slow
 * disk costs lines, never latency. The writer flushes whenever the queue is empty, and at least once a second
 * under a load that never lets it empty.
 *
 * <p>The queue is an {@link ArrayBlockingQueue}: it allocates nothing per line; its lock is held by an offer for a
 * few instructions, and by the writer for one bounded batch ({@value #BATCH} records) at a time, so an event loop
 * may spin on it for at most that long, and never waits for the disk.
 */
public final class AccessLog implements AutoCloseable {
    /** Records taken off the queue at once. */
    static final int BATCH = 256;
    /** Longest time written lines stay in the writer's buffer. */
    static final long FLUSH_INTERVAL_NANOS = 1_000_000_000L;
    /** Longest {@link #close()} waits for the writer to write what is queued. */
    static final long CLOSE_WAIT_MILLIS = 5_000;
    private static final int WRITE_BUFFER = 64 * 1024;

    private final ArrayBlockingQueue<AccessRecord> queue;
    /** The file, or {@code null} for standard output. */
    private final Path path;
    /** Written to by the writer thread only; replaced by {@link #reopen()}. */
    private Writer out;
    private final LineFormat format;
    private final LongAdder dropped = new LongAdder();
    private final Thread writer;
    /** Written by the writer thread only. */
    private volatile long written;
    private volatile boolean closing;
    private volatile boolean reopenWanted;
    private boolean failureLogged;

    /**
     * Opens the file (appending, created if missing) or standard output, and starts the writer thread.
     *
     * @throws IOException when the file cannot be opened
     */
    public static AccessLog open(AccessLogConfig config) throws IOException {
        Writer w = config.path() == null ? writer(standardOutput()) : writer(config.path());
        return new AccessLog(w, config.path(), config.template(), config.queue());
    }

    private static Writer writer(Path file) throws IOException {
        try {
            // a FileOutputStream, not a FileChannel: interrupting the writer to stop it must not close the file
            return writer(new FileOutputStream(file.toFile(), true));
        } catch (FileNotFoundException e) {
            throw new IOException("access_log: cannot open " + e.getMessage(), e);
        }
    }

    private static Writer writer(OutputStream stream) {
        return new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8), WRITE_BUFFER);
    }

    /** {@link System#out}, whole buffers at a time, left open when the log closes: others print there too. */
    private static OutputStream standardOutput() {
        return new OutputStream() {
            @Override
            public void write(int b) {
                System.out.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                System.out.write(b, off, len);
            }

            @Override
            public void flush() {
                System.out.flush();
            }
        };
    }

    /**
     * @param out      where lines go; closed when the log is
     * @param path     the file {@code out} writes, opened again by {@link #reopen()}; {@code null}: none
     * @param template {@code null}: JSON lines
     * @param capacity records that may wait for the writer
     */
    AccessLog(Writer out, Path path, List<AccessLogConfig.Part> template, int capacity) {
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.out = out;
        this.path = path;
        this.format = new LineFormat(template);
        this.writer = new Thread(this::run, "sluice-access-log");
        writer.setDaemon(true);
        writer.start();
    }

    /** Hands a finished record to the writer, or drops and counts it when the queue is full. Never blocks. */
    public void offer(AccessRecord record) {
        if (closing || !queue.offer(record)) {
            dropped.increment();
        }
    }

    /**
     * Closes the file and opens its path again, within a second, so that a rotated log (renamed by logrotate) is
     * left alone and a new one begins; what is queued is written first. Nothing for standard output. Any thread.
     */
    public void reopen() {
        if (path != null) {
            reopenWanted = true;
        }
    }

    /** Lines written so far (handed to the file; the last second's may still be in the buffer). */
    public long written() {
        return written;
    }

    /** Lines dropped: the queue was full, the file could not be written, or the log was closed. */
    public long dropped() {
        return dropped.sum();
    }

    private void run() {
        List<AccessRecord> batch = new ArrayList<>(BATCH);
        StringBuilder line = new StringBuilder(512);
        long lastFlush = System.nanoTime();
        boolean unflushed = false;
        for (;;) {
            if (reopenWanted) {
                reopenWanted = false;
                unflushed = false;
                reopenFile();
            }
            AccessRecord first;
            try {
                first = closing ? queue.poll() : queue.poll(FLUSH_INTERVAL_NANOS, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                continue; // close() wakes the writer: the loop sees closing and writes what is left without waiting
            }
            if (first == null) {
                if (unflushed) {
                    flush();
                    unflushed = false;
                    lastFlush = System.nanoTime();
                }
                if (closing) {
                    break;
                }
                continue;
            }
            batch.add(first);
            queue.drainTo(batch, BATCH - 1);
            for (AccessRecord r : batch) {
                line.setLength(0);
                format.append(r, line);
                line.append('\n');
                write(line);
            }
            batch.clear();
            unflushed = true;
            long now = System.nanoTime();
            if (queue.isEmpty() || now - lastFlush >= FLUSH_INTERVAL_NANOS) {
                flush();
                unflushed = false;
                lastFlush = now;
            }
        }
        try {
            out.close();
        } catch (IOException e) {
            failed(e);
        }
    }

    /** Writes what is buffered to the old file, closes it and opens the path again; keeps the old one on failure. */
    private void reopenFile() {
        flush();
        Writer next;
        try {
            next = writer(path);
        } catch (IOException e) {
            failed(e);
            return;
        }
        try {
            out.close();
        } catch (IOException e) {
            failed(e);
        }
        out = next;
        failureLogged = false;
    }

    private void write(CharSequence line) {
        try {
            out.append(line);
            written++; // only this thread writes it
        } catch (IOException e) {
            dropped.increment();
            failed(e);
        }
    }

    private void flush() {
        try {
            out.flush();
        } catch (IOException e) {
            failed(e);
        }
    }

    /** Says once that lines are being lost; a full disk would otherwise fill the operator's log instead. */
    private void failed(IOException e) {
        if (!failureLogged) {
            failureLogged = true;
            Log.event("access log: cannot write (" + e.getMessage() + "); lines are dropped and counted while it"
                    + " fails");
        }
    }

    /**
     * Stops the writer after it wrote what is queued, waiting at most {@value #CLOSE_WAIT_MILLIS} ms, and closes the
     * file. Records offered from now on are dropped. Call once the event loops no longer offer.
     */
    @Override
    public void close() {
        closing = true;
        writer.interrupt();
        try {
            writer.join(CLOSE_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (writer.isAlive()) {
            Log.event("access log: the writer did not finish within " + CLOSE_WAIT_MILLIS + " ms; "
                    + queue.size() + " queued lines are lost");
        }
    }
}
