package io.sluice.http;

import io.netty.buffer.ByteBuf;

/**
 * Finds where a message body ends in a byte stream, by Content-Length, chunked framing (validated strictly,
 * RFC 9112 §7.1) or connection close. It only looks at bytes; forwarding them is the caller's job. When asked
 * to, it reports the chunk payload ranges so that a chunked body can be relayed de-chunked.
 */
final class BodyFramer {
    /** Returned by {@link #scan} when the chunked framing is malformed. */
    static final int MALFORMED = -2;
    /** Returned by {@link #scan} when the body continues past the scanned range. */
    static final int CONTINUES = -1;

    /** Receives chunk payload ranges while de-chunking. */
    interface PayloadSink {
        void payload(ByteBuf buf, int index, int length);
    }

    private enum Mode { LENGTH, CHUNKED, UNTIL_CLOSE }

    private enum Chunk { SIZE, EXTENSION, SIZE_LF, DATA, DATA_CR, DATA_LF, TRAILER_START, TRAILER_LINE, TRAILER_LF, LAST_LF }

    private static final int MAX_SIZE_DIGITS = 15;
    private static final int MAX_TRAILER_BYTES = 8 * 1024;

    private final Mode mode;
    private long remaining;
    private Chunk chunk = Chunk.SIZE;
    private int sizeDigits;
    private int trailerBytes;
    private boolean done;

    private BodyFramer(Mode mode, long length) {
        this.mode = mode;
        this.remaining = length;
        this.done = mode == Mode.LENGTH && length == 0;
    }

    static BodyFramer length(long length) {
        return new BodyFramer(Mode.LENGTH, length);
    }

    static BodyFramer chunked() {
        return new BodyFramer(Mode.CHUNKED, 0);
    }

    static BodyFramer untilClose() {
        return new BodyFramer(Mode.UNTIL_CLOSE, 0);
    }

    boolean isDone() {
        return done;
    }

    boolean isChunked() {
        return mode == Mode.CHUNKED;
    }

    boolean endsAtClose() {
        return mode == Mode.UNTIL_CLOSE;
    }

    /**
     * Scans {@code buf[from, to)}, which continues the body.
     *
     * @param sink receives chunk payload ranges, or {@code null} when the caller relays the raw framing
     * @return the index just after the body's last byte, {@link #CONTINUES}, or {@link #MALFORMED}
     */
    int scan(ByteBuf buf, int from, int to, PayloadSink sink) {
        switch (mode) {
            case LENGTH:
                if (to - from >= remaining) {
                    int end = from + (int) remaining;
                    remaining = 0;
                    done = true;
                    return end;
                }
                remaining -= to - from;
                return CONTINUES;
            case UNTIL_CLOSE:
                return CONTINUES;
            default:
                return scanChunked(buf, from, to, sink);
        }
    }

    private int scanChunked(ByteBuf buf, int i, int to, PayloadSink sink) {
        while (i < to) {
            if (chunk == Chunk.DATA) {
                int n = (int) Math.min(remaining, to - i);
                if (sink != null) {
                    sink.payload(buf, i, n);
                }
                i += n;
                remaining -= n;
                if (remaining == 0) {
                    chunk = Chunk.DATA_CR;
                }
                continue;
            }
            byte b = buf.getByte(i++);
            switch (chunk) {
                case SIZE:
                    int digit = hex(b);
                    if (digit >= 0 && sizeDigits < MAX_SIZE_DIGITS) {
                        remaining = remaining << 4 | digit;
                        sizeDigits++;
                    } else if (sizeDigits > 0 && (b == ';' || b == ' ' || b == '\t')) {
                        chunk = Chunk.EXTENSION;
                    } else if (sizeDigits > 0 && b == '\r') {
                        chunk = Chunk.SIZE_LF;
                    } else {
                        return MALFORMED;
                    }
                    break;
                case EXTENSION:
                    if (b == '\r') {
                        chunk = Chunk.SIZE_LF;
                    } else if ((b >= 0 && b < ' ' && b != '\t') || b == 0x7f) {
                        return MALFORMED;
                    }
                    break;
                case SIZE_LF:
                    if (b != '\n') {
                        return MALFORMED;
                    }
                    chunk = remaining == 0 ? Chunk.TRAILER_START : Chunk.DATA;
                    sizeDigits = 0;
                    break;
                case DATA_CR:
                    if (b != '\r') {
                        return MALFORMED;
                    }
                    chunk = Chunk.DATA_LF;
                    break;
                case DATA_LF:
                    if (b != '\n') {
                        return MALFORMED;
                    }
                    chunk = Chunk.SIZE;
                    break;
                case TRAILER_START:
                    if (b == '\r') {
                        chunk = Chunk.LAST_LF;
                        break;
                    }
                    chunk = Chunk.TRAILER_LINE;
                    if (!trailerByte(b)) {
                        return MALFORMED;
                    }
                    break;
                case TRAILER_LINE:
                    if (b == '\r') {
                        chunk = Chunk.TRAILER_LF;
                    } else if (!trailerByte(b)) {
                        return MALFORMED;
                    }
                    break;
                case TRAILER_LF:
                    if (b != '\n') {
                        return MALFORMED;
                    }
                    chunk = Chunk.TRAILER_START;
                    break;
                case LAST_LF:
                    if (b != '\n') {
                        return MALFORMED;
                    }
                    done = true;
                    return i;
                default:
                    throw new IllegalStateException(chunk.name());
            }
        }
        return CONTINUES;
    }

    private boolean trailerByte(byte b) {
        return ++trailerBytes <= MAX_TRAILER_BYTES && !((b >= 0 && b < ' ' && b != '\t') || b == 0x7f);
    }

    private static int hex(byte b) {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        int lower = b | 0x20;
        return lower >= 'a' && lower <= 'f' ? lower - 'a' + 10 : -1;
    }
}
