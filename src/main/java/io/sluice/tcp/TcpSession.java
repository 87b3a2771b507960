package io.sluice.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.concurrent.ScheduledFuture;
import io.sluice.cluster.CloseReason;
import io.sluice.cluster.KeyHash;
import io.sluice.cluster.Server;
import io.sluice.config.Balance;
import io.sluice.http.ProxyLoop;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * One TCP pass-through session: the client connection and its server connection, relaying bytes both ways with
 * backpressure (a side is read only while the other can take more), half-close propagated both ways (a client
 * that shuts its write side still gets the whole answer), a reset propagated as a reset. The client is not read
 * until a server connection is up, so bytes it sends early wait in its socket and nothing is lost when a connect
 * fails and the next server is tried.
 */
final class TcpSession extends ChannelInboundHandlerAdapter {
    /** Most bytes held from a client whose server is not connected yet. */
    static final int MAX_EARLY_BYTES = 256 * 1024;

    private final TcpListener listener;
    private final ProxyLoop loop;
    private Channel client;
    private Channel serverChannel;
    private Server server;
    private long tried;
    private boolean clientInputDone;
    private boolean serverInputDone;
    /** When a byte last went either way; the idle check closes the session {@code body_idle} after it. */
    private long lastActivity;
    private ScheduledFuture<?> idleCheck;
    /** Bytes the client sent before a server was connected (the kernel reads them with a half-close). */
    private CompositeByteBuf early;

    TcpSession(TcpListener listener, ProxyLoop loop) {
        this.listener = listener;
        this.loop = loop;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        client = ctx.channel(); // accepted with auto-read off: nothing is read before a server is connected
        lastActivity = System.nanoTime();
        scheduleIdleCheck(listener.idleNanos);
        connectNext();
    }

    private void scheduleIdleCheck(long delayNanos) {
        idleCheck = client.eventLoop().schedule(this::checkIdle, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void checkIdle() {
        long idleFor = System.nanoTime() - lastActivity;
        if (idleFor >= listener.idleNanos) {
            closeBoth();
        } else if (client.isActive()) {
            scheduleIdleCheck(listener.idleNanos - idleFor);
        }
    }

    private void connectNext() {
        long key = listener.cluster.config().balance() == Balance.CONSISTENT_HASH
                ? KeyHash.hash(((InetSocketAddress) client.remoteAddress()).getAddress().getAddress()) : 0;
        int index;
        Server candidate;
        for (;;) {
            index = loop.balancer(listener.cluster).pick(tried, key);
            if (index < 0) {
                client.close(); // no server left: the client sees its connection closed
                return;
            }
            tried |= 1L << index;
            candidate = listener.cluster.servers().get(index);
            if (candidate.tryAcquireSlot()) {
                break;
            }
        }
        Server chosen = candidate;
        chosen.countConnect();
        ChannelFuture f = loop.connector(listener.cluster)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .handler(new ServerSide())
                .connect(chosen.address());
        f.addListener((ChannelFutureListener) done -> connected(chosen, done));
    }

    private void connected(Server chosen, ChannelFuture done) {
        if (!done.isSuccess()) {
            chosen.releaseSlot();
            chosen.countConnectFailure();
            chosen.requestFailed();
            if (client.isActive()) {
                connectNext();
            }
            return;
        }
        server = chosen;
        serverChannel = done.channel();
        server.requestStarted();
        serverChannel.closeFuture().addListener(f -> {
            server.requestEnded();
            server.countClose(CloseReason.SERVER_CLOSE);
            server.releaseSlot();
        });
        if (!client.isActive()) {
            serverChannel.close();
            return;
        }
        server.requestSucceeded();
        if (early != null) {
            serverChannel.write(early, serverChannel.voidPromise());
            early = null;
        }
        if (clientInputDone) {
            shutdownOutputAfterFlush(serverChannel);
        } else {
            serverChannel.flush();
            client.config().setAutoRead(true);
        }
    }

    // ---- client side

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        lastActivity = System.nanoTime();
        ByteBuf in = (ByteBuf) msg;
        if (serverChannel != null) {
            serverChannel.write(in, serverChannel.voidPromise());
            return;
        }
        if (early == null) {
            early = client.alloc().compositeBuffer();
        }
        early.addComponent(true, in);
        if (early.readableBytes() > MAX_EARLY_BYTES) {
            closeBoth(); // a client is not read before its server is up; this one pushed past a socket's worth
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (serverChannel != null) {
            serverChannel.flush();
            if (!serverChannel.isWritable()) {
                client.config().setAutoRead(false); // the server does not keep up: stop reading the client
            }
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (client.isWritable() && serverChannel != null && !serverInputDone) {
            serverChannel.config().setAutoRead(true);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            clientInputDone = true;
            if (serverChannel != null) {
                shutdownOutputAfterFlush(serverChannel);
            }
            closeIfBothDone();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (serverChannel != null) {
            serverChannel.close();
        }
        if (idleCheck != null) {
            idleCheck.cancel(false);
        }
        if (early != null) {
            early.release();
            early = null;
        }
        listener.limiter.closed();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        resetPeer(serverChannel, cause);
        ctx.close();
    }

    /** Relays a half-close: after every byte written so far, the peer's write side is shut. */
    private static void shutdownOutputAfterFlush(Channel peer) {
        if (peer instanceof DuplexChannel duplex) {
            peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> duplex.shutdownOutput());
        }
    }

    /** Both sides have sent everything: each closes once what is queued for it is written. */
    private void closeIfBothDone() {
        if (clientInputDone && serverInputDone) {
            client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            serverChannel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private void closeBoth() {
        client.close();
        if (serverChannel != null) {
            serverChannel.close();
        }
    }

    /** A reset on one side becomes a reset on the other (SO_LINGER 0), not a clean close. */
    private static void resetPeer(Channel peer, Throwable cause) {
        if (peer == null || !(cause instanceof IOException)) {
            return;
        }
        peer.config().setOption(ChannelOption.SO_LINGER, 0);
        peer.close();
    }

    /** The server connection's handler: the mirror of the client side. */
    private final class ServerSide extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            lastActivity = System.nanoTime();
            client.write(msg, client.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            client.flush();
            if (!client.isWritable()) {
                ctx.channel().config().setAutoRead(false); // the client does not keep up: stop reading the server
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable() && !clientInputDone) {
                client.config().setAutoRead(true);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                serverInputDone = true;
                shutdownOutputAfterFlush(client);
                closeIfBothDone();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            // what the server sent before it went goes out first
            client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            resetPeer(client, cause);
            ctx.close();
        }
    }
}
