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
import io.sluice.listener.ClientCloseReason;
import io.sluice.telemetry.AccessRecord;
import io.sluice.telemetry.Termination;

import java.io.IOException;

/**
 * Opens the server connection of one TCP pass-through client, then hands both to a {@link Relay}. The server is
 * picked by the cluster's balancer within its {@code max_connections}; a failed connect tries the next server.
 * The client is not read until a server connection is up, so nothing it sent early is lost when a connect fails;
 * the few bytes the kernel hands over anyway (with a FIN) are held, up to {@link #MAX_EARLY_BYTES}.
 *
 * <p>A session is counted and logged once, when it ends: here if it ends before its relay starts (no server, the
 * client left), else when the relay has ended.
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
    /** When the session began (the client connection became active), System.nanoTime. */
    private long startNanos;
    /** When the current connect began. */
    private long connectStartNanos;
    /** Time spent connecting, failed tries included. */
    private long connectNanos;
    private int connects;
    private Server server;
    /** The session was counted and logged (it ended before a relay), or handed to a relay that will do it. */
    private boolean ended;

    TcpSession(TcpListener listener, ProxyLoop loop) {
        this.listener = listener;
        this.loop = loop;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        client = ctx.channel();
        startNanos = System.nanoTime();
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
                // no server left: the client sees its connection closed
                end(ClientCloseReason.SERVER_ERROR, Termination.SERVER, Termination.PHASE_CONNECT);
                client.close();
                return;
            }
            tried |= 1L << index;
            chosen = listener.cluster.servers().get(index);
            if (chosen.tryAcquireSlot()) {
                break;
            }
        }
        Server server = chosen;
        this.server = server;
        connects++;
        connectStartNanos = System.nanoTime();
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
        connectNanos += System.nanoTime() - connectStartNanos;
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
        ended = true; // from here the relay's end counts it
        client.pipeline().remove(this);
        ByteBuf toServer = early;
        early = null;
        SendProxy proxy = server.config().sendProxy();
        int headerBytes = 0;
        if (proxy != SendProxy.OFF) {
            ByteBuf header = ProxyHeader.of(proxy, client.alloc(), endpoints);
            headerBytes = header.readableBytes();
            toServer = toServer == null ? header : Unpooled.wrappedBuffer(header, toServer);
        }
        int sentFirst = headerBytes;
        Relay.join(client, serverChannel, toServer, null, clientInputShut, listener.config.timeouts(),
                (end, fromClient, fromServer) -> {
                    server.requestEnded();
                    server.releaseSlot();
                    server.countClose(switch (end) {
                        case CLIENT_CLOSE, CLIENT_ERROR -> CloseReason.CLIENT_CLOSE;
                        case SERVER_CLOSE -> CloseReason.SERVER_CLOSE;
                        case SERVER_ERROR -> CloseReason.ERROR;
                        case TIMEOUT -> CloseReason.TUNNEL_TIMEOUT;
                    });
                    relayEnded(end, fromClient - sentFirst, fromServer);
                });
    }

    /** Counts and logs a session its relay carried, once both connections closed. */
    private void relayEnded(Relay.End end, long fromClient, long fromServer) {
        listener.stats.countClose(end.clientCloseReason());
        listener.stats.sessionEnded(fromClient, fromServer);
        AccessRecord r = newRecord(fromClient, fromServer);
        if (r != null) {
            switch (end) {
                case TIMEOUT -> r.ended(Termination.CLIENT_TIMEOUT, Termination.PHASE_DATA);
                case CLIENT_ERROR -> r.ended(Termination.CLIENT, Termination.PHASE_DATA);
                case SERVER_ERROR -> r.ended(Termination.SERVER, Termination.PHASE_DATA);
                default -> r.ended(Termination.NONE, Termination.NONE);
            }
            listener.accessLog.offer(r);
        }
    }

    /**
     * Counts and logs a session that ends before its relay: {@code reason} is the client connection's close reason,
     * {@code by} and {@code phase} its termination code.
     */
    private void end(ClientCloseReason reason, char by, char phase) {
        if (ended) {
            return;
        }
        ended = true;
        listener.stats.countClose(reason);
        long held = early == null ? 0 : early.readableBytes();
        listener.stats.sessionEnded(held, 0);
        AccessRecord r = newRecord(held, 0);
        if (r != null) {
            r.ended(by, phase);
            listener.accessLog.offer(r);
        }
    }

    /** The access log's record of this session, ending now; {@code null} when the log is off. */
    private AccessRecord newRecord(long fromClient, long toClient) {
        if (listener.accessLog == null) {
            return null;
        }
        AccessRecord r = new AccessRecord();
        r.finish(System.nanoTime() - startNanos, 0, fromClient, toClient, listener.cluster.name());
        r.listener = listener.config.name();
        r.client = endpoints.source();
        r.protocol = "TCP";
        r.server = server == null ? null : server.config().address();
        r.retries = Math.max(0, connects - 1);
        r.connectNanos = connectNanos;
        return r;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (early == null) {
            early = client.alloc().compositeBuffer();
        }
        early.addComponent(true, (ByteBuf) msg);
        if (early.readableBytes() > MAX_EARLY_BYTES) {
            // not read before its server is up, yet it pushed past what a socket buffer holds
            end(ClientCloseReason.PROTOCOL_ERROR, Termination.RESOURCE, Termination.PHASE_CONNECT);
            client.close();
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
        if (client == null) {
            // never active: a bad PROXY header, or its client refused by the screen
            ended = true;
            listener.stats.countClose(ClientCloseReason.PROTOCOL_ERROR);
        } else {
            end(ClientCloseReason.CLIENT_ABORT, Termination.CLIENT, Termination.PHASE_CONNECT);
        }
        if (early != null) {
            early.release();
            early = null;
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException && client != null) {
            end(ClientCloseReason.RESET, Termination.CLIENT, Termination.PHASE_CONNECT);
        }
        ctx.close();
    }
}
