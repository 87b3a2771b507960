package io.sluice.health;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import io.sluice.cluster.Cluster;
import io.sluice.cluster.Server;
import io.sluice.config.HealthConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Health checking of every cluster's servers, from one place for the whole process (not once per event loop).
 *
 * <ul>
 *   <li><b>Active checks</b>, for a cluster with {@code health}: every {@code interval}, a TCP connect or an HTTP
 *       GET over a new connection ({@link Check}). Servers start up; {@code fall} failed checks in a row take one
 *       down ({@link Server#setHealthy}), {@code rise} passed ones bring it back (slow start then begins in
 *       {@link Server}).</li>
 *   <li><b>Passive checks</b> (outlier detection), per {@code outlier}: when {@code consecutive_failures} requests
 *       to a server failed in a row, it is ejected for {@code base_ejection}, doubled on each ejection up to
 *       {@code max_ejection} ({@link Ejections}: the doubling decays while the server behaves). When the time is
 *       up a check decides: the cluster's active check if it has one, else a TCP connect; passed → back, failed →
 *       ejected again, longer. At most half of a cluster's servers are ejected at once, and never the last
 *       available one ({@link ClusterHealth#mayEject}).</li>
 * </ul>
 *
 * <p>Threading: one dedicated event loop ({@code sluice-health}) of the proxy's transport runs every check and
 * owns all of this package's state, so nothing here is locked and no check ever runs on, or blocks, a proxy event
 * loop. A request path failure reaches it through {@link Server#watchFailures}: the failing loop only posts a task,
 * once per run of failures. Each check has its own deadline and at most one is in flight per server, so the work
 * is bounded by the number of servers whatever the servers do.
 */
public final class HealthChecker implements AutoCloseable {
    private final EventLoopGroup group;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final List<ClusterHealth> clusters = new ArrayList<>();
    /** Written on the checker's loop (and by the constructor), read from any thread. */
    private final Map<Server, ServerHealth> servers = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /**
     * @param ioHandlerFactory the proxy's transport (epoll or NIO), for the checker's own event loop
     * @param channelType      the socket channel of that transport
     */
    public HealthChecker(List<Cluster> clusters, IoHandlerFactory ioHandlerFactory,
                         Class<? extends SocketChannel> channelType) {
        Objects.requireNonNull(clusters, "clusters");
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("sluice-health", true),
                Objects.requireNonNull(ioHandlerFactory, "ioHandlerFactory"));
        this.loop = group.next();
        this.bootstrap = new Bootstrap()
                .group(loop)
                .channel(Objects.requireNonNull(channelType, "channelType"))
                .option(ChannelOption.TCP_NODELAY, true);
        clusters.forEach(this::track);
    }

    private ClusterHealth track(Cluster cluster) {
        ClusterHealth c = new ClusterHealth(cluster);
        for (Server server : cluster.servers()) {
            ServerHealth s = new ServerHealth(this, c, server);
            c.add(s);
            servers.put(server, s);
        }
        this.clusters.add(c);
        return c;
    }

    /** Starts the active checks and watches request failures. */
    public void start() {
        List<ClusterHealth> all = List.copyOf(clusters);
        all.forEach(this::watchFailures);
        execute(() -> all.forEach(HealthChecker::startChecks));
    }

    private void watchFailures(ClusterHealth c) {
        int threshold = c.outlier().consecutiveFailures();
        if (threshold > 0) {
            for (ServerHealth s : c.servers()) {
                s.server.watchFailures(threshold, () -> execute(s::failuresReached));
            }
        }
    }

    /** Spreads a cluster's first checks over one interval, so that they do not all leave at once. */
    private static void startChecks(ClusterHealth c) {
        HealthConfig health = c.health();
        if (health == null) {
            return;
        }
        List<ServerHealth> list = c.servers();
        for (int i = 0; i < list.size(); i++) {
            list.get(i).startChecks(health.interval().toNanos() * i / list.size());
        }
    }

    /**
     * A reload: starts checking the servers of {@code added} clusters and stops checking those of {@code removed}
     * ones. Their states stay as they are; exchanges still using a removed cluster see its last state. A server an
     * added cluster without active checks took over is up: no check is left to decide otherwise.
     */
    public void update(List<Cluster> added, List<Cluster> removed) {
        execute(() -> {
            for (Cluster cluster : removed) {
                clusters.removeIf(c -> {
                    if (c.cluster() != cluster) {
                        return false;
                    }
                    c.servers().forEach(s -> {
                        s.stop();
                        servers.remove(s.server);
                    });
                    return true;
                });
            }
            for (Cluster cluster : added) {
                ClusterHealth c = track(cluster);
                watchFailures(c);
                startChecks(c);
                if (c.health() == null) {
                    // a server carried over down from a cluster that had active checks: none is left to bring it up
                    cluster.servers().forEach(server -> server.setHealthy(true));
                }
            }
        });
    }

    /** What the checker knows about {@code server} ({@link HealthStatus#NONE} for a server it does not check). */
    public HealthStatus status(Server server) {
        ServerHealth s = servers.get(server);
        return s == null ? HealthStatus.NONE : s.status();
    }

    /** Stops checking and the checker's thread; waits until it has stopped. Server states stay as they are. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (ServerHealth s : servers.values()) {
            s.server.watchFailures(0, null);
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }

    boolean closed() {
        return closed;
    }

    EventLoop loop() {
        return loop;
    }

    Bootstrap bootstrap() {
        return bootstrap;
    }

    /** Runs {@code task} on the checker's loop; dropped once the checker is closed. Callable from any thread. */
    void execute(Runnable task) {
        if (closed) {
            return;
        }
        try {
            loop.execute(task);
        } catch (RejectedExecutionException e) {
            // closing: the task has nobody left to serve
        }
    }

    /** Schedules {@code task} on the checker's loop; {@code null} once the checker is closed. */
    ScheduledFuture<?> schedule(Runnable task, long delayNanos) {
        if (closed) {
            return null;
        }
        try {
            return loop.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            return null;
        }
    }

    /** The checker's thread (tests check it is gone after {@link #close()}). */
    Thread thread() throws Exception {
        return loop.submit(Thread::currentThread).get(5, TimeUnit.SECONDS);
    }
}
