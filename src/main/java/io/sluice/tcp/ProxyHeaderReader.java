package io.sluice.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.sluice.listener.Screen;

import java.util.concurrent.TimeUnit;

/**
 * Reads the PROXY protocol header (version 1 or 2) a balancer in front sends first on every connection, for listeners
 * with {@code accept_proxy: true}. It goes first in the pipeline of an accepted connection and holds everything back
 * until the header is in: the handlers after it see nothing of a connection whose header is not.
 *
 * <p>On a valid header it leaves the pipeline and passes on, in this order, a {@link ProxiedConnection} user event,
 * {@code channelActive}, and any bytes read past the header as one {@code channelRead} and a
 * {@code channelReadComplete}. On an invalid or oversized header, an end of input before the header is complete, or
 * when the header takes longer than the timeout, or when the screen refuses the client the header names, it closes
 * the connection without a word, and the next handlers get
 * only {@code channelInactive} (without a {@code channelActive} before it). It asks for reads itself, so it works with auto-read off.
 *
 * <p>Confined to the channel's event loop, like every handler; one instance per connection.
 */
public final class ProxyHeaderReader extends ChannelInboundHandlerAdapter {
    private final long timeoutNanos;
    private final Screen screen;
    private final ProxyHeaderParser parser = new ProxyHeaderParser();
    /** Bytes received so far, header first; null before the first read and once decided. */
    private ByteBuf pending;
    private ScheduledFuture<?> timeout;
    /** The header was accepted or the connection refused: nothing more is read or passed on by this handler. */
    private boolean decided;

    /**
     * @param timeoutNanos time allowed from {@code channelActive} until the whole header is in
     * @param screen       screens the client the header names, or {@code null}
     */
    public ProxyHeaderReader(long timeoutNanos, Screen screen) {
        if (timeoutNanos <= 0) {
            throw new IllegalArgumentException("timeoutNanos: " + timeoutNanos + " (expected: > 0)");
        }
        this.timeoutNanos = timeoutNanos;
        this.screen = screen;
    }


    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        // held back: the next handlers learn of the connection once they can know whom it is for
        timeout = ctx.channel().eventLoop().schedule(() -> refuse(ctx), timeoutNanos, TimeUnit.NANOSECONDS);
        ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (decided || !(msg instanceof ByteBuf in)) {
            // the rest of a read loop after a refusal, or something no TCP connection reads: dropped
            ReferenceCountUtil.release(msg);
            refuse(ctx);
            return;
        }
        append(ctx, in);
        int length = parser.parse(pending);
        if (length == ProxyHeaderParser.INVALID) {
            refuse(ctx);
        } else if (length != ProxyHeaderParser.INCOMPLETE) {
            accept(ctx, length);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // not passed on: the next handlers have seen no read yet
        if (!decided) {
            ctx.read();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            // end of input (half-closure allowed) before the header was complete
            refuse(ctx);
        } else if (!decided) {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        // passed on although the next handlers never saw the connection active: they count closes
        decided = true;
        release();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // a reset before the header is the client's business, and nobody after this handler knows the connection
        refuse(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        release();
    }

    private void append(ChannelHandlerContext ctx, ByteBuf in) {
        if (pending == null) {
            pending = in;
            return;
        }
        try {
            // a buffer from a read is ours alone (refCnt 1) and may be written; one passed by a test may be full
            if (pending.refCnt() != 1 || pending.isReadOnly() || pending.maxWritableBytes() < in.readableBytes()) {
                ByteBuf merged = ctx.alloc().buffer(pending.readableBytes() + in.readableBytes());
                merged.writeBytes(pending);
                pending.release();
                pending = merged;
            }
            pending.writeBytes(in);
        } finally {
            in.release();
        }
    }

    private void accept(ChannelHandlerContext ctx, int headerLength) {
        ProxiedConnection connection = parser.connection(ctx.channel());
        if (screen != null && !screen.admit(ctx.channel(), connection.source().getAddress())) {
            refuse(ctx);
            return;
        }
        decided = true;
        cancelTimeout();
        ByteBuf rest = pending.skipBytes(headerLength);
        pending = null;
        ctx.pipeline().remove(this);
        ctx.fireUserEventTriggered(connection);
        ctx.fireChannelActive();
        if (rest.isReadable()) {
            ctx.fireChannelRead(rest);
            ctx.fireChannelReadComplete();
        } else {
            rest.release();
        }
    }

    /** Closes the connection, sending nothing; idempotent. */
    private void refuse(ChannelHandlerContext ctx) {
        if (decided) {
            return;
        }
        decided = true;
        release();
        ctx.close();
    }

    private void release() {
        cancelTimeout();
        if (pending != null) {
            pending.release();
            pending = null;
        }
    }

    private void cancelTimeout() {
        if (timeout != null) {
            timeout.cancel(false);
        }
    }
}
