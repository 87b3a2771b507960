package io.sluice.deferred;

import io.sluice.log.Log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The append-only journal of deferred requests: segment files {@code segment-N.log} of framed
 * {@link DeferredRecord}s, each with an acknowledgement file {@code segment-N.ack} of the offsets (8 bytes each) of
 * its records that are done (delivered or dead-lettered), and one {@code dead-letters.log} in the same record format.
 *
 * <p>Segment numbers only grow, also across restarts (a new segment is numbered at least the current time in
 * millis), so an id {@code <segment>-<offset>} never names two requests. A segment is deleted with its
 * acknowledgement file once it is not the one being written and all its records are done: disk use is bounded by
 * the records not delivered yet plus one segment.
 *
 * <p>Threads: one writer thread calls {@link #append} and {@link #force}; the sender thread calls {@link #done},
 * {@link #deadLetter} and {@link #forceAcks}. Shared bookkeeping is guarded by {@code this}; {@code force} of the
 * segment runs outside the lock so that acknowledgements do not wait for the disk of appends.
 */
public final class Journal implements AutoCloseable {
    private static final String SEGMENT_PREFIX = "segment-";

    /** A record written at {@code segment}, {@code offset}. */
    public record Position(long segment, long offset) {}

    /** A record found at start-up that is not done yet. */
    public record Recovered(DeferredRecord record, Position position) {}

    private static final class Segment {
        final long number;
        /** Records appended or recovered that are not done yet. */
        int outstanding;
        long bytes;
        FileChannel acks;
        boolean ackDirty;

        Segment(long number) {
            this.number = number;
        }
    }

    private final Path dir;
    private final long segmentBytes;
    private final TreeMap<Long, Segment> segments = new TreeMap<>();
    private final List<Recovered> recovered = new ArrayList<>();
    /** The segment appended to; {@code null} until the first append. */
    private Segment current;
    private FileChannel currentFile;
    private FileChannel deadLetters;
    /** Bytes of all segment files. */
    private long bytes;
    /** The highest segment number used so far (segment numbers only grow). */
    private long lastNumber;

    private Journal(Path dir, long segmentBytes) {
        this.dir = dir;
        this.segmentBytes = segmentBytes;
    }

    /**
     * Opens the journal in {@code dir} (created if needed) and recovers the records not done yet. A torn last record
     * (a crash while appending) is ignored; a record whose CRC does not match ends the recovery of its segment
     * (everything after it is unreadable by construction: lengths cannot be trusted any more).
     */
    public static Journal open(Path dir, long segmentBytes) throws IOException {
        Files.createDirectories(dir);
        Journal j = new Journal(dir, segmentBytes);
        j.recover();
        return j;
    }

    /** The records not done when the journal was opened, in the order they were accepted. */
    public List<Recovered> recovered() {
        return recovered;
    }

    private void recover() throws IOException {
        List<Long> numbers = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, SEGMENT_PREFIX + "*.log")) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                try {
                    numbers.add(Long.parseLong(name.substring(SEGMENT_PREFIX.length(), name.length() - 4)));
                } catch (NumberFormatException e) {
                    Log.event("journal: ignoring " + p);
                }
            }
        }
        numbers.sort(null);
        for (long n : numbers) {
            lastNumber = Math.max(lastNumber, n);
            Segment s = new Segment(n);
            byte[] data = Files.readAllBytes(segmentPath(n));
            Set<Long> done = readAcks(ackPath(n));
            int i = 0;
            while (data.length - i >= DeferredRecord.FRAME) {
                int length = ByteBuffer.wrap(data, i, 4).getInt();
                int crc = ByteBuffer.wrap(data, i + 4, 4).getInt();
                if (length < 0 || length > data.length - i - DeferredRecord.FRAME) {
                    Log.event("journal: " + segmentPath(n) + ": torn record at offset " + i + " ignored");
                    break;
                }
                if (!DeferredRecord.crcMatches(data, i + DeferredRecord.FRAME, length, crc)) {
                    Log.event("journal: " + segmentPath(n) + ": CRC mismatch at offset " + i
                            + "; the rest of the segment is not recovered");
                    break;
                }
                if (!done.contains((long) i)) {
                    DeferredRecord r;
                    try {
                        r = DeferredRecord.decode(data, i + DeferredRecord.FRAME, length);
                    } catch (IllegalArgumentException e) {
                        Log.event("journal: " + segmentPath(n) + ": unreadable record at offset " + i);
                        break;
                    }
                    recovered.add(new Recovered(r, new Position(n, i)));
                    s.outstanding++;
                }
                i += DeferredRecord.FRAME + length;
            }
            if (s.outstanding == 0) {
                deleteSegment(n);
            } else {
                s.bytes = data.length;
                bytes += data.length;
                segments.put(n, s);
            }
        }
        deadLetters = FileChannel.open(dir.resolve("dead-letters.log"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    }

    private static Set<Long> readAcks(Path p) throws IOException {
        Set<Long> done = new HashSet<>();
        if (Files.exists(p)) {
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(p));
            while (b.remaining() >= 8) { // a torn last entry is not an acknowledgement
                done.add(b.getLong());
            }
        }
        return done;
    }

    /**
     * The position the next record of {@code length} bytes (framed) gets: opens a new segment when the current one
     * would grow past the segment size. Writer thread only; the id of the record depends on it.
     */
    public Position nextPosition(int length) throws IOException {
        synchronized (this) {
            if (current == null || current.bytes > 0 && current.bytes + length > segmentBytes) {
                rotate();
            }
            return new Position(current.number, current.bytes);
        }
    }

    /** Appends a framed record at {@link #nextPosition}; not durable before {@link #force}. Writer thread only. */
    public void append(byte[] framed) throws IOException {
        FileChannel f;
        synchronized (this) {
            f = currentFile;
            current.outstanding++;
            current.bytes += framed.length;
            bytes += framed.length;
        }
        ByteBuffer b = ByteBuffer.wrap(framed);
        while (b.hasRemaining()) {
            f.write(b);
        }
    }

    /** Makes every append so far durable. Writer thread only. */
    public void force() throws IOException {
        FileChannel f;
        synchronized (this) {
            f = currentFile;
        }
        if (f != null) {
            f.force(false);
        }
    }

    private void rotate() throws IOException {
        if (currentFile != null) {
            currentFile.force(false);
            currentFile.close();
            Segment old = current;
            if (old.outstanding == 0) {
                deleteSegment(old.number);
                segments.remove(old.number);
                bytes -= old.bytes;
            }
        }
        long n = Math.max(System.currentTimeMillis(), lastNumber + 1);
        lastNumber = n;
        current = new Segment(n);
        segments.put(n, current);
        currentFile = FileChannel.open(segmentPath(n), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        // the new file's directory entry must survive a crash too
        forceDirectory();
    }

    /**
     * Records that the record at {@code p} is done (delivered or dead-lettered). Not durable before
     * {@link #forceAcks}: a crash before it delivers the record again (at least once).
     */
    public void done(Position p) throws IOException {
        synchronized (this) {
            Segment s = segments.get(p.segment());
            if (s == null) {
                return;
            }
            if (s.acks == null) {
                s.acks = FileChannel.open(ackPath(s.number), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.APPEND);
            }
            ByteBuffer b = ByteBuffer.allocate(8).putLong(0, p.offset());
            while (b.hasRemaining()) {
                s.acks.write(b);
            }
            s.ackDirty = true;
            s.outstanding--;
            if (s.outstanding == 0 && s != current) {
                s.acks.close();
                s.acks = null;
                deleteSegment(s.number);
                segments.remove(s.number);
                bytes -= s.bytes;
            }
        }
    }

    /** Makes every {@link #done} so far durable. */
    public void forceAcks() throws IOException {
        List<FileChannel> dirty = new ArrayList<>();
        synchronized (this) {
            for (Segment s : segments.values()) {
                if (s.ackDirty && s.acks != null) {
                    dirty.add(s.acks);
                    s.ackDirty = false;
                }
            }
        }
        for (FileChannel f : dirty) {
            try {
                f.force(false);
            } catch (java.nio.channels.ClosedChannelException e) {
                // its segment was deleted meanwhile: nothing left to make durable
            }
        }
    }

    /** Appends {@code framed} to the dead-letter file and forces it. The caller then marks it {@link #done}. */
    public void deadLetter(byte[] framed) throws IOException {
        synchronized (this) {
            ByteBuffer b = ByteBuffer.wrap(framed);
            while (b.hasRemaining()) {
                deadLetters.write(b);
            }
            deadLetters.force(false);
        }
    }

    /** Bytes of all segment files on disk. */
    public synchronized long bytes() {
        return bytes;
    }

    /** Segment files on disk. */
    public synchronized int segmentCount() {
        return segments.size();
    }

    private void deleteSegment(long n) throws IOException {
        Files.deleteIfExists(ackPath(n));
        Files.deleteIfExists(segmentPath(n));
    }

    private void forceDirectory() {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // not every platform can open a directory; the file's data is forced regardless
        }
    }

    private Path segmentPath(long n) {
        return dir.resolve(SEGMENT_PREFIX + n + ".log");
    }

    private Path ackPath(long n) {
        return dir.resolve(SEGMENT_PREFIX + n + ".ack");
    }

    @Override
    public synchronized void close() throws IOException {
        if (currentFile != null) {
            currentFile.force(false);
            currentFile.close();
        }
        for (Segment s : segments.values()) {
            if (s.acks != null) {
                s.acks.force(false);
                s.acks.close();
            }
        }
        deadLetters.close();
    }

    Map<Long, Integer> outstandingBySegment() {
        Map<Long, Integer> m = new HashMap<>();
        synchronized (this) {
            segments.forEach((n, s) -> m.put(n, s.outstanding));
        }
        return m;
    }
}
