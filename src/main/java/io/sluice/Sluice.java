package io.sluice;

import io.netty.buffer.ByteBufAllocator;
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
import io.sluice.config.ConfigException;
import io.sluice.config.ListenerConfig;
import io.sluice.config.SluiceConfig;
import io.sluice.deferred.DeferredDelivery;
import io.sluice.health.HealthChecker;
import io.sluice.http.ProxyLoop;
import io.sluice.listener.ClientCloseReason;
import io.sluice.listener.ListenerStats;
import io.sluice.log.Log;
import io.sluice.telemetry.AccessLog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A running Sluice: event loops, listeners, pools and the admin listener. Its clusters and listeners come from one
 * configuration snapshot at a time: {@link #reload} swaps in the next one while exchanges in flight finish on the
 * one they started with, and {@link #shutdownGracefully} drains before it stops.
 */
public final class Sluice implements AutoCloseable {
    private static final long LOOP_TASK_WAIT_SECONDS = 5;

    private final Transports transports;
    private final Instant startTime = Instant.now();
    private final EventLoopGroup group;
    private final Map<EventLoop, ProxyLoop> loops = new IdentityHashMap<>();
    private final BufferBudget bufferBudget;
    private final SpillDirectory spill;
    /** Reads the configuration file again for {@link #reloadFromSource}; {@code null} without a file. */
    private final Supplier<SluiceConfig> source;
    private volatile Snapshot snapshot;
    private volatile Map<String, BoundListener> listeners = Map.of();
    /** Listeners a reload removed or rebound, until their last connection closes. */
    private final List<BoundListener> stopping = new CopyOnWriteArrayList<>();
    private final AtomicLong reloads = new AtomicLong();
    private final AtomicLong reloadsFailed = new AtomicLong();
    private volatile boolean lastReloadSucceeded = true;
    /** Set once a (graceful) shutdown began: reloads are refused from then on. Written under {@code this}. */
    private volatile boolean shuttingDown;
    private HealthChecker health;
    private AdminServer admin;
    /** {@code null}: no access log. */
    private AccessLog accessLog;
    /** Store and forward; {@code null} until a configuration has a {@code deliver: deferred} route. */
    private volatile DeferredDelivery deferred;

    /** The clusters of one configuration, by name. */
    private record Snapshot(SluiceConfig config, Map<String, Cluster> clusters) {
    }

    private Sluice(SluiceConfig config, Supplier<SluiceConfig> source) {
        this.source = source;
        this.transports = Transports.of(config.transport());
        this.group = new MultiThreadIoEventLoopGroup(config.workers(), transports.ioHandlerFactory());
        this.bufferBudget = new BufferBudget(config.buffers());
        this.spill = spillDirectory(config.buffers());
        try {
            Map<String, Cluster> clusters = new LinkedHashMap<>();
            for (ClusterConfig c : config.clusters()) {
                clusters.put(c.name(), new Cluster(c));
            }
            snapshot = new Snapshot(config, Collections.unmodifiableMap(clusters));
            List<Cluster> all = List.copyOf(clusters.values());
            for (EventExecutor executor : group) {
                EventLoop loop = (EventLoop) executor;
                loops.put(loop, new ProxyLoop(loop, loops.size(), all, transports.channel(), bufferBudget,
                        spill));
            }
            startDeferredIfUsed(config);
            health = new HealthChecker(all, transports.ioHandlerFactory(), transports.channel());
            if (config.accessLog() != null) {
                accessLog = AccessLog.open(config.accessLog());
            }
            Map<String, BoundListener> bound = new LinkedHashMap<>();
            for (ListenerConfig l : config.listeners()) {
                bound.put(l.name(), BoundListener.bind(l, l.address().toSocketAddress(), clusters, accessLog,
                        transports, group, loops, true));
                listeners = Collections.unmodifiableMap(new LinkedHashMap<>(bound));
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
     * Starts store and forward (recovering its journal) the first time a configuration has a {@code deliver:
     * deferred} route; the journal directory of that configuration stays in use until the process ends.
     */
    private synchronized void startDeferredIfUsed(SluiceConfig config) throws IOException {
        if (deferred != null || config.listeners().stream().flatMap(l -> l.routes().stream())
                .noneMatch(r -> r.deliver() == io.sluice.config.RouteConfig.Deliver.DEFERRED)) {
            return;
        }
        deferred = DeferredDelivery.start(config.deferred(), name -> snapshot.clusters().get(name));
        loops.values().forEach(l -> l.deferred(deferred));
    }

    /** Store and forward, or {@code null} when no route has used it. */
    public DeferredDelivery deferred() {
        return deferred;
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
        return new Sluice(config, null);
    }

    /**
     * Like {@link #start(SluiceConfig)}, with where the configuration comes from: {@link #reloadFromSource} (SIGHUP,
     * {@code POST /reload}) reads it again.
     */
    public static Sluice start(SluiceConfig config, Supplier<SluiceConfig> source) {
        return new Sluice(config, source);
    }

    /** The configuration now in force (the last one reloaded). */
    public SluiceConfig config() {
        return snapshot.config();
    }

    /** When this Sluice was started (wall clock). */
    public Instant startTime() {
        return startTime;
    }


    /** The bound address of the named listener (the real port when the config said port 0). */
    public InetSocketAddress listenerAddress(String name) {
        BoundListener listener = listeners.get(name);
        if (listener == null) {
            throw new IllegalArgumentException("no listener named " + name);
        }
        return listener.address();
    }

    /** The bound admin address, or {@code null} when the config has no admin listener. */
    public InetSocketAddress adminAddress() {
        return admin == null ? null : admin.address();
    }

    /** A listener as the admin shows it: name, bound address and counters. */
    public record ListenerView(String name, InetSocketAddress address, ListenerStats stats) {
    }

    /** The current listeners, read at once (a reload in between cannot leave a name without its address). */
    public List<ListenerView> listenerViews() {
        List<ListenerView> views = new ArrayList<>();
        listeners.forEach((name, l) -> views.add(new ListenerView(name, l.address(), l.stats())));
        return views;
    }

    /** The counters of the current listeners, by name. */
    public Map<String, ListenerStats> listenerStats() {
        Map<String, ListenerStats> stats = new LinkedHashMap<>();
        listeners.forEach((name, l) -> stats.put(name, l.stats()));
        return stats;
    }

    /** The clusters of the configuration now in force. */
    /** The access log, or {@code null} when the config has none. */
    public AccessLog accessLog() {
        return accessLog;
    }

    public Iterable<Cluster> clusters() {
        return snapshot.clusters().values();
    }

    /** The health checker of every cluster's servers (active checks and passive ejection). */
    public HealthChecker health() {
        return health;
    }

    /** Time since this Sluice started. */
    public Duration uptime() {
        return Duration.between(startTime, Instant.now());
    }

    /** Server connections currently leased to exchanges, over all event loops and current servers. */
    public long outstandingLeases() {
        long leases = 0;
        for (Cluster c : clusters()) {
            for (Server s : c.servers()) {
                leases += s.active();
            }
        }
        return leases;
    }

    /**
     * Reads the configuration file again and {@link #reload reloads} it; opens the access log file again first (log
     * rotation).
     *
     * @throws ConfigException          the file is invalid: nothing changed
     * @throws IllegalStateException    Sluice was started without a file, or the reload failed: nothing changed
     */
    public ReloadReport reloadFromSource() {
        if (source == null) {
            throw new IllegalStateException("no configuration file to reload: started without one");
        }
        if (accessLog != null) {
            accessLog.reopen(); // SIGHUP after logrotate renamed it, whether or not the file reloads
        }
        try {
            return reload(source.get());
        } catch (RuntimeException e) {
            reloadsFailed.incrementAndGet();
            lastReloadSucceeded = false;
            throw e;
        }
    }

    /** Reloads applied since start. */
    public long reloads() {
        return reloads.get();
    }

    /** Reloads of the file rejected (an invalid file) or failed (a listener could not bind) since start. */
    public long reloadsFailed() {
        return reloadsFailed.get();
    }

    /** Whether the last reload was applied ({@code true} before any). */
    public boolean lastReloadSucceeded() {
        return lastReloadSucceeded;
    }

    /**
     * Makes {@code next} the configuration in force. Clusters whose configuration did not change are kept with their
     * pools, balancers, health and counters; the others are built anew, keeping the servers (and their pools) whose
     * lines did not change ({@link Cluster#Cluster(ClusterConfig, Cluster)}), and the ones they replace are retired:
     * the exchanges that started with them finish with them, then they are forgotten. Listeners keep their socket when
     * it allows ({@link BoundListener#keepsSocketFor}): their connections take up the new routes and limits at their
     * next request. Others bind first, so that a failure leaves everything as it was; removed ones stop accepting
     * and drain, their tunnels and TCP sessions going on until they end. {@code workers}, {@code transport},
     * {@code buffers} and {@code admin} need a restart: they stay as they are.
     *
     * @throws IllegalStateException a listener cannot bind, or Sluice is shutting down; nothing changed
     */
    public synchronized ReloadReport reload(SluiceConfig next) {
        if (shuttingDown) {
            // it would put non-draining generations in the place of draining ones, and bind and accept anew
            throw new IllegalStateException("reload refused, nothing changed: shutting down");
        }
        Snapshot before = snapshot;
        try {
            startDeferredIfUsed(next); // before its routes take requests; a journal that cannot open refuses the reload
        } catch (IOException e) {
            throw new IllegalStateException("reload refused, nothing changed: deferred journal: " + e, e);
        }
        List<String> changes = new ArrayList<>();
        ClusterChanges c = ClusterChanges.between(before.clusters(), next.clusters(), changes);
        Map<String, BoundListener> current = listeners;
        Map<String, BoundListener> bound = bindNew(next, current, c.clusters());
        onEveryLoop(loop -> loop.addClusters(c.added()));
        bound.values().forEach(BoundListener::startAccepting);
        listeners = swapListeners(next, current, bound, c, changes);
        snapshot = new Snapshot(next, c.clusters());
        health.update(c.added(), c.removed());
        onEveryLoop(loop -> loop.retireClusters(c.removed()));
        stopping.removeIf(l -> l.connections() == 0);
        reloads.incrementAndGet();
        lastReloadSucceeded = true;
        ReloadReport report = new ReloadReport(changes, needsRestart(before.config(), next));
        Log.event("reloaded: " + report);
        return report;
    }

    /**
     * The clusters of a new configuration: the unchanged ones kept, the others new ({@code added}); {@code removed}:
     * the old ones not kept, replaced or gone.
     */
    private record ClusterChanges(Map<String, Cluster> clusters, List<Cluster> added, List<Cluster> removed) {
        static ClusterChanges between(Map<String, Cluster> before, List<ClusterConfig> next, List<String> changes) {
            Map<String, Cluster> clusters = new LinkedHashMap<>();
            List<Cluster> added = new ArrayList<>();
            for (ClusterConfig c : next) {
                Cluster old = before.get(c.name());
                if (old != null && old.config().equals(c)) {
                    clusters.put(c.name(), old);
                } else {
                    Cluster cluster = new Cluster(c, old);
                    clusters.put(c.name(), cluster);
                    added.add(cluster);
                    changes.add((old == null ? "cluster added: " : "cluster changed: ") + c.name());
                }
            }
            List<Cluster> removed = new ArrayList<>();
            for (Cluster old : before.values()) {
                if (clusters.get(old.name()) != old) {
                    removed.add(old);
                    if (!clusters.containsKey(old.name())) {
                        changes.add("cluster removed: " + old.name());
                    }
                }
            }
            return new ClusterChanges(Collections.unmodifiableMap(clusters), added, removed);
        }
    }

    /**
     * Binds, not accepting yet, the sockets of the listeners that are new or cannot keep theirs. A bind that fails
     * closes the ones bound so far: nothing changed.
     */
    private Map<String, BoundListener> bindNew(SluiceConfig next, Map<String, BoundListener> current,
                                               Map<String, Cluster> clusters) {
        Map<String, BoundListener> bound = new LinkedHashMap<>();
        try {
            for (ListenerConfig l : next.listeners()) {
                BoundListener old = current.get(l.name());
                if (old == null || !old.keepsSocketFor(l)) {
                    InetSocketAddress at = old != null && old.config().address().equals(l.address())
                            ? old.address() : l.address().toSocketAddress();
                    bound.put(l.name(), BoundListener.bind(l, at, clusters, accessLog, transports, group, loops,
                            false));
                }
            }
        } catch (Exception e) { // Netty rethrows the bind's IOException undeclared
            bound.values().forEach(l -> l.stop(ClientCloseReason.RELOAD));
            throw new IllegalStateException("reload failed, nothing changed: cannot bind a listener: " + e, e);
        }
        return bound;
    }

    /** The listeners of {@code next}: kept ones updated, new ones from {@code bound}; the others stop and drain. */
    private Map<String, BoundListener> swapListeners(SluiceConfig next, Map<String, BoundListener> current,
                                                     Map<String, BoundListener> bound, ClusterChanges c,
                                                     List<String> changes) {
        Map<String, BoundListener> result = new LinkedHashMap<>();
        for (ListenerConfig l : next.listeners()) {
            BoundListener old = current.get(l.name());
            BoundListener fresh = bound.get(l.name());
            if (fresh == null) {
                if (!old.config().equals(l)) {
                    changes.add("listener changed: " + l.name());
                    old.update(l, c.clusters(), accessLog);
                } else if (usesAny(l, c.removed())) {
                    old.update(l, c.clusters(), accessLog);
                }
                result.put(l.name(), old);
            } else {
                result.put(l.name(), fresh);
                changes.add((old == null ? "listener added: " : "listener rebound: ") + l.name());
                if (old != null) {
                    stop(old);
                }
            }
        }
        current.forEach((name, old) -> {
            if (!result.containsKey(name)) {
                stop(old);
                changes.add("listener removed: " + name);
            }
        });
        return Collections.unmodifiableMap(result);
    }

    /** Whether listener {@code l} routes to one of {@code clusters} (by name: the new ones replace them). */
    private static boolean usesAny(ListenerConfig l, List<Cluster> clusters) {
        for (Cluster c : clusters) {
            if (c.name().equals(l.cluster()) || l.routes().stream().anyMatch(r -> c.name().equals(r.cluster()))) {
                return true;
            }
        }
        return false;
    }

    private void stop(BoundListener listener) {
        listener.stop(ClientCloseReason.RELOAD);
        stopping.add(listener);
    }

    private static List<String> needsRestart(SluiceConfig before, SluiceConfig next) {
        List<String> keys = new ArrayList<>();
        if (before.workers() != next.workers()) {
            keys.add("workers");
        }
        if (before.transport() != next.transport()) {
            keys.add("transport");
        }
        if (!before.buffers().equals(next.buffers())) {
            keys.add("buffers");
        }
        if (!Objects.equals(before.admin(), next.admin())) {
            keys.add("admin");
        }
        if (!Objects.equals(before.accessLog(), next.accessLog())) {
            keys.add("access_log");
        }
        return keys;
    }

    /** Runs {@code task} on every event loop and waits for all of them. */
    private void onEveryLoop(Consumer<ProxyLoop> task) {
        List<io.netty.util.concurrent.Future<?>> done = new ArrayList<>();
        loops.values().forEach(l -> done.add(l.eventLoop().submit(() -> task.accept(l))));
        done.forEach(f -> f.awaitUninterruptibly(LOOP_TASK_WAIT_SECONDS, TimeUnit.SECONDS));
    }

    /**
     * Stops gracefully (SIGTERM): stops accepting at once, lets exchanges, tunnels and TCP sessions in flight end
     * within {@code shutdown_timeout}, answering with {@code Connection: close} from now on, then {@link #close()}s.
     * Idle keep-alive connections close at their next answer or their idle timeout.
     *
     * @return whether every client connection ended before the deadline (the rest were cut)
     */
    public boolean shutdownGracefully() {
        long deadline = System.nanoTime() + config().shutdownTimeout().toNanos();
        List<BoundListener> all;
        synchronized (this) { // after a reload in progress: its listeners are the ones that drain
            shuttingDown = true;
            all = new ArrayList<>(stopping);
            all.addAll(listeners.values());
        }
        all.forEach(l -> l.stop(ClientCloseReason.SHUTDOWN).awaitUninterruptibly(LOOP_TASK_WAIT_SECONDS,
                TimeUnit.SECONDS));
        boolean drained;
        while (!(drained = all.stream().allMatch(l -> l.connections() == 0)) && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        if (!drained) {
            Log.event("shutdown: " + all.stream().mapToInt(BoundListener::connections).sum()
                    + " client connections still open after shutdown_timeout, closing them");
        }
        close();
        return drained;
    }

    /** Closes listeners and connections and stops the event loops; waits until they have stopped. */
    @Override
    public void close() {
        synchronized (this) {
            shuttingDown = true;
        }
        if (admin != null) {
            admin.close();
        }
        if (health != null) {
            health.close();
        }
        List<io.netty.util.concurrent.Future<?>> closing = new ArrayList<>();
        listeners.values().forEach(l -> closing.add(l.stop(ClientCloseReason.SHUTDOWN)));
        closing.forEach(f -> f.awaitUninterruptibly(5, TimeUnit.SECONDS));
        for (ProxyLoop loop : loops.values()) {
            if (!loop.eventLoop().isShuttingDown()) {
                loop.eventLoop().submit(() -> {
                    loop.closeClients();
                    loop.closePools();
                }).awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
        }
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        if (deferred != null) {
            deferred.close(); // what is not delivered stays in the journal for the next start
        }
        if (accessLog != null) {
            accessLog.close(); // after the loops: what they logged last is written
        }
    }
}
