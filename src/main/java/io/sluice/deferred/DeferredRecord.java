package io.sluice.deferred;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * One request accepted for later delivery, as the journal stores it.
 *
 * <p>On disk: {@code int length, int crc32, payload} where the CRC covers the payload and the payload is
 * {@code id, createdMillis, cluster, method, target, header lines, body}, each string or byte block prefixed by its
 * length ({@code int}). The header lines are the forwarded request's fields ({@code Name: value\r\n} each) as the
 * route shapes them; framing fields are set again at delivery.
 *
 * @param id            unique id, sent to the server as {@code Idempotency-Key}
 * @param createdMillis when the request was accepted (epoch millis)
 * @param cluster       the cluster it goes to (by name: a reload or restart may replace the cluster object)
 * @param method        request method
 * @param target        request target as forwarded
 * @param headers       the forwarded request's field lines
 * @param body          the request body, de-chunked
 */
public record DeferredRecord(String id, long createdMillis, String cluster, String method, String target,
                             String headers, byte[] body) {
    /** Bytes before the payload: length and CRC. */
    static final int FRAME = 8;

    /** The record framed for the journal: length, CRC32, payload. */
    byte[] encode() {
        byte[][] parts = {bytes(id), bytes(cluster), bytes(method), bytes(target), bytes(headers), body};
        int payload = 8;
        for (byte[] p : parts) {
            payload += 4 + p.length;
        }
        ByteBuffer b = ByteBuffer.allocate(FRAME + payload);
        b.putInt(payload).putInt(0).putLong(createdMillis);
        for (byte[] p : parts) {
            b.putInt(p.length).put(p);
        }
        CRC32 crc = new CRC32();
        crc.update(b.array(), FRAME, payload);
        b.putInt(4, (int) crc.getValue());
        return b.array();
    }

    /**
     * The record whose payload is {@code data[from, from + length)}, already checked against its CRC.
     *
     * @throws IllegalArgumentException when the payload does not parse
     */
    static DeferredRecord decode(byte[] data, int from, int length) {
        ByteBuffer b = ByteBuffer.wrap(data, from, length);
        try {
            long created = b.getLong();
            String id = string(b);
            String cluster = string(b);
            String method = string(b);
            String target = string(b);
            String headers = string(b);
            byte[] body = block(b);
            return new DeferredRecord(id, created, cluster, method, target, headers, body);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("bad record payload", e);
        }
    }

    /** Whether {@code data[from, from + length)} has the CRC {@code crc}. */
    static boolean crcMatches(byte[] data, int from, int length, int crc) {
        CRC32 c = new CRC32();
        c.update(data, from, length);
        return (int) c.getValue() == crc;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String string(ByteBuffer b) {
        return new String(block(b), StandardCharsets.ISO_8859_1);
    }

    private static byte[] block(ByteBuffer b) {
        int n = b.getInt();
        if (n < 0 || n > b.remaining()) {
            throw new IllegalArgumentException("block length " + n);
        }
        byte[] out = new byte[n];
        b.get(out);
        return out;
    }
}
