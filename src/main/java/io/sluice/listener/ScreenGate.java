package io.sluice.listener;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.net.InetSocketAddress;

/**
 * Screens each accepted connection in the listening channel's pipeline, before the {@link AcceptLimiter} counts it:
 * a refused connection is closed at once and never reaches an event loop. Not used on {@code accept_proxy}
 * listeners, whose real clients are known only from the PROXY header.
 */
@ChannelHandler.Sharable
public final class ScreenGate extends ChannelInboundHandlerAdapter {
    private final Screen screen;

    public ScreenGate(Screen screen) {
        this.screen = screen;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Channel child = (Channel) msg;
        if (!(child.remoteAddress() instanceof InetSocketAddress remote)
                || !screen.admit(child, remote.getAddress())) {
            child.unsafe().closeForcibly();
            return;
        }
        ctx.fireChannelRead(child);
        if (!child.isOpen()) {
            screen.release(child); // refused by the AcceptLimiter after it, closed without a close future
        }
    }
}
