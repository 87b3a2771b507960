package io.sluice.http;

import io.netty.buffer.ByteBuf;

/** Finds the end of an HTTP head (the blank line) in bytes that may still be arriving. */
final class HeadScanner {
    static final int INCOMPLETE = -1;

    private HeadScanner() {
    }

    /**
     * Searches {@code buf} from {@code from} (an absolute index where a previous search left off) for the blank
     * line ending a head. A bare-LF blank line also ends it, so the parser can reject it at once instead of
     * waiting for bytes that never come.
     *
     * @return the index just after the blank line, or {@link #INCOMPLETE}
     */
    static int findEnd(ByteBuf buf, int from) {
        int end = buf.writerIndex();
        int i = from;
        while (i < end) {
            int lf = buf.indexOf(i, end, (byte) '\n');
            if (lf < 0) {
                return INCOMPLETE;
            }
            if (lf + 1 < end && buf.getByte(lf + 1) == '\n') {
                return lf + 2;
            }
            if (lf + 2 < end && buf.getByte(lf + 1) == '\r' && buf.getByte(lf + 2) == '\n') {
                return lf + 3;
            }
            if (lf + 2 >= end) {
                return INCOMPLETE;
            }
            i = lf + 1;
        }
        return INCOMPLETE;
    }

    /** Where the next search should resume: a few bytes back, so a blank line split across reads is found. */
    static int resumeFrom(ByteBuf buf, int start) {
        return Math.max(start, buf.writerIndex() - 3);
    }
}
