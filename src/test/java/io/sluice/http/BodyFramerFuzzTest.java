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
     * The chunked body (RFC 9112 §7.1) as BodyFramer documents it, read in one go by recursive descent: chunk sizes
     * of 1 to 15 hex digits; extensions {@code *( BWS ";" BWS token [ BWS "=" BWS ( token / quoted-string ) ] )}, at
     * most 4 KiB of them per line, the line not ending in whitespace; CRLF line ends only; a trailer section of field
     * lines (token, ':', a value without controls) of at most 8 KiB. Returns the end, CONTINUES when the bytes run
     * out first, or MALFORMED (at the first byte that no valid body continues with); and the payload seen until
     * then (when {@code withPayload}).
     */
    static Result reference(byte[] b, boolean withPayload) {
        ReferenceReader reader = new ReferenceReader(b, withPayload);
        try {
            reader.body();
            return new Result(reader.at, text(reader.payload));
        } catch (NeedMore e) {
            return new Result(BodyFramer.CONTINUES, text(reader.payload));
        } catch (Bad e) {
            return new Result(BodyFramer.MALFORMED, text(reader.payload));
        }
    }

    private static final class NeedMore extends RuntimeException {
        NeedMore() {
            super(null, null, false, false);
        }
    }

    private static final class Bad extends RuntimeException {
        Bad() {
            super(null, null, false, false);
        }
    }

    private static final class ReferenceReader {
        private static final String TCHAR_SYMBOLS = "!#$%&'*+-.^_`|~";
        private final byte[] b;
        private final boolean withPayload;
        private final ByteArrayOutputStream payload = new ByteArrayOutputStream();
        private int at;
        private int extensionBytes;
        private int trailerBytes;

        ReferenceReader(byte[] b, boolean withPayload) {
            this.b = b;
            this.withPayload = withPayload;
        }

        void body() {
            long size;
            while ((size = chunkLine()) > 0) {
                int n = (int) Math.min(size, b.length - at);
                if (withPayload) {
                    payload.write(b, at, n);
                }
                at += n;
                if (n < size) {
                    throw new NeedMore();
                }
                expect('\r');
                expect('\n');
            }
            trailers();
        }

        private long chunkLine() {
            long size = 0;
            int digits = 0;
            while (true) {
                byte c = next();
                int digit = hex(c);
                if (digit >= 0) {
                    if (digits++ == 15) {
                        throw new Bad();
                    }
                    size = size * 16 + digit;
                } else if (digits == 0) {
                    throw new Bad();
                } else if (c == '\r') {
                    expect('\n');
                    return size;
                } else if (c == ';' || ws(c)) {
                    extensions(c);
                    expect('\n');
                    return size;
                } else {
                    throw new Bad();
                }
            }
        }

        /** From the byte after the size ({@code first}) through the CR ending the line. */
        private void extensions(byte first) {
            extensionBytes = 1;
            byte c = first;
            while (true) {
                while (ws(c)) {
                    c = extensionByte();
                }
                if (c != ';') {
                    throw new Bad();
                }
                c = extensionByte();
                while (ws(c)) {
                    c = extensionByte();
                }
                if (!tchar(c)) {
                    throw new Bad();
                }
                do {
                    c = extensionByte();
                } while (tchar(c));
                if (c == '\r') {
                    return;
                }
                while (ws(c)) {
                    c = extensionByte();
                }
                if (c == ';') {
                    continue;
                }
                if (c != '=') {
                    throw new Bad();
                }
                c = extensionByte();
                while (ws(c)) {
                    c = extensionByte();
                }
                if (c == '"') {
                    quotedString();
                    c = extensionByte();
                } else if (tchar(c)) {
                    do {
                        c = extensionByte();
                    } while (tchar(c));
                } else {
                    throw new Bad();
                }
                if (c == '\r') {
                    return;
                }
            }
        }

        /** After the opening quote, through the closing one. */
        private void quotedString() {
            while (true) {
                byte c = extensionByte();
                if (c == '"') {
                    return;
                }
                if (c == '\\') {
                    c = extensionByte();
                }
                if (control(c)) {
                    throw new Bad();
                }
            }
        }

        private byte extensionByte() {
            byte c = next();
            if (c != '\r' && ++extensionBytes > BodyFramer.MAX_EXTENSION_BYTES) {
                throw new Bad();
            }
            return c;
        }

        private void trailers() {
            while (true) {
                byte c = next();
                if (c == '\r') {
                    expect('\n');
                    return;
                }
                if (!tchar(c)) {
                    throw new Bad();
                }
                countTrailerByte();
                do {
                    c = next();
                    countTrailerByte();
                    if (c != ':' && !tchar(c)) {
                        throw new Bad();
                    }
                } while (c != ':');
                while ((c = next()) != '\r') {
                    countTrailerByte();
                    if (control(c)) {
                        throw new Bad();
                    }
                }
                expect('\n');
            }
        }

        private void countTrailerByte() {
            if (++trailerBytes > BodyFramer.MAX_TRAILER_BYTES) {
                throw new Bad();
            }
        }

        private byte next() {
            if (at == b.length) {
                throw new NeedMore();
            }
            return b[at++];
        }

        private void expect(char c) {
            if (next() != c) {
                throw new Bad();
            }
        }

        private static int hex(byte c) {
            return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        }

        private static boolean ws(byte c) {
            return c == ' ' || c == '\t';
        }

        private static boolean tchar(byte c) {
            return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || c > 0 && TCHAR_SYMBOLS.indexOf(c) >= 0;
        }
    }

    private static boolean control(byte b) {
        return b >= 0 && b < ' ' && b != '\t' || b == 0x7f;
    }
}
