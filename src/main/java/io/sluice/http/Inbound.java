package io.sluice.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** Accumulating bytes that arrive in several reads, without ever writing into memory a queued slice still uses. */
final class Inbound {
    private Inbound() {
    }

    /**
     * Appends {@code in} to {@code pending} (either may be kept, both are released if not) and returns the buffer
     * that now holds the unread bytes of both. Readable bytes keep their offsets from the reader index.
     */
    static ByteBuf append(ByteBufAllocator alloc, ByteBuf pending, ByteBuf in) {
        if (pending == null) {
            return in;
        }
        // refCnt 1: no retained slice of pending is queued for writing, so its free space may be written
        if (pending.refCnt() == 1 && pending.maxFastWritableBytes() >= in.readableBytes()) {
            pending.writeBytes(in);
            in.release();
            return pending;
        }
        ByteBuf merged = alloc.buffer(pending.readableBytes() + in.readableBytes());
        merged.writeBytes(pending);
        merged.writeBytes(in);
        pending.release();
        in.release();
        return merged;
    }

    /** Translates a head-scan position from {@code before}'s indexes to {@code after}'s (-1 stays -1). */
    static int moveScan(int scanFrom, ByteBuf before, int beforeReaderIndex, ByteBuf after) {
        if (scanFrom < 0 || before == after) {
            return scanFrom;
        }
        return after.readerIndex() + (scanFrom - beforeReaderIndex);
    }
}
