package io.sluice.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.FileRegion;
import io.netty.channel.MessageSizeEstimator;

/**
 * Sizes what is written to a client channel for its write watermarks, file regions included: Netty's default
 * counts a {@link FileRegion} as 0 bytes, so spilled parts of a held response would never make the channel
 * unwritable and would all be handed over at once, out of reach of backpressure and timers.
 */
public final class WriteSizeEstimator implements MessageSizeEstimator {
    public static final WriteSizeEstimator INSTANCE = new WriteSizeEstimator();

    private static final Handle HANDLE = msg -> {
        if (msg instanceof ByteBuf buf) {
            return buf.readableBytes();
        }
        if (msg instanceof ByteBufHolder holder) {
            return holder.content().readableBytes();
        }
        if (msg instanceof FileRegion region) {
            return (int) Math.min(Integer.MAX_VALUE, region.count() - region.transferred());
        }
        return 8;
    };

    private WriteSizeEstimator() {
    }

    @Override
    public Handle newHandle() {
        return HANDLE;
    }
}
