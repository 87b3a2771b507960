package io.sluice.http;

import io.netty.buffer.ByteBuf;
import io.sluice.buffer.HeldBytes;

import java.nio.charset.StandardCharsets;

/**
 * How an exchange's response reaches its client: written straight through (the default), re-chunked (keep-alive
 * rescue of a close-delimited body for an HTTP/1.1 client), or held (route option {@code buffer_response}): read
 * at server speed into {@link HeldBytes} and delivered at the client's speed once the server is done, with a
 * Content-Length the server did not give when the body ended at its close.
 */
final class ResponseOutput {
    private static final byte[] CRLF = Ascii.bytes("\r\n");
    private static final byte[] LAST_CHUNK = Ascii.bytes("0\r\n\r\n");
    private static final byte[] CHUNKED = Ascii.bytes("Transfer-Encoding: chunked\r\n\r\n");
    private static final byte[] CLOSE = Ascii.bytes("Connection: close\r\n\r\n");
    private static final byte[] CONTENT_LENGTH = Ascii.bytes("Content-Length: ");

    private final ClientConnection client;
    private HeldBytes held;
    /** The held head, written when delivery starts; without its blank line while {@link #lengthAtEnd}. */
    private ByteBuf head;
    private boolean chunked;
    /** The held head still needs its Content-Length (known when the body is complete) and blank line. */
    private boolean lengthAtEnd;
    private long bodyBytes;
    private boolean delivering;
    /** The head already carries Connection: close. */
    private boolean saysClose;
    /** Bytes written to the client directly, not through {@link #held}. */
    private long written;

    ResponseOutput(ClientConnection client) {
        this.client = client;
    }

    /** Holds the response instead of writing it: from now until {@link #startDelivery()}. */
    void hold(HeldBytes bytes) {
        held = bytes;
    }

    boolean holding() {
        return held != null;
    }

    boolean delivering() {
        return delivering;
    }

    /** The held head still waits for the body's end to get its Content-Length. */
    boolean awaitingLength() {
        return lengthAtEnd && head != null;
    }

    /**
     * The response head, complete with its blank line, unless the body must be rescued: {@code rechunk} (head
     * without blank line: Transfer-Encoding chunked is added, the body re-chunked), or {@code lengthAtEnd} (held;
     * head without blank line: Content-Length is added once the body is complete).
     */
    void head(ByteBuf h, boolean rechunk, boolean lengthAtEnd, boolean saysClose) {
        this.saysClose = saysClose;
        if (rechunk) {
            h.writeBytes(CHUNKED);
            chunked = true;
        }
        this.lengthAtEnd = lengthAtEnd;
        if (held != null && !delivering) {
            head = h;
        } else {
            toClient(h);
        }
    }

    /**
     * A piece of the body (taken over).
     *
     * @return whether the server may be read on: false when held bytes are over their share of memory and
     *         could not spill
     */
    boolean body(ByteBuf piece) {
        int n = piece.readableBytes();
        bodyBytes += n;
        if (chunked && n > 0) {
            ByteBuf size = client.channel.alloc().buffer(10);
            size.writeCharSequence(Integer.toHexString(n), StandardCharsets.US_ASCII);
            size.writeBytes(CRLF);
            // no short-circuit: every part must be emitted
            return emit(size) & emit(piece) & emit(client.channel.alloc().buffer(2).writeBytes(CRLF));
        }
        return emit(piece);
    }

    private boolean emit(ByteBuf b) {
        if (held == null) {
            toClient(b);
            return true;
        }
        return held.add(b);
    }

    /** The body is complete: ends a re-chunked body, completes a held head. */
    void end() {
        if (chunked) {
            emit(client.channel.alloc().buffer(LAST_CHUNK.length).writeBytes(LAST_CHUNK));
        }
        if (lengthAtEnd && head != null) {
            head.writeBytes(CONTENT_LENGTH);
            Ascii.writeDecimal(head, bodyBytes);
            head.writeBytes(CRLF).writeBytes(CRLF);
            lengthAtEnd = false;
        }
    }

    /**
     * Starts feeding the client what is held. Before the end of the body (held bytes over their share), a head
     * still waiting for its length cannot get one: it says Connection: close instead, and the body ends at close.
     *
     * @return whether the client connection must close after this response because of that
     */
    boolean startDelivery() {
        boolean mustClose = false;
        if (head != null) {
            if (lengthAtEnd) {
                head.writeBytes(saysClose ? CRLF : CLOSE);
                lengthAtEnd = false;
                mustClose = true;
            }
            toClient(head);
            head = null;
        }
        delivering = true;
        return mustClose;
    }

    /**
     * Writes what is held while the client takes it, and flushes.
     *
     * @return whether nothing is held any more
     */
    boolean drain() {
        held.drainTo(client.channel);
        client.flush();
        // the flush can make the channel writable again and a nested delivery drain the rest: ask after it
        return held.isEmpty();
    }

    private void toClient(ByteBuf b) {
        written += b.readableBytes();
        client.write(b);
    }

    /** Bytes handed to the client connection so far, head included. */
    long written() {
        return written + (held == null ? 0 : held.handedOut());
    }

    /** Gives back what is still held (the response was delivered, or will never be). */
    void close() {
        if (head != null) {
            head.release();
            head = null;
        }
        if (held != null) {
            held.close();
        }
    }
}
