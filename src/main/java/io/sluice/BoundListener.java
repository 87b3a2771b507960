package io.sluice;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.sluice.cluster.Cluster;
import io.sluice.config.ListenerConfig;
import io.sluice.config.Protocol;
import io.sluice.http.HttpListener;
import io.sluice.http.ProxyLoop;
import io.sluice.http.WriteSizeEstimator;
import io.sluice.listener.AcceptLimiter;
import io.sluice.listener.ClientCloseReason;
import io.sluice.listener.ListenerStats;
import io.sluice.listener.Screen;
import io.sluice.listener.ScreenGate;
import io.sluice.route.RouteTable;
import io.sluice.tcp.TcpListener;
import io.sluice.telemetry.AccessLog;

import java.net.InetSocketAddress;
import java.util.Map;

/**
 * One listening socket and what its connections share. A reload that keeps the socket ({@link #keepsSocketFor})
 * updates it in place: new routes, clusters, limits and timeouts for the requests and connections from then on,
 * the same socket, connection count and client table. Any other change binds a new socket.
 */
final class BoundListener {
    private static final int ACCEPT_BACKLOG = 4096;
    private static final LoopSharedReceiveAllocator CLIENT_RECEIVE_ALLOCATOR = new LoopSharedReceiveAllocator();

    private final Channel channel;
    private final ListenerStats stats;
    private final AcceptLimiter limiter;
    /** Screens clients when the config asks for it, else {@code null}. */
    private final Screen screen;
    private ListenerConfig config;
    /** The current generation: one of the two, as the protocol says. */
    private HttpListener http;
    private TcpListener tcp;

    private BoundListener(Channel channel, ListenerConfig config, ListenerStats stats, AcceptLimiter limiter,
                          Screen screen, HttpListener http, TcpListener tcp) {
        this.channel = channel;
        this.config = config;
        this.stats = stats;
        this.limiter = limiter;
        this.screen = screen;
        this.http = http;
        this.tcp = tcp;
    }

    /**
     * Binds {@code l} at {@code address} (its configured one, or the port a socket it replaces got for port 0).
     *
     * @param accepting accept connections at once; else only after {@link #startAccepting()} (a reload binds first,
     *                  then gives the event loops the clusters its routes use)
     * @throws RuntimeException when the socket cannot be bound
     */
    static BoundListener bind(ListenerConfig l, InetSocketAddress address, Map<String, Cluster> clusters,
                              AccessLog accessLog, Transports transports, EventLoopGroup group,
                              Map<EventLoop, ProxyLoop> loops, boolean accepting) {
        ListenerStats stats = new ListenerStats();
        AcceptLimiter limiter = new AcceptLimiter(l.maxConnections(), stats);
        Screen screen = l.screen().active() ? new Screen(l.screen(), stats) : null;
        ServerBootstrap bootstrap = new ServerBootstrap();
        HttpListener http = null;
        TcpListener tcp = null;
        if (l.protocol() == Protocol.TCP) {
            tcp = new TcpListener(l, clusters.get(l.cluster()), limiter, screen, accessLog);
            bootstrap.childHandler(tcp.clientInitializer(loops))
                    // read only once the server connection is up; half-closes are relayed, not taken as closes
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        } else {
            http = new HttpListener(l, new RouteTable(l.routes(), clusters), limiter, screen, accessLog);
            // a client that half-closes after its request (nc -N, scripts) still gets its answers
            bootstrap.childHandler(http.clientInitializer(loops))
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        }
        if (l.socket().sendBuffer() > 0) {
            bootstrap.childOption(ChannelOption.SO_SNDBUF, l.socket().sendBuffer());
        }
        if (l.socket().receiveBuffer() > 0) {
            bootstrap.childOption(ChannelOption.SO_RCVBUF, l.socket().receiveBuffer());
        }
        if (l.socket().reusePort()) {
            transports.reusePort(bootstrap);
        }
        Channel channel = bootstrap
                .group(group)
                .channel(transports.serverChannel())
                .option(ChannelOption.SO_BACKLOG, ACCEPT_BACKLOG)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.AUTO_READ, accepting)
                .handler(screen == null || l.acceptProxy() ? limiter : new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel listening) {
                        listening.pipeline().addLast(new ScreenGate(screen), limiter);
                    }
                })
                // TCP_NODELAY is Netty's default for accepted sockets; setting it again costs a syscall per connection
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, CLIENT_RECEIVE_ALLOCATOR)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, ProxyLoop.WATERMARK)
                .childOption(ChannelOption.MESSAGE_SIZE_ESTIMATOR, WriteSizeEstimator.INSTANCE)
                .bind(address)
                .syncUninterruptibly()
                .channel();
        return new BoundListener(channel, l, stats, limiter, screen, http, tcp);
    }

    /**
     * Whether a reload to {@code next} can keep this socket: same address, protocol, socket options, PROXY
     * protocol and screen. Routes, clusters, limits, timeouts and {@code max_connections} can change in place.
     */
    boolean keepsSocketFor(ListenerConfig next) {
        return next.address().equals(config.address()) && next.protocol() == config.protocol()
                && next.socket().equals(config.socket()) && next.acceptProxy() == config.acceptProxy()
                && next.screen().equals(config.screen());
    }

    /** Makes {@code next} (see {@link #keepsSocketFor}) the configuration of new requests and connections. */
    void update(ListenerConfig next, Map<String, Cluster> clusters, AccessLog accessLog) {
        if (http != null) {
            HttpListener generation = new HttpListener(next, new RouteTable(next.routes(), clusters, http.routes()),
                    limiter, screen, accessLog);
            http.replaceWith(generation);
            http = generation;
        } else {
            TcpListener generation = new TcpListener(next, clusters.get(next.cluster()), limiter, screen, accessLog);
            tcp.replaceWith(generation);
            tcp = generation;
        }
        if (next.maxConnections() != config.maxConnections()) {
            limiter.setMax(next.maxConnections());
        }
        config = next;
    }

    /** Starts accepting connections on a socket bound with {@code accepting} false. */
    void startAccepting() {
        channel.config().setAutoRead(true);
    }

    /**
     * Stops accepting and drains: HTTP answers from now on close their connections; TCP sessions and tunnels go on
     * until they end.
     */
    ChannelFuture stop(ClientCloseReason why) {
        if (http != null) {
            http.drain(why);
        }
        return channel.close();
    }

    boolean accepting() {
        return channel.isOpen();
    }

    /** Client connections still open, accepted through this socket. */
    int connections() {
        return stats.connections();
    }

    ListenerConfig config() {
        return config;
    }

    ListenerStats stats() {
        return stats;
    }

    InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }
}
