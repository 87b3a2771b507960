package io.sluice;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.sluice.admin.AdminServer;
import io.sluice.buffer.BufferBudget;
import io.sluice.buffer.SpillDirectory;
import io.sluice.cluster.Cluster;
import io.sluice.cluster.Server;
import io.sluice.config.BuffersConfig;
import io.sluice.config.ClusterConfig;
import io.sluice.config.ListenerConfig;
import io.sluice.config.Protocol;
import io.sluice.config.SluiceConfig;
import io.sluice.health.HealthChecker;
import io.sluice.http.HttpListener;
import io.sluice.http.ProxyLoop;
import io.sluice.http.WriteSizeEstimator;
import io.sluice.listener.AcceptLimiter;
import io.sluice.listener.Screen;
import io.sluice.listener.ScreenGate;
import io.sluice.listener.ListenerStats;
import io.sluice.log.Log;
import io.sluice.route.RouteTable;
import io.sluice.tcp.TcpListener;
import io.sluice.telemetry.AccessLog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A running Sluice: event loops, listeners, pools and the admin listener of one configuration. */
public final class Sluice implements AutoCloseable {
    private static final int ACCEPT_BACKLOG = 4096;
    private static final LoopSharedReceiveAllocator CLIENT_RECEIVE_ALLOCATOR = new LoopSharedReceiveAllocator();

    private final SluiceConfig config;
    private final EventLoopGroup group;
    private final Map<String, Cluster> clusters = new LinkedHashMap<>();
    private final Map<EventLoop, ProxyLoop> loops = new IdentityHashMap<>();
    private final Map<String, Channel> listenerChannels = new LinkedHashMap<>();
    private final Map<String, ListenerStats> listenerStats = new LinkedHashMap<>();
    private final BufferBudget bufferBudget;
    private final SpillDirectory spill;
    private HealthChecker health;
    private AdminServer admin;
    /** {@code null}: no access log. */
    private AccessLog accessLog;

    private Sluice(SluiceConfig config) {
        this.config = config;
        Transports transports = Transports.of(config.transport());
        this.group = new MultiThreadIoEventLoopGroup(config.workers(), transports.ioHandlerFactory());
        this.bufferBudget = new BufferBudget(config.buffers());
        this.spill = spillDirectory(config.buffers());
        try {
            for (ClusterConfig c : config.clusters()) {
                clusters.put(c.name(), new Cluster(c));
            }
            List<Cluster> all = List.copyOf(clusters.values());
            for (EventExecutor executor : group) {
                EventLoop loop = (EventLoop) executor;
                loops.put(loop, new ProxyLoop(loop, loops.size(), all, transports.channel(), bufferBudget,
                        spill));
            }
            health = new HealthChecker(all, transports.ioHandlerFactory(), transports.channel());
            if (config.accessLog() != null) {
                accessLog = AccessLog.open(config.accessLog());
            }
            for (ListenerConfig l : config.listeners()) {
                bind(l, transports);
            }
            if (config.admin() != null) {
                admin = AdminServer.start(config.admin().address().toSocketAddress(), this);
            }
        } catch (RuntimeException | IOException e) {
            close();
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
        loops.values().forEach(l -> l.eventLoop().execute(l::start));
        if (config.buffers().preallocate()) {
            long perLoop = config.buffers().memoryBudget() / loops.size();
            loops.values().forEach(l -> l.eventLoop().execute(() -> l.preallocate(ByteBufAllocator.DEFAULT, perLoop)));
        }
        health.start();
    }

    /**
     * The spill directory, emptied of files a previous process left; {@code null} (held responses then stop
     * their server instead of spilling) when it cannot be created.
     */
    private static SpillDirectory spillDirectory(BuffersConfig buffers) {
        SpillDirectory dir = new SpillDirectory(buffers.spillDir(), buffers.maxSpill(), buffers.maxSpillTotal());
        try {
            dir.prepare();
            return dir;
        } catch (IOException e) {
            Log.event("spill directory " + buffers.spillDir() + " unusable (" + e + "): held responses will not"
                    + " spill to disk");
            return null;
        }
    }

    public BufferBudget bufferBudget() {
        return bufferBudget;
    }

    /** The spill directory, or {@code null} when it is unusable. */
    public SpillDirectory spillDirectory() {
        return spill;
    }

    /** Binds every listener of {@code config} and starts serving; fails if a listener cannot bind. */
    public static Sluice start(SluiceConfig config) {
        return new Sluice(config);
    }

    private void bind(ListenerConfig l, Transports transports) {
        ListenerStats stats = new ListenerStats();
        AcceptLimiter limiter = new AcceptLimiter(l.maxConnections(), stats);
        Screen screen = l.screen().active() ? new Screen(l.screen(), stats) : null;
        ServerBootstrap bootstrap = new ServerBootstrap();
        if (l.protocol() == Protocol.TCP) {
            TcpListener tcp = new TcpListener(l, clusters.get(l.cluster()), limiter, screen, accessLog);
            bootstrap.childHandler(tcp.clientInitializer(loops))
                    // read only once the server connection is up; half-closes are relayed, not taken as closes
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        } else {
            HttpListener listener = new HttpListener(l, new RouteTable(l.routes(), clusters), limiter, screen,
                    accessLog);
            // a client that half-closes after its request (nc -N, scripts) still gets its answers
            bootstrap.childHandler(listener.clientInitializer(loops))
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        }
        if (l.socket().sendBuffer() > 0) {
            bootstrap.childOption(ChannelOption.SO_SNDBUF, l.socket().sendBuffer());
        }
        if (l.socket().receiveBuffer() > 0) {
            bootstrap.childOption(ChannelOption.SO_RCVBUF, l.socket().receiveBuffer());
        }
        Channel channel = bootstrap
                .group(group)
                .channel(transports.serverChannel())
                .option(ChannelOption.SO_BACKLOG, ACCEPT_BACKLOG)
                .option(ChannelOption.SO_REUSEADDR, true)
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
                .bind(l.address().toSocketAddress())
                .syncUninterruptibly()
                .channel();
        listenerChannels.put(l.name(), channel);
        listenerStats.put(l.name(), stats);
    }

    public SluiceConfig config() {
        return config;
    }

    /** The bound address of the named listener (the real port when the config said port 0). */
    public InetSocketAddress listenerAddress(String name) {
        Channel channel = listenerChannels.get(name);
        if (channel == null) {
            throw new IllegalArgumentException("no listener named " + name);
        }
        return (InetSocketAddress) channel.localAddress();
    }

    /** The bound admin address, or {@code null} when the config has no admin listener. */
    public InetSocketAddress adminAddress() {
        return admin == null ? null : admin.address();
    }

    public Map<String, ListenerStats> listenerStats() {
        return listenerStats;
    }

    /** The access log, or {@code null} when the config has none. */
    public AccessLog accessLog() {
        return accessLog;
    }

    public Iterable<Cluster> clusters() {
        return clusters.values();
    }

    /** The health checker of every cluster's servers (active checks and passive ejection). */
    public HealthChecker health() {
        return health;
    }

    /** Server connections currently leased to exchanges, over all event loops and servers. */
    public long outstandingLeases() {
        long leases = 0;
        for (Cluster c : clusters.values()) {
            for (Server s : c.servers()) {
                leases += s.active();
            }
        }
        return leases;
    }

    /** Closes listeners and connections and stops the event loops; waits until they have stopped. */
    @Override
    public void close() {
        if (admin != null) {
            admin.close();
        }
        if (health != null) {
            health.close();
        }
        List<io.netty.util.concurrent.Future<?>> closing = new ArrayList<>();
        listenerChannels.values().forEach(c -> closing.add(c.close()));
        closing.forEach(f -> f.awaitUninterruptibly(5, TimeUnit.SECONDS));
        for (ProxyLoop loop : loops.values()) {
            if (!loop.eventLoop().isShuttingDown()) {
                loop.eventLoop().submit(loop::closePools).awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
        }
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        if (accessLog != null) {
            accessLog.close(); // after the loops: what they logged last is written
        }
    }
}
