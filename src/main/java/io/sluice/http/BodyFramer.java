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

    /**
     * Where the scan is in chunked framing (RFC 9112 §7.1). A chunk line is
     * {@code chunk-size *( BWS ";" BWS ext-name [ BWS "=" BWS ( token / quoted-string ) ] ) CRLF}: the EXT_ states
     * walk that grammar. The TRAILER_ states walk the field lines of the trailer section.
     */
    private enum Chunk {
        SIZE(false),
        /** Whitespace after the size or after an extension value: only more whitespace or ';' may follow. */
        EXT_BEFORE_SEMI(true),
        /** After ';': whitespace, then an extension name. */
        EXT_BEFORE_NAME(true),
        EXT_NAME(true),
        /** Whitespace after a name: '=' or ';' must follow. */
        EXT_AFTER_NAME(true),
        /** After '=': whitespace, then a token or a quoted string. */
        EXT_BEFORE_VALUE(true),
        EXT_TOKEN(true),
        EXT_QUOTED(true),
        /** After a backslash in a quoted string. */
        EXT_QUOTED_PAIR(true),
        /** After a closing quote: whitespace, ';' or CR. */
        EXT_AFTER_QUOTED(true),
        SIZE_LF(false),
        DATA(false),
        DATA_CR(false),
        DATA_LF(false),
        /** At the start of a trailer line, or of the final blank line. */
        TRAILER_START(false),
        TRAILER_NAME(false),
        TRAILER_VALUE(false),
        TRAILER_LF(false),
        LAST_LF(false);

        /** Inside the chunk extensions of a chunk line. */
        final boolean extension;

        Chunk(boolean extension) {
            this.extension = extension;
        }
    }

    /** Hex digits of a chunk size: at most 15, so the size stays below 2^60 and never overflows. */
    private static final int MAX_SIZE_DIGITS = 15;
    /** Bytes of chunk extensions on one chunk line, from the end of the size to the CR. */
    static final int MAX_EXTENSION_BYTES = 4 * 1024;
    /** Bytes of the trailer section's field lines, line ends not counted. */
    static final int MAX_TRAILER_BYTES = 8 * 1024;

    private final Mode mode;
    private long remaining;
    /** Chunked: the sizes of the chunks begun so far, added up (saturating). */
    private long declaredPayload;
    private Chunk chunk = Chunk.SIZE;
    private int sizeDigits;
    private int extensionBytes;
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

    /**
     * Chunked: the payload announced by the chunk sizes read so far, a chunk counting in full as soon as its size
     * line is in, so that a body over a limit is caught before its oversized chunk is relayed.
     */
    long declaredPayload() {
        return declaredPayload;
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
            if (chunk.extension) {
                if (b == '\r') {
                    if (!extensionMayEnd(chunk)) {
                        return MALFORMED;
                    }
                    chunk = Chunk.SIZE_LF;
                    continue;
                }
                if (++extensionBytes > MAX_EXTENSION_BYTES) {
                    return MALFORMED;
                }
                Chunk next = extension(chunk, b);
                if (next == null) {
                    return MALFORMED;
                }
                chunk = next;
                continue;
            }
            switch (chunk) {
                case SIZE:
                    int digit = Ascii.hexValue(b);
                    if (digit >= 0) {
                        if (sizeDigits == MAX_SIZE_DIGITS) {
                            return MALFORMED;
                        }
                        remaining = remaining << 4 | digit;
                        sizeDigits++;
                    } else if (sizeDigits == 0) {
                        return MALFORMED;
                    } else if (b == '\r') {
                        chunk = Chunk.SIZE_LF;
                    } else if (b == ';') {
                        extensionBytes = 1;
                        chunk = Chunk.EXT_BEFORE_NAME;
                    } else if (b == ' ' || b == '\t') {
                        extensionBytes = 1;
                        chunk = Chunk.EXT_BEFORE_SEMI;
                    } else {
                        return MALFORMED;
                    }
                    break;
                case SIZE_LF:
                    if (b != '\n') {
                        return MALFORMED;
                    }
                    chunk = remaining == 0 ? Chunk.TRAILER_START : Chunk.DATA;
                    declaredPayload = Math.min(Long.MAX_VALUE / 2, declaredPayload + remaining);
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
                    // a field name: a token, so also no obs-fold (a line starting with whitespace)
                    if (!Ascii.isTchar(b) || !trailerByte()) {
                        return MALFORMED;
                    }
                    chunk = Chunk.TRAILER_NAME;
                    break;
                case TRAILER_NAME:
                    if (!trailerByte()) {
                        return MALFORMED;
                    }
                    if (b == ':') {
                        chunk = Chunk.TRAILER_VALUE;
                    } else if (!Ascii.isTchar(b)) {
                        return MALFORMED; // whitespace before the colon, a CR, a control byte...
                    }
                    break;
                case TRAILER_VALUE:
                    if (b == '\r') {
                        chunk = Chunk.TRAILER_LF;
                    } else if (!trailerByte() || Ascii.isCtlNotTab(b)) {
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

    /** Whether a chunk line may end (CR) in this extension state: not after ';', '=' or whitespace. */
    private static boolean extensionMayEnd(Chunk state) {
        return state == Chunk.EXT_NAME || state == Chunk.EXT_TOKEN || state == Chunk.EXT_AFTER_QUOTED;
    }

    /** The extension state after byte {@code b} (not the CR ending the line), or {@code null} if malformed. */
    private static Chunk extension(Chunk state, byte b) {
        boolean ws = b == ' ' || b == '\t';
        switch (state) {
            case EXT_BEFORE_SEMI:
                return ws ? state : b == ';' ? Chunk.EXT_BEFORE_NAME : null;
            case EXT_BEFORE_NAME:
                return ws ? state : Ascii.isTchar(b) ? Chunk.EXT_NAME : null;
            case EXT_NAME:
            case EXT_AFTER_NAME:
                if (state == Chunk.EXT_NAME && Ascii.isTchar(b)) {
                    return state;
                }
                return ws ? Chunk.EXT_AFTER_NAME : b == '=' ? Chunk.EXT_BEFORE_VALUE
                        : b == ';' ? Chunk.EXT_BEFORE_NAME : null;
            case EXT_BEFORE_VALUE:
                return ws ? state : b == '"' ? Chunk.EXT_QUOTED : Ascii.isTchar(b) ? Chunk.EXT_TOKEN : null;
            case EXT_TOKEN:
            case EXT_AFTER_QUOTED:
                if (state == Chunk.EXT_TOKEN && Ascii.isTchar(b)) {
                    return state;
                }
                return ws ? Chunk.EXT_BEFORE_SEMI : b == ';' ? Chunk.EXT_BEFORE_NAME : null;
            case EXT_QUOTED:
                // qdtext (HTAB, SP, VCHAR but '"' and '\\', obs-text), a quoted-pair, or the closing quote
                return b == '"' ? Chunk.EXT_AFTER_QUOTED : b == '\\' ? Chunk.EXT_QUOTED_PAIR
                        : Ascii.isCtlNotTab(b) ? null : state;
            case EXT_QUOTED_PAIR:
                return Ascii.isCtlNotTab(b) ? null : Chunk.EXT_QUOTED;
            default:
                throw new IllegalStateException(state.name());
        }
    }

    private boolean trailerByte() {
        return ++trailerBytes <= MAX_TRAILER_BYTES;
    }
}
