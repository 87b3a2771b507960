package io.sluice.testing;

import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The deterministic body content that {@link TestOrigin} serves and tests upload: byte {@code i} of every body is
 * {@link #byteAt(long) byteAt(i)}. The value depends on the position through a multiplicative hash, so a body
 * with a lost, duplicated or reordered slice of any length fails verification at the first wrong offset.
 */
public final class BodyPattern {
    private BodyPattern() {
    }

    /** The byte at offset {@code i} of every pattern body. */
    public static byte byteAt(long i) {
        long z = (i + 1) * 0x9E3779B97F4A7C15L;
        return (byte) (z >>> 56);
    }

    /** Fills {@code buf[off, off+len)} with the pattern starting at body offset {@code position}. */
    public static void fill(byte[] buf, int off, int len, long position) {
        for (int i = 0; i < len; i++) {
            buf[off + i] = byteAt(position + i);
        }
    }

    /** The first {@code n} pattern bytes. */
    public static byte[] bytes(int n) {
        byte[] b = new byte[n];
        fill(b, 0, n, 0);
        return b;
    }

    /** The offset of the first byte of {@code body} that differs from the pattern, or -1 when all match. */
    public static long firstMismatch(byte[] body) {
        for (int i = 0; i < body.length; i++) {
            if (body[i] != byteAt(i)) {
                return i;
            }
        }
        return -1;
    }

    /** SHA-256 (lower-case hex) of the first {@code n} pattern bytes. */
    public static String sha256(long n) {
        MessageDigest md = sha256();
        byte[] buf = new byte[64 * 1024];
        long done = 0;
        while (done < n) {
            int len = (int) Math.min(buf.length, n - done);
            fill(buf, 0, len, done);
            md.update(buf, 0, len);
            done += len;
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** An input stream of the first {@code n} pattern bytes, generated on the fly (nothing held in memory). */
    public static InputStream stream(long n) {
        return new InputStream() {
            private long position;

            @Override
            public int read() {
                return position < n ? byteAt(position++) & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (position >= n) {
                    return -1;
                }
                int count = (int) Math.min(len, n - position);
                fill(b, off, count, position);
                position += count;
                return count;
            }
        };
    }

    /**
     * An output stream that checks every byte written against the pattern without keeping them: after the
     * transfer, {@link #count()} is how many bytes arrived and {@link #firstMismatch()} where they first differed.
     */
    public static final class Verifier extends OutputStream {
        private long count;
        private long firstMismatch = -1;

        @Override
        public void write(int b) {
            check((byte) b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            for (int i = 0; i < len; i++) {
                check(b[off + i]);
            }
        }

        private void check(byte b) {
            if (firstMismatch < 0 && b != byteAt(count)) {
                firstMismatch = count;
            }
            count++;
        }

        public long count() {
            return count;
        }

        public long firstMismatch() {
            return firstMismatch;
        }
    }
}
