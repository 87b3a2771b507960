package io.sluice.tcp;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.zip.CRC32C;

/**
 * A deterministic byte stream for transfer tests: every 64 KiB chunk is pseudo-random and starts with its own
 * index, so a lost, repeated or reordered chunk changes the checksum.
 */
final class Stream {
    static final int CHUNK = 64 * 1024;

    private Stream() {
    }

    /** Writes {@code bytes} (a multiple of {@link #CHUNK}) and returns their CRC32C. */
    static long send(OutputStream out, long bytes, long seed) throws IOException {
        byte[] chunk = new byte[CHUNK];
        long x = seed | 1;
        CRC32C crc = new CRC32C();
        for (long i = 0; i < bytes / CHUNK; i++) {
            for (int j = 0; j < CHUNK; j += 8) {
                x ^= x << 13;
                x ^= x >>> 7;
                x ^= x << 17;
                long v = j == 0 ? i : x;
                for (int k = 0; k < 8; k++) {
                    chunk[j + k] = (byte) (v >>> (k * 8));
                }
            }
            out.write(chunk);
            crc.update(chunk);
        }
        out.flush();
        return crc.getValue();
    }

    /** Reads to end of stream; returns {count, CRC32C}. */
    static long[] receive(InputStream in) throws IOException {
        byte[] buf = new byte[CHUNK];
        CRC32C crc = new CRC32C();
        long n = 0;
        int r;
        while ((r = in.read(buf)) > 0) {
            crc.update(buf, 0, r);
            n += r;
        }
        return new long[] {n, crc.getValue()};
    }
}
