package io.sluice.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.sluice.cluster.CloseReason;
import io.sluice.pool.PooledConnection;

/**
 * The one handler of a server connection. While leased it feeds the bound exchange; while idle in the pool any
 * byte or close evicts the connection at once, so a stale connection is dropped before a request can use it.
 */
final class ServerConnection extends ChannelInboundHandlerAdapter implements ConnectionTimer.Owner {
    final PooledConnection pooled;
    final ReadGate gate = new ReadGate();
    final ConnectionTimer timer;
    final long responseTimeoutNanos;
    private Exchange exchange;

    ServerConnection(PooledConnection pooled, ProxyLoop loop, long responseTimeoutNanos) {
        this.pooled = pooled;
        this.responseTimeoutNanos = responseTimeoutNanos;
        this.timer = new ConnectionTimer(loop, this);
        pooled.attach(this);
    }

    void bind(Exchange exchange) {
        this.exchange = exchange;
    }

    /** Detaches the finished exchange; reading resumes so that the idle connection notices a close. */
    void unbind() {
        exchange = null;
        timer.disarm();
        gate.clear(pooled.channel());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        Exchange e = exchange;
        if (e == null) {
            in.release();
            pooled.close(CloseReason.UNEXPECTED_DATA);
            return;
        }
        e.serverBytes(in);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        Exchange e = exchange;
        if (e != null) {
            e.flushClient();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Exchange e = exchange;
        if (e != null && ctx.channel().isWritable()) {
            e.serverWritable();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        timer.disarm();
        Exchange e = exchange;
        if (e != null) {
            e.serverFailed(CloseReason.SERVER_CLOSE);
        }
        pooled.channelClosed();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Exchange e = exchange;
        if (e != null) {
            e.serverFailed(CloseReason.ERROR);
        } else {
            pooled.close(CloseReason.ERROR);
        }
    }

    @Override
    public void timedOut() {
        Exchange e = exchange;
        if (e != null) {
            e.serverTimedOut();
        }
    }
}
