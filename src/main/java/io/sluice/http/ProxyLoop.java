package io.sluice.http;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.ScheduledFuture;
import io.sluice.buffer.BufferBudget;
import io.sluice.buffer.SpillDirectory;
import io.sluice.cluster.Balancer;
import io.sluice.cluster.Cluster;
import io.sluice.cluster.Server;
import io.sluice.deferred.DeferredDelivery;
import io.sluice.listener.ClientCloseReason;
import io.sluice.pool.ServerPool;
import io.sluice.tcp.EpollRegistration;
import io.sluice.tcp.Transparent;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Everything one event loop owns for proxying: its server pools, its balancers and its head parser. A client
 * connection and every server connection it uses live on the same loop, so none of this is shared or locked.
 */
public final class ProxyLoop {
    /** Per-channel write watermarks: above the high one, the peer's reading pauses; below the low one, it resumes. */
    public static final WriteBufferWaterMark WATERMARK = new WriteBufferWaterMark(32 * 1024, 64 * 1024);

    final EventLoop loop;
    final HeadParser parser = new HeadParser();
    /** Memory and spill files of held responses, shared by every loop. */
    final BufferBudget budget;
    final SpillDirectory spill;
    /** Store and forward of {@code deliver: deferred} routes; {@code null} when no route of the config uses it. */
    private volatile DeferredDelivery deferred;
    private final int index;
    private final Class<? extends SocketChannel> channelType;
    private final Map<Server, ServerPool> pools = new IdentityHashMap<>();
    /** The cluster whose pool settings each server's pool was built with (the last one that took the server over). */
    private final Map<Server, Cluster> owners = new IdentityHashMap<>();
    private final Map<Cluster, Balancer> balancers = new IdentityHashMap<>();
    /** Per cluster: how this loop opens connections to its servers (options set, no handler). */
    private final Map<Cluster, Bootstrap> connectors = new IdentityHashMap<>();
    /** This loop's client connections, HTTP and TCP, tunnels included: what a shutdown cuts at its deadline. */
    private final Set<Channel> clients = new HashSet<>();
    /** Clusters a reload removed that exchanges of this loop may still use. */
    private final List<Cluster> retired = new ArrayList<>();
    private ScheduledFuture<?> nextForget;
    /** One queue per distinct timeout duration; the config makes few of them, so a scan beats a map. */
    private TimerQueue[] timerQueues = new TimerQueue[0];

    /**
     * @param index this loop's position among the event loops (staggers the balancers' starting points)
     */
    public ProxyLoop(EventLoop loop, int index, List<Cluster> clusters, Class<? extends SocketChannel> channelType,
                     BufferBudget budget, SpillDirectory spill) {
        this.loop = loop;
        this.index = index;
        this.channelType = channelType;
        this.budget = budget;
        this.spill = spill;
        clusters.forEach(this::add);
    }

    /** Sets the store of {@code deliver: deferred} routes (once, at start-up or by the reload that adds one). */
    public void deferred(DeferredDelivery deferred) {
        this.deferred = deferred;
    }

    DeferredDelivery deferred() {
        return deferred;
    }

    /** Adds {@code cluster}'s balancer and pools; a server it took over from a cluster it replaces keeps its pool. */
    private List<ServerPool> add(Cluster cluster) {
        balancers.put(cluster, cluster.newBalancer(index));
        Bootstrap template = newConnector(cluster);
        connectors.put(cluster, template);
        List<ServerPool> created = new ArrayList<>();
        for (Server server : cluster.servers()) {
            ServerPool kept = pools.get(server);
            if (kept != null) {
                kept.joinCluster(cluster.surgeQueue());
            } else {
                ServerPool pool = newPool(cluster, server, template);
                pools.put(server, pool);
                created.add(pool);
            }
            owners.put(server, cluster);
        }
        return created;
    }

    private ServerPool newPool(Cluster cluster, Server server, Bootstrap template) {
        long responseTimeoutNanos = cluster.config().timeouts().response().toNanos();
        return new ServerPool(loop, server, cluster.config().pool(), cluster.config().timeouts().connect(),
                connection -> Transparent.connect(template.clone()
                        .handler(new ServerConnection(connection, this, responseTimeoutNanos)),
                        server, connection.clientAddress()), cluster.surgeQueue());
    }

    private Bootstrap newConnector(Cluster cluster) {
        return new Bootstrap()
                .group(loop)
                // kept registered with epoll: a server connection may become half of a tunnel (Upgrade)
                .channelFactory(EpollRegistration.keptChannels(channelType))
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATERMARK)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
                        (int) Math.min(Integer.MAX_VALUE, cluster.config().timeouts().connect().toMillis()));
    }

    /**
     * A reload added {@code clusters}: this loop gets their balancers, and pools (prewarmed) for the servers that are
     * new; runs on this loop.
     */
    public void addClusters(List<Cluster> clusters) {
        for (Cluster cluster : clusters) {
            add(cluster).forEach(ServerPool::start);
        }
    }

    /**
     * A reload removed or replaced {@code clusters}. The exchanges that started with them finish with them: the
     * pools of their servers that no current cluster took over keep serving leases but close idle connections, and
     * the cluster is forgotten once nothing of this loop uses it any more. Runs on this loop.
     */
    public void retireClusters(List<Cluster> clusters) {
        for (Cluster cluster : clusters) {
            for (Server server : cluster.servers()) {
                if (owners.get(server) == cluster) {
                    pools.get(server).retire();
                }
            }
            retired.add(cluster);
        }
        forgetDrained();
    }

    /** Forgets the retired clusters nothing uses on this loop; checks again later while some are still in use. */
    private void forgetDrained() {
        if (nextForget != null) {
            nextForget.cancel(false);
            nextForget = null;
        }
        retired.removeIf(cluster -> {
            if (!unused(cluster)) {
                return false;
            }
            for (Server server : cluster.servers()) {
                if (owners.get(server) == cluster) {
                    pools.remove(server);
                    owners.remove(server);
                } else if (pools.containsKey(server)) {
                    pools.get(server).leaveCluster(cluster.surgeQueue()); // carried over to a current cluster
                }
            }
            balancers.remove(cluster);
            connectors.remove(cluster);
            return true;
        });
        if (!retired.isEmpty() && !loop.isShuttingDown()) {
            nextForget = loop.schedule(this::forgetDrained, 1, TimeUnit.SECONDS);
        }
    }

    /**
     * Nothing queued for this retired cluster, and no connection, lease or in-flight request left on the servers no
     * current cluster took over; nor a TCP session, which holds a slot of {@code max_connections} while it connects
     * or relays.
     */
    private boolean unused(Cluster cluster) {
        if (cluster.surgeQueue().size() > 0) {
            return false;
        }
        for (Server server : cluster.servers()) {
            if (owners.get(server) == cluster && (!pools.get(server).drained() || server.inFlight() > 0
                    || server.openConnections() > 0)) {
                return false;
            }
        }
        return true;
    }

    public EventLoop eventLoop() {
        return loop;
    }

    /**
     * This loop's pool of {@code server}, a server of {@code cluster}. An exchange can reach a retired cluster after
     * this loop forgot it (its request body was buffered meanwhile, or another retired cluster that shared the server
     * was forgotten): it then gets a retired pool again, which is forgotten as before once nothing uses it.
     */
    ServerPool pool(Server server, Cluster cluster) {
        ServerPool pool = pools.get(server);
        if (pool != null) {
            return pool;
        }
        pool = newPool(cluster, server, connectors.computeIfAbsent(cluster, this::newConnector));
        pool.retire();
        pools.put(server, pool);
        owners.put(server, cluster);
        if (!retired.contains(cluster)) {
            retired.add(cluster);
        }
        if (nextForget == null && !loop.isShuttingDown()) {
            nextForget = loop.schedule(this::forgetDrained, 1, TimeUnit.SECONDS);
        }
        return pool;
    }

    /** This loop's queue of timers armed for {@code durationNanos}. */
    TimerQueue timerQueue(long durationNanos) {
        for (TimerQueue q : timerQueues) {
            if (q.durationNanos == durationNanos) {
                return q;
            }
        }
        TimerQueue q = new TimerQueue(loop, durationNanos);
        timerQueues = Arrays.copyOf(timerQueues, timerQueues.length + 1);
        timerQueues[timerQueues.length - 1] = q;
        return q;
    }

    /**
     * This loop's balancer of {@code cluster}; a new one for a cluster a reload retired and this loop has forgotten
     * (a TCP session of the old configuration failing over late).
     */
    public Balancer balancer(Cluster cluster) {
        Balancer balancer = balancers.get(cluster);
        return balancer != null ? balancer : cluster.newBalancer(index);
    }

    /** A bootstrap for a connection from this loop to a server of {@code cluster}, with its options and no handler. */
    public Bootstrap connector(Cluster cluster) {
        Bootstrap connector = connectors.get(cluster);
        return connector != null ? connector.clone() : newConnector(cluster);
    }

    /** Opens the prewarmed connections. */
    public void start() {
        pools.values().forEach(ServerPool::start);
    }

    /**
     * Warms the buffer allocator of this loop ({@code buffers.preallocate}): allocates and frees {@code bytes} in
     * 64 KiB buffers, so that the memory the first held responses use is already faulted in and pooled, at the
     * price of that memory being resident from the start.
     */
    public void preallocate(ByteBufAllocator allocator, long bytes) {
        int chunk = 64 * 1024;
        List<ByteBuf> warm = new ArrayList<>();
        for (long done = 0; done < bytes; done += chunk) {
            ByteBuf b = allocator.directBuffer(chunk, chunk);
            b.setZero(0, chunk);
            warm.add(b);
        }
        warm.forEach(ByteBuf::release);
    }

    /** A client connection of this loop opened; runs on this loop. */
    public void clientOpened(Channel client) {
        clients.add(client);
    }

    /** A client connection of this loop closed; runs on this loop. */
    public void clientClosed(Channel client) {
        clients.remove(client);
    }

    /**
     * Closes every client connection of this loop (their exchanges abort and close their server connections); runs
     * on this loop. Done before the loop stops rather than left to the loop's shutdown, which does not close every
     * channel it still has.
     */
    public void closeClients() {
        for (Channel client : List.copyOf(clients)) {
            ClientConnection http = client.pipeline().get(ClientConnection.class);
            if (http != null) {
                http.closeAs(ClientCloseReason.SHUTDOWN);
            }
            client.close();
        }
    }

    /** Closes every pooled connection and fails waiting leases; runs on this loop. */
    public void closePools() {
        pools.values().forEach(ServerPool::closeAll);
    }
}
