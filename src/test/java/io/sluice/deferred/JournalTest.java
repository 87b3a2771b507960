package io.sluice.deferred;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JournalTest {
    @TempDir
    Path dir;

    private static List<Journal.Position> appendAll(Journal j, int n, int bodySize) throws IOException {
        List<Journal.Position> positions = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] probe = record("x", i, bodySize).encode();
            Journal.Position p = j.nextPosition(probe.length);
            j.append(probe);
            positions.add(p);
        }
        j.force();
        return positions;
    }

    private static DeferredRecord record(String id, int i, int bodySize) {
        byte[] body = new byte[bodySize];
        body[0] = (byte) i;
        return new DeferredRecord(id, 1000 + i, "api", "POST", "/orders/" + i, "Host: example\r\nX-N: " + i + "\r\n",
                body);
    }

    @Test
    void appendsForcesAndRecoversInOrder() throws IOException {
        try (Journal j = Journal.open(dir, 1 << 20)) {
            assertEquals(List.of(), j.recovered());
            appendAll(j, 5, 10);
        }
        try (Journal j = Journal.open(dir, 1 << 20)) {
            List<Journal.Recovered> r = j.recovered();
            assertEquals(5, r.size());
            for (int i = 0; i < 5; i++) {
                DeferredRecord d = r.get(i).record();
                assertEquals("/orders/" + i, d.target());
                assertEquals("POST", d.method());
                assertEquals("api", d.cluster());
                assertEquals(1000 + i, d.createdMillis());
                assertEquals("Host: example\r\nX-N: " + i + "\r\n", d.headers());
                assertEquals((byte) i, d.body()[0]);
            }
        }
    }

    @Test
    void acknowledgedRecordsAreNotRecovered() throws IOException {
        try (Journal j = Journal.open(dir, 1 << 20)) {
            List<Journal.Position> p = appendAll(j, 4, 10);
            j.done(p.get(0));
            j.done(p.get(2));
            j.forceAcks();
        }
        try (Journal j = Journal.open(dir, 1 << 20)) {
            assertEquals(List.of("/orders/1", "/orders/3"),
                    j.recovered().stream().map(r -> r.record().target()).toList());
        }
    }

    @Test
    void tornLastRecordIsIgnored() throws IOException {
        try (Journal j = Journal.open(dir, 1 << 20)) {
            appendAll(j, 3, 100);
        }
        Path segment = onlySegment();
        try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "rw")) {
            f.setLength(f.length() - 7); // the crash hit the last append
        }
        try (Journal j = Journal.open(dir, 1 << 20)) {
            assertEquals(2, j.recovered().size());
        }
        // a torn frame header too
        try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "rw")) {
            f.seek(f.length());
            f.write(new byte[]{0, 0, 1});
        }
        try (Journal j = Journal.open(dir, 1 << 20)) {
            assertEquals(2, j.recovered().size());
        }
    }

    @Test
    void crcMismatchStopsRecoveryAtTheBadRecord() throws IOException {
        List<Journal.Position> p;
        try (Journal j = Journal.open(dir, 1 << 20)) {
            p = appendAll(j, 4, 100);
        }
        try (RandomAccessFile f = new RandomAccessFile(onlySegment().toFile(), "rw")) {
            long inBody = p.get(2).offset() + 60;
            f.seek(inBody);
            int b = f.read();
            f.seek(inBody);
            f.write(b ^ 0xff);
        }
        try (Journal j = Journal.open(dir, 1 << 20)) {
            assertEquals(List.of("/orders/0", "/orders/1"),
                    j.recovered().stream().map(r -> r.record().target()).toList());
        }
    }

    @Test
    void segmentsRotateAndAreDeletedOnceAllDone() throws IOException {
        try (Journal j = Journal.open(dir, 1024)) {
            List<Journal.Position> p = appendAll(j, 20, 200); // ~300 bytes each: several segments
            assertTrue(j.segmentCount() >= 5, "segments: " + j.segmentCount());
            long before = j.bytes();
            for (Journal.Position pos : p.subList(0, 15)) {
                j.done(pos);
            }
            j.forceAcks();
            assertTrue(j.bytes() < before, j.bytes() + " < " + before);
            assertEquals(segmentFiles().size(), j.segmentCount());
            for (Journal.Position pos : p.subList(15, 20)) {
                j.done(pos);
            }
            j.forceAcks();
            // the segment being written stays, however done
            assertEquals(1, j.segmentCount());
        }
        try (Journal j = Journal.open(dir, 1024)) {
            assertEquals(List.of(), j.recovered());
            assertEquals(0, j.segmentCount()); // nothing left: deleted at start-up
            assertEquals(List.of(), segmentFiles());
        }
    }

    @Test
    void deadLettersKeepTheRecord() throws IOException {
        byte[] framed = record("a-1", 7, 5).encode();
        try (Journal j = Journal.open(dir, 1024)) {
            j.deadLetter(framed);
        }
        assertArrayEquals(framed, Files.readAllBytes(dir.resolve("dead-letters.log")));
        assertEquals("a-1", DeferredRecord.decode(framed, DeferredRecord.FRAME, framed.length - DeferredRecord.FRAME)
                .id());
        assertEquals("Host: example\r\nX-N: 7\r\n", new String(framed, StandardCharsets.ISO_8859_1).substring(
                framed.length - 5 - 4 - "Host: example\r\nX-N: 7\r\n".length(), framed.length - 9));
    }

    private Path onlySegment() throws IOException {
        List<Path> s = segmentFiles();
        assertEquals(1, s.size());
        return s.get(0);
    }

    private List<Path> segmentFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".log")
                    && f.getFileName().toString().startsWith("segment-")).sorted().toList();
        }
    }
}
