package io.sluice.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.sluice.cluster.CloseReason;
import io.sluice.cluster.KeyHash;
import io.sluice.cluster.Server;
import io.sluice.config.Balance;
import io.sluice.config.SendProxy;
import io.sluice.http.ProxyLoop;


/**
 * Opens the server connection of one TCP pass-through client, then hands both to a {@link Relay}. The server is
 * picked by the cluster's balancer within its {@code max_connections}; a failed connect tries the next server.
 * The client is not read until a server connection is up, so nothing it sent early is lost when a connect fails;
 * the few bytes the kernel hands over anyway (with a FIN) are held, up to {@link #MAX_EARLY_BYTES}.
 */
final class TcpSession extends ChannelInboundHandlerAdapter {
    /** Most bytes held from a client whose server is not connected yet. */
    static final int MAX_EARLY_BYTES = 256 * 1024;

    private final TcpListener listener;
    private final ProxyLoop loop;
    private Channel client;
    private long tried;
    private boolean clientInputShut;
    /** The client as the server should see it: its own addresses, or those of an accepted PROXY header. */
    private ProxiedConnection endpoints;
    /** Bytes the client sent before a server was connected. */
    private CompositeByteBuf early;

    TcpSession(TcpListener listener, ProxyLoop loop) {
        this.listener = listener;
        this.loop = loop;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        client = ctx.channel();
        if (endpoints == null) {
            endpoints = ProxiedConnection.of(client);
        }
        connectNext();
    }

    private void connectNext() {
        long key = listener.cluster.config().balance() == Balance.CONSISTENT_HASH
                ? KeyHash.hash(endpoints.source().getAddress().getAddress()) : 0;
        Server chosen;
        for (;;) {
            int index = loop.balancer(listener.cluster).pick(tried, key);
            if (index < 0) {
                client.close(); // no server left: the client sees its connection closed
                return;
            }
            tried |= 1L << index;
            chosen = listener.cluster.servers().get(index);
            if (chosen.tryAcquireSlot()) {
                break;
            }
        }
        Server server = chosen;
        server.countConnect();
        var connect = loop.connector(listener.cluster)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.AUTO_READ, false)
                .handler(new ChannelInboundHandlerAdapter());
        if (listener.config.splice()) {
            connect.option(ChannelOption.RCVBUF_ALLOCATOR, new SplicedBytes());
        }
        Transparent.connect(connect, server, endpoints.source().getAddress())
                .addListener(f -> connected(server, (ChannelFuture) f));
    }

    private void connected(Server server, ChannelFuture done) {
        if (!done.isSuccess()) {
            server.releaseSlot();
            server.countConnectFailure();
            server.requestFailed();
            if (client.isActive()) {
                connectNext();
            }
            return;
        }
        Channel serverChannel = done.channel();
        server.requestStarted();
        server.countRequest();
        if (!client.isActive()) {
            serverChannel.close();
            server.requestEnded();
            server.releaseSlot();
            server.countClose(CloseReason.CLIENT_ABORT);
            return;
        }
        server.requestSucceeded();
        client.pipeline().remove(this);
        ByteBuf toServer = early;
        early = null;
        SendProxy proxy = server.config().sendProxy();
        if (proxy != SendProxy.OFF) {
            ByteBuf header = ProxyHeader.of(proxy, client.alloc(), endpoints);
            toServer = toServer == null ? header : Unpooled.wrappedBuffer(header, toServer);
        }
        Relay.join(client, serverChannel, toServer, null, clientInputShut, listener.config.timeouts(), () -> {
            server.requestEnded();
            server.releaseSlot();
            server.countClose(CloseReason.SERVER_CLOSE);
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (early == null) {
            early = client.alloc().compositeBuffer();
        }
        early.addComponent(true, (ByteBuf) msg);
        if (early.readableBytes() > MAX_EARLY_BYTES) {
            client.close(); // not read before its server is up, yet it pushed past what a socket buffer holds
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ProxiedConnection p) {
            endpoints = p; // before channelActive
        } else if (evt instanceof ChannelInputShutdownEvent) {
            clientInputShut = true; // read up to its FIN: everything the client sent is in early
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (early != null) {
            early.release();
            early = null;
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
