package io.sluice.pool;

import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import io.sluice.cluster.CloseReason;
import io.sluice.cluster.Server;
import io.sluice.cluster.SurgeQueue;
import io.sluice.config.PoolConfig;
import io.sluice.config.SendProxy;
import io.sluice.tcp.ProxiedConnection;
import io.sluice.tcp.ProxyHeader;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The connections of one event loop to one server (seed 003's connection pool). Confined to its loop: every
 * method must be called on it, so nothing here is locked. Idle connections are reused most-recent-first, so
 * the least used ones age out at {@code pool.idle_timeout}. The server-wide {@code max_connections} is shared
 * with the other loops through {@link Server}'s slots; requests beyond it wait here, bounded in number and time.
 */
public final class ServerPool {
    /** Leases that may wait at once per loop and server; beyond, a lease fails at once with QUEUE_FULL. */
    public static final int MAX_WAITING = 1024;

    private final EventLoop loop;
    private final Server server;
    private final Connector connector;
    /**
     * The surge queues of the clusters this pool serves: its cluster's, and after a reload that carried the server
     * over to a new cluster, the new one's too, until this loop forgets the old cluster (its queued requests still
     * wait for this server). Usually one; empty without a queue.
     */
    private final List<SurgeQueue> surges = new ArrayList<>(1);
    /** The server wants a PROXY header first. */
    private final SendProxy sendProxy;
    /** Connections belong to the client they were opened for (PROXY header or transparent source). */
    private final boolean perClient;
    private final int maxIdle;
    private final int prewarm;
    private final long idleTimeoutNanos;
    private final long waitTimeoutNanos;
    /** Most recently released first. */
    private final ArrayDeque<PooledConnection> idle = new ArrayDeque<>();
    private final ArrayDeque<PendingLease> waiting = new ArrayDeque<>();
    /** This loop's connections to the server that are not closed. */
    private int open;
    private boolean awaitingSlot;
    private boolean closed;
    /** The server's cluster left the configuration: leases are still served, but nothing is kept idle. */
    private boolean retired;
    private ScheduledFuture<?> sweep;

    /**
     * @param waitTimeout longest time a lease waits for a connection (connecting included)
     */
    public ServerPool(EventLoop loop, Server server, PoolConfig config, Duration waitTimeout, Connector connector) {
        this(loop, server, config, waitTimeout, connector, null);
    }

    /**
     * @param surge the cluster's surge queue: while it has waiters, connections released here go to them
     */
    public ServerPool(EventLoop loop, Server server, PoolConfig config, Duration waitTimeout, Connector connector,
                      SurgeQueue surge) {
        if (surge != null) {
            surges.add(surge);
        }
        this.loop = loop;
        this.server = server;
        this.connector = connector;
        this.sendProxy = server.config().sendProxy();
        this.perClient = server.config().perClient();
        this.maxIdle = config.maxIdle();
        this.prewarm = config.prewarm();
        this.idleTimeoutNanos = config.idleTimeout().toNanos();
        this.waitTimeoutNanos = waitTimeout.toNanos();
        server.addIdleShedder(() -> onLoop(this::shedOldestIdle));
    }

    public Server server() {
        return server;
    }

    /**
     * A reload replaced the server's cluster with one configured the same for this server: this pool serves the new
     * cluster too, and its released connections go to the new cluster's surge queue as well as to the old one's,
     * where requests that started before the reload may still wait. Runs on this pool's loop.
     */
    public void joinCluster(SurgeQueue newSurge) {
        assert loop.inEventLoop();
        surges.add(newSurge);
    }

    /** This loop forgot a retired cluster this pool served besides its current one: its queue is no concern. */
    public void leaveCluster(SurgeQueue oldSurge) {
        assert loop.inEventLoop();
        surges.remove(oldSurge);
    }

    /**
     * Whether leases must name their client: the server gets a PROXY header first, or connections come from the
     * client's address, so a connection serves only the client address it was opened for (reused across that
     * client's requests and connections).
     */
    public boolean perClient() {
        return perClient;
    }

    /**
     * Opens the {@code pool.prewarm} connections; they are kept open, and reopened if the server closes them. A
     * server that gets PROXY headers is not prewarmed: a connection names its client, which is not known yet.
     */
    public void start() {
        loop.execute(this::topUp);
    }

    /**
     * Gets a connection for {@code callback}: an idle live one at once, else one opened within the server's
     * {@code max_connections}, else the first one released, within the wait timeout.
     *
     * @param fresh  never hand out a pooled connection (a retry after a pooled one turned out closed)
     * @param client the client, when {@link #perClient()}; else {@code null}
     * @return a handle to cancel the lease while it waits, or {@code null} when the callback was already called
     */
    public PendingLease lease(LeaseCallback callback, boolean fresh, ProxiedConnection client) {
        assert loop.inEventLoop();
        if (closed) {
            callback.leaseFailed(LeaseFailure.CLOSED, null);
            return null;
        }
        if (!fresh) {
            PooledConnection connection = pollIdle(client);
            if (connection != null) {
                handOut(connection, callback);
                return null;
            }
        }
        if (waiting.size() >= MAX_WAITING) {
            callback.leaseFailed(LeaseFailure.QUEUE_FULL, null);
            return null;
        }
        PendingLease lease = enlist(callback, fresh, client);
        connectFor(lease);
        return lease;
    }

    /** What {@link #leaseIfFree} returns when the server has no connection free for this loop. */
    public static final PendingLease NO_CAPACITY = new PendingLease(null, null, false, null);

    /**
     * Like {@link #lease} but never waits for a slot: an idle connection is handed out at once, else one is opened
     * if the server has a slot free, else nothing happens and {@link #NO_CAPACITY} is returned. Taking the slot
     * is the same atomic step as checking for it, so requests that queue elsewhere (the cluster's surge queue)
     * cannot be overtaken between the check and the lease.
     */
    public PendingLease leaseIfFree(LeaseCallback callback, ProxiedConnection client) {
        assert loop.inEventLoop();
        if (closed) {
            callback.leaseFailed(LeaseFailure.CLOSED, null);
            return null;
        }
        PooledConnection connection = pollIdle(client);
        if (connection != null) {
            handOut(connection, callback);
            return null;
        }
        if (!server.tryAcquireSlot() && !reclaimIdleSlot(client)) {
            return NO_CAPACITY;
        }
        PendingLease lease = enlist(callback, false, client);
        connectWithSlot(lease);
        return lease;
    }

    /** A lease waiting for its connection, within the wait timeout. */
    private PendingLease enlist(LeaseCallback callback, boolean fresh, ProxiedConnection client) {
        PendingLease lease = new PendingLease(this, callback, fresh, client);
        waiting.add(lease);
        lease.timeout = loop.schedule(() -> expire(lease), waitTimeoutNanos, TimeUnit.NANOSECONDS);
        return lease;
    }

    void release(PooledConnection connection) {
        assert loop.inEventLoop();
        if (connection.state != PooledConnection.State.LEASED) {
            return;
        }
        if (!connection.channel.isActive()) {
            close(connection, CloseReason.SERVER_CLOSE);
            return;
        }
        server.addActive(-1);
        connection.state = PooledConnection.State.IDLE;
        offer(connection, false);
    }

    void close(PooledConnection connection, CloseReason reason) {
        assert loop.inEventLoop();
        switch (connection.state) {
            case CLOSED:
                return;
            case IDLE:
                // an idle connection already taken off the deque (and the gauge) by its caller is not found here
                if (idle.remove(connection)) {
                    server.addIdle(-1);
                }
                break;
            case LEASED:
                server.addActive(-1);
                break;
            default:
                break;
        }
        connection.state = PooledConnection.State.CLOSED;
        server.countClose(reason);
        connection.channel.close();
        open--;
        server.releaseSlot();
        serveWaiting();
        capacityMaybeFree();
    }

    void cancel(PendingLease lease) {
        assert loop.inEventLoop();
        if (!lease.done) {
            finish(lease);
        }
    }

    /**
     * A reload removed or replaced the server's cluster. The exchanges that started before it finish here: their
     * waiting and future leases are still served; idle connections are closed now and released ones from now on.
     */
    public void retire() {
        assert loop.inEventLoop();
        retired = true;
        while (!idle.isEmpty()) {
            close(idle.peekFirst(), CloseReason.RELOAD);
        }
        if (sweep != null) {
            sweep.cancel(false);
            sweep = null;
        }
    }

    /** Retired, with no connection open and no lease waiting: nothing uses the pool any more. */
    public boolean drained() {
        return retired && open == 0 && waiting.isEmpty();
    }

    /** Closes every connection and fails every waiting lease; used at shutdown. */
    public void closeAll() {
        assert loop.inEventLoop();
        closed = true;
        while (!waiting.isEmpty()) {
            PendingLease lease = waiting.peekFirst();
            finish(lease);
            lease.callback.leaseFailed(LeaseFailure.CLOSED, null);
        }
        while (!idle.isEmpty()) {
            close(idle.peekFirst(), CloseReason.SHUTDOWN);
        }
        if (sweep != null) {
            sweep.cancel(false);
        }
    }

    /** The most recently used live idle connection (of {@code client}'s address, when the server gets PROXY). */
    private PooledConnection pollIdle(ProxiedConnection client) {
        if (client != null) {
            return pollIdleOf(client.source().getAddress());
        }
        long now = System.nanoTime();
        PooledConnection connection;
        while ((connection = idle.pollFirst()) != null) {
            server.addIdle(-1);
            if (usable(connection, now)) {
                return connection;
            }
        }
        return null;
    }

    /** A scan, bounded by {@code pool.max_idle}: connections of other clients stay where they are. */
    private PooledConnection pollIdleOf(InetAddress clientAddress) {
        long now = System.nanoTime();
        for (Iterator<PooledConnection> it = idle.iterator(); it.hasNext(); ) {
            PooledConnection connection = it.next();
            if (clientAddress.equals(connection.clientAddress)) {
                it.remove();
                server.addIdle(-1);
                if (usable(connection, now)) {
                    return connection;
                }
                return pollIdleOf(clientAddress); // closed one of them; the deque changed under the iterator
            }
        }
        return null;
    }

    /** Whether an idle connection just taken off the deque can carry a request; closes it if not. */
    private boolean usable(PooledConnection connection, long now) {
        if (!connection.channel.isActive()) {
            close(connection, CloseReason.SERVER_CLOSE);
            return false;
        }
        if (now - connection.idleSinceNanos >= idleTimeoutNanos) {
            close(connection, CloseReason.IDLE_TIMEOUT);
            return false;
        }
        return true;
    }

    /**
     * For a server that gets PROXY headers, with no slot free: closes this loop's least recently used idle
     * connection (it belongs to another client) and keeps its slot for a connection of {@code client}.
     */
    private boolean reclaimIdleSlot(ProxiedConnection client) {
        PooledConnection oldest = client == null ? null : idle.pollLast();
        if (oldest == null) {
            return false;
        }
        server.addIdle(-1);
        oldest.state = PooledConnection.State.CLOSED;
        server.countClose(CloseReason.OTHER_CLIENT);
        oldest.channel.close();
        open--;
        return true;
    }

    private void handOut(PooledConnection connection, LeaseCallback callback) {
        connection.state = PooledConnection.State.LEASED;
        connection.uses++;
        server.addActive(1);
        callback.leased(connection);
    }

    /**
     * Hands a connection to a waiting lease on a later task: the caller may be in the middle of finishing another
     * exchange (a release), which must not run the next exchange's code inside its own.
     */
    private void give(PendingLease lease, PooledConnection connection) {
        finish(lease);
        connection.state = PooledConnection.State.LEASED;
        connection.uses++;
        server.addActive(1);
        loop.execute(() -> {
            if (connection.state == PooledConnection.State.CLOSED) {
                // closed by its server during the hand-over: as good as a failed connect
                lease.callback.leaseFailed(LeaseFailure.CONNECT_FAILED, null);
            } else {
                lease.callback.leased(connection);
            }
        });
    }

    private void finish(PendingLease lease) {
        lease.done = true;
        waiting.remove(lease);
        lease.timeout.cancel(false);
    }

    private PendingLease firstWaiting(boolean includeFresh, InetAddress clientAddress) {
        if (waiting.isEmpty()) {
            return null; // the common case, without an iterator
        }
        for (PendingLease lease : waiting) {
            if ((includeFresh || !lease.fresh)
                    && (clientAddress == null || clientAddress.equals(lease.client.source().getAddress()))) {
                return lease;
            }
        }
        return null;
    }

    private void expire(PendingLease lease) {
        if (lease.done) {
            return;
        }
        finish(lease);
        lease.callback.leaseFailed(LeaseFailure.TIMEOUT, null);
    }

    /** Opens a connection for {@code lease} if a slot is free; else the lease waits for a release or a slot. */
    private boolean connectFor(PendingLease lease) {
        if (!server.tryAcquireSlot() && !reclaimIdleSlot(lease.client)) {
            if (!awaitingSlot) {
                awaitingSlot = true;
                server.awaitSlot(() -> onLoop(this::slotReturned), open == 0);
            }
            return false;
        }
        connectWithSlot(lease);
        return true;
    }

    /** Opens a connection for {@code lease} in a slot already taken. */
    private void connectWithSlot(PendingLease lease) {
        lease.connecting = true;
        openConnection(lease.client).owner = lease;
    }

    private PooledConnection openConnection(ProxiedConnection client) {
        open++;
        server.countConnect();
        PooledConnection connection = new PooledConnection(this);
        if (client != null) {
            connection.clientAddress = client.source().getAddress();
            connection.proxyHeaderFor = sendProxy == SendProxy.OFF ? null : client;
        }
        connection.connectNanos = System.nanoTime();
        ChannelFuture future = connector.connect(connection);
        connection.channel = future.channel();
        // always completes on a later task, so that no caller sees its callback run inside lease()
        future.addListener(f -> loop.execute(() -> connected(connection, f.isSuccess(), f.cause())));
        return connection;
    }

    private void connected(PooledConnection connection, boolean success, Throwable cause) {
        PendingLease owner = connection.owner;
        connection.owner = null;
        if (connection.state == PooledConnection.State.CLOSED) {
            return;
        }
        if (!success) {
            connection.state = PooledConnection.State.CLOSED;
            open--;
            server.countConnectFailure();
            server.releaseSlot();
            if (owner != null && !owner.done) {
                finish(owner);
                owner.callback.leaseFailed(LeaseFailure.CONNECT_FAILED, cause);
            }
            serveWaiting();
            return;
        }
        connection.state = PooledConnection.State.IDLE;
        connection.connectNanos = System.nanoTime() - connection.connectNanos;
        if (connection.proxyHeaderFor != null) {
            // written first, flushed with the first request
            connection.channel.write(ProxyHeader.of(sendProxy, connection.channel.alloc(), connection.proxyHeaderFor),
                    connection.channel.voidPromise());
            connection.proxyHeaderFor = null;
        }
        if (owner != null && !owner.done) {
            give(owner, connection);
            return;
        }
        offer(connection, true);
    }

    /**
     * Finds a use for a live connection no lease owns: the oldest waiting lease, else the idle pool, unless the
     * pool is closed, full, or another loop starves for its slot.
     */
    private void offer(PooledConnection connection, boolean freshToo) {
        PendingLease next = firstWaiting(freshToo, connection.clientAddress);
        if (next != null) {
            give(next, connection);
        } else if (closed) {
            close(connection, CloseReason.SHUTDOWN);
        } else if (retired) {
            close(connection, CloseReason.RELOAD);
        } else if (server.rebalanceWanted() || firstQueuedNeedsElsewhere()) {
            // its slot is worth more to a loop that starves, or where the first queued request waits
            close(connection, CloseReason.REBALANCE);
        } else if (idle.size() >= maxIdle) {
            close(connection, CloseReason.POOL_FULL);
        } else {
            pool(connection);
        }
    }

    private void slotReturned() {
        awaitingSlot = false;
        serveWaiting();
    }

    /** After a slot or a connection became free: start connects for waiting leases that have none. */
    private void serveWaiting() {
        if (closed) {
            return;
        }
        for (PendingLease lease : waiting) {
            if (!lease.connecting && !connectFor(lease)) {
                return;
            }
        }
    }

    private void pool(PooledConnection connection) {
        connection.idleSinceNanos = System.nanoTime();
        idle.addFirst(connection);
        server.addIdle(1);
        if (sweep == null) {
            scheduleSweep(idleTimeoutNanos);
        }
        capacityMaybeFree();
    }

    /** Pokes the first waiter of each surge queue this pool serves. */
    private void capacityMaybeFree() {
        for (int i = 0; i < surges.size(); i++) {
            surges.get(i).capacityMaybeFree();
        }
    }

    /** Whether the first waiter of a surge queue this pool serves waits on another loop for this server. */
    private boolean firstQueuedNeedsElsewhere() {
        for (int i = 0; i < surges.size(); i++) {
            if (surges.get(i).firstNeedsElsewhere(loop, server)) {
                return true;
            }
        }
        return false;
    }

    private void shedOldestIdle() {
        PooledConnection oldest = idle.peekLast();
        // every loop is asked: for a starved loop the first to shed satisfies it and the others keep theirs; for a
        // surge queue each loop gives up one per ask, and asks come only from a waiter that found no capacity
        if (oldest != null && (server.rebalanceWanted() || firstQueuedNeedsElsewhere())) {
            close(oldest, CloseReason.REBALANCE);
        }
    }

    /** Runs {@code task} on this pool's loop; from other loops, so it must tolerate the loop having stopped. */
    private void onLoop(Runnable task) {
        try {
            loop.execute(task);
        } catch (RejectedExecutionException e) {
            // the loop is shutting down: nothing is left to serve
        }
    }

    private void scheduleSweep(long delayNanos) {
        sweep = loop.schedule(this::sweep, Math.max(delayNanos, TimeUnit.MILLISECONDS.toNanos(10)), TimeUnit.NANOSECONDS);
    }

    /** Closes connections idle past the timeout, oldest first, keeping {@code prewarm} of them. */
    private void sweep() {
        sweep = null;
        if (closed || retired) {
            return;
        }
        long now = System.nanoTime();
        Iterator<PooledConnection> oldestFirst = idle.descendingIterator();
        int keep = prewarm;
        while (oldestFirst.hasNext()) {
            PooledConnection connection = oldestFirst.next();
            if (now - connection.idleSinceNanos < idleTimeoutNanos) {
                break;
            }
            if (open <= keep) {
                connection.idleSinceNanos = now;
                continue;
            }
            oldestFirst.remove();
            server.addIdle(-1);
            close(connection, CloseReason.IDLE_TIMEOUT);
        }
        topUp();
        PooledConnection oldest = idle.peekLast();
        if (oldest != null) {
            scheduleSweep(oldest.idleSinceNanos + idleTimeoutNanos - now);
        } else if (prewarm > 0) {
            scheduleSweep(idleTimeoutNanos);
        }
    }

    private void topUp() {
        while (!closed && !retired && open < prewarm && !perClient && server.tryAcquireSlot()) {
            openConnection(null);
        }
        if (prewarm > 0 && sweep == null && !closed && !retired) {
            scheduleSweep(idleTimeoutNanos);
        }
    }
}
