package io.sluice.tcp;

import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.util.UncheckedBooleanSupplier;

/**
 * The receive allocator of one spliced channel, counting the bytes each read cycle moves. Netty's splice reports
 * what it moved only to the receive handle, and the relay needs it: a cycle that moved nothing after the peer
 * sent its FIN is the true end of the stream (an earlier cycle may have stopped at a full pipe with bytes still
 * in the socket), and a session with bytes moving is not idle.
 */
final class SplicedBytes implements RecvByteBufAllocator {
    private final Counting handle = new Counting(new AdaptiveRecvByteBufAllocator().newHandle());
    private long total;

    @Override
    public Handle newHandle() {
        return handle;
    }

    /** Bytes read since the last call. */
    long take() {
        long n = total;
        total = 0;
        return n;
    }

    private final class Counting extends DelegatingHandle implements ExtendedHandle {
        Counting(Handle delegate) {
            super(delegate);
        }

        @Override
        public void lastBytesRead(int bytes) {
            if (bytes > 0) {
                total += bytes;
            }
            super.lastBytesRead(bytes);
        }

        @Override
        public boolean continueReading(UncheckedBooleanSupplier maybeMoreDataSupplier) {
            return ((ExtendedHandle) delegate()).continueReading(maybeMoreDataSupplier);
        }
    }
}
