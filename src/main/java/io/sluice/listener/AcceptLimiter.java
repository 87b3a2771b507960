package io.sluice.listener;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.util.concurrent.RejectedExecutionException;

/**
 * Enforces a listener's {@code max_connections}. It sits in the listening channel's pipeline, so it sees every
 * accepted connection on the acceptor's own loop and decides there: at the limit, accepting pauses (clients wait
 * in the kernel's backlog) and a connection accepted in the same batch beyond the limit is closed at once; a close
 * on any loop asks the acceptor's loop to re-decide from the current count, which always converges.
 */
@ChannelHandler.Sharable
public final class AcceptLimiter extends ChannelInboundHandlerAdapter {
    private volatile int max;
    private final ListenerStats stats;
    private volatile Channel acceptor;

    public AcceptLimiter(int max, ListenerStats stats) {
        this.max = max;
        this.stats = stats;
    }

    public ListenerStats stats() {
        return stats;
    }

    /** A reload changed {@code max_connections}: accepting pauses or resumes at once as the new limit says. */
    public void setMax(int newMax) {
        max = newMax;
        Channel channel = acceptor;
        if (channel != null) {
            channel.eventLoop().execute(this::update);
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        acceptor = ctx.channel();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Channel child = (Channel) msg;
        if (stats.connections() >= max) {
            stats.refused();
            child.unsafe().closeForcibly();
            return;
        }
        if (stats.opened() >= max) {
            ctx.channel().config().setAutoRead(false);
        }
        ctx.fireChannelRead(child);
    }

    /** A client connection accepted through this limiter closed (any thread). */
    public void closed() {
        if (stats.closed() == max - 1) {
            Channel channel = acceptor;
            try {
                channel.eventLoop().execute(this::update);
            } catch (RejectedExecutionException e) {
                // the loop is stopping: nothing to accept any more
            }
        }
    }

    private void update() {
        acceptor.config().setAutoRead(stats.connections() < max);
    }
}
