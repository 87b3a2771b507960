package io.sluice.http;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static io.sluice.http.HeadChecks.check;

/**
 * Fuzz target (docs/fuzzing.md): {@link BodyFramer} on arbitrary bytes. Input: a flags byte (bit 0 chunked, else
 * length; bit 1 with a payload sink), the length (0-255) for length framing, a seed for the split points, then the
 * body bytes. Fed in arbitrary slices, each in a buffer of its own, the framer must give what it gives on the
 * body in one piece (the same end, malformed or not, and the same payload); a chunked body must frame as
 * {@link #reference} says; it never throws.
 */
class BodyFramerFuzzTest {
    /** Bytes before a slice in its buffer: the framer works on absolute indexes. */
    private static final int PAD = 7;

    /** What scanning a body gave: its end (an index into the body), or CONTINUES, or MALFORMED; the payload. */
    record Result(int end, String payload) {
    }

    @FuzzTest(maxDuration = "10s")
    void scan(byte[] input) {
        if (input.length < 3) {
            return;
        }
        boolean chunked = (input[0] & 1) != 0;
        boolean sink = (input[0] & 2) != 0;
        int length = input[1] & 0xff;
        byte[] body = Arrays.copyOfRange(input, 3, input.length);
        List<Integer> slices = slices(body.length, input[2]);

        Result whole = feed(chunked ? BodyFramer.chunked() : BodyFramer.length(length), body, List.of(body.length),
                sink);
        Result sliced = feed(chunked ? BodyFramer.chunked() : BodyFramer.length(length), body, slices, sink);
        check(whole.equals(sliced), "sliced " + slices + " " + sliced + " vs whole " + whole);
        if (chunked) {
            Result expected = reference(body, sink);
            check(whole.equals(expected), "chunked " + whole + " vs reference " + expected);
        } else {
            check(whole.equals(new Result(length <= body.length ? length : BodyFramer.CONTINUES, "")),
                    "length " + length + " over " + body.length + " bytes: " + whole);
        }
        check(feed(BodyFramer.untilClose(), body, slices, sink).equals(new Result(BodyFramer.CONTINUES, "")),
                "a body up to the close never ends");
    }

    /** Slice lengths adding up to {@code n}: one byte at a time for seed 0, else random sizes, some empty. */
    private static List<Integer> slices(int n, long seed) {
        List<Integer> sizes = new ArrayList<>();
        Random random = new Random(seed);
        int left = n;
        do {
            int size = seed == 0 ? 1 : random.nextInt(8) == 0 ? 0 : 1 + random.nextInt(16);
            size = Math.min(size, left);
            sizes.add(size);
            left -= size;
        } while (left > 0);
        return sizes;
    }

    /** Feeds {@code body} slice by slice, each copied into a buffer of its own after {@link #PAD} other bytes. */
    private static Result feed(BodyFramer framer, byte[] body, List<Integer> slices, boolean withSink) {
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        int at = 0;
        for (int size : slices) {
            ByteBuf buf = Unpooled.buffer(PAD + size + PAD);
            buf.writeZero(PAD).writeBytes(body, at, size).writeBytes("\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
                    0, PAD);
            int from = PAD;
            int to = PAD + size;
            try {
                int r = framer.scan(buf, from, to, withSink ? (b, index, len) -> {
                    check(b == buf && index >= from && len >= 0 && index + len <= to, "payload within the slice");
                    byte[] part = new byte[len];
                    b.getBytes(index, part);
                    payload.writeBytes(part);
                } : null);
                check(r == BodyFramer.CONTINUES || r == BodyFramer.MALFORMED || r >= from && r <= to,
                        "scan result " + r + " for [" + from + ", " + to + ")");
                check(framer.isDone() == r >= 0, "done iff an end was found");
                if (r != BodyFramer.CONTINUES) {
                    return new Result(r < 0 ? r : at + r - from, text(payload));
                }
            } finally {
                buf.release();
            }
            at += size;
        }
        return new Result(BodyFramer.CONTINUES, text(payload));
    }

    private static String text(ByteArrayOutputStream out) {
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    /**
     * The chunked body (RFC 9112 §7.1) as BodyFramer documents it, read in one go: chunk sizes of 1 to 15 hex
     * digits; an extension after ';' (or BWS) of any bytes but controls other than HTAB; CRLF line ends only; a
     * trailer section of at most 8 KiB, of lines without controls. Returns the end, CONTINUES when the bytes run
     * out first, or MALFORMED; and the payload seen until then (when {@code withPayload}).
     */
    static Result reference(byte[] b, boolean withPayload) {
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        int i = 0;
        int trailerBytes = 0;
        while (true) {
            int digits = 0;
            long size = 0;
            while (i < b.length && Character.digit(b[i], 16) >= 0 && digits < 15) {
                size = size * 16 + Character.digit(b[i++], 16);
                digits++;
            }
            if (i == b.length) {
                return new Result(BodyFramer.CONTINUES, text(payload));
            }
            if (digits == 0) {
                return new Result(BodyFramer.MALFORMED, text(payload));
            }
            if (b[i] == ';' || b[i] == ' ' || b[i] == '\t') {
                while (++i < b.length && b[i] != '\r') {
                    if (control(b[i])) {
                        return new Result(BodyFramer.MALFORMED, text(payload));
                    }
                }
            }
            int crlf = crlf(b, i);
            if (crlf != 0) {
                return new Result(crlf, text(payload));
            }
            i += 2;
            if (size == 0) {
                break;
            }
            int n = (int) Math.min(size, b.length - i);
            if (withPayload) {
                payload.write(b, i, n);
            }
            i += n;
            if (n < size) {
                return new Result(BodyFramer.CONTINUES, text(payload));
            }
            crlf = crlf(b, i);
            if (crlf != 0) {
                return new Result(crlf, text(payload));
            }
            i += 2;
        }
        while (true) { // trailer lines, then the blank line
            if (i < b.length && b[i] == '\r') {
                int crlf = crlf(b, i);
                return new Result(crlf != 0 ? crlf : i + 2, text(payload));
            }
            while (i < b.length && b[i] != '\r') {
                if (control(b[i]) || ++trailerBytes > 8 * 1024) {
                    return new Result(BodyFramer.MALFORMED, text(payload));
                }
                i++;
            }
            int crlf = crlf(b, i);
            if (crlf != 0) {
                return new Result(crlf, text(payload));
            }
            i += 2;
        }
    }

    /** 0 when {@code b[i, i + 2)} is CRLF, else CONTINUES (the bytes end first) or MALFORMED. */
    private static int crlf(byte[] b, int i) {
        if (i < b.length && b[i] != '\r' || i + 1 < b.length && b[i + 1] != '\n') {
            return BodyFramer.MALFORMED;
        }
        return i + 1 < b.length ? 0 : BodyFramer.CONTINUES;
    }

    private static boolean control(byte b) {
        return b >= 0 && b < ' ' && b != '\t' || b == 0x7f;
    }
}
