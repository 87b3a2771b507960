package io.sluice.cluster;

import io.netty.channel.EventLoop;
import io.sluice.config.QueueConfig;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A cluster's surge queue (seed 003's surge protection): requests that find every eligible server at its
 * {@code max_connections} wait here, in order of arrival over all event loops, instead of opening more
 * connections. Only the first waiter may take capacity that frees up; it is poked on its own loop whenever some
 * may have (a connection released or closed, a slot returned), and the next one after it got its lease. While
 * anyone waits, a connection released on a loop other than the first waiter's is closed rather than pooled, so
 * that its slot goes to the waiter. Thread-safe; bounded by {@code queue.max}.
 */
public final class SurgeQueue {
    /** A queued request, poked on its own loop when it may find capacity. */
    public interface Waiter {
        EventLoop eventLoop();

        /** Called on {@link #eventLoop()} while this waiter is first in line: it tries to lease again. */
        void capacityMaybeFree();
    }

    /** A place in the queue. */
    public static final class Ticket {
        final Waiter waiter;
        volatile boolean left;
        /** Servers the waiter will not use (a bit per index): those its request already failed on. */
        volatile long excluded;
        private final AtomicInteger poked = new AtomicInteger();

        Ticket(Waiter waiter) {
            this.waiter = waiter;
        }
    }

    private final int max;
    private final long timeoutNanos;
    private final List<Server> servers;
    private final Queue<Ticket> tickets = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();
    /** Servers (a bit per index) whose slot return is already set to poke this queue. */
    private final AtomicLong awaitingSlots = new AtomicLong();

    public SurgeQueue(QueueConfig config, List<Server> servers) {
        this.max = config.max();
        this.timeoutNanos = config.timeout().toNanos();
        this.servers = servers;
    }

    public long timeoutNanos() {
        return timeoutNanos;
    }

    public boolean isEmpty() {
        return size.get() == 0;
    }

    public int size() {
        return size.get();
    }

    /**
     * Joins the end of the queue, or returns {@code null} when it is full.
     *
     * @param excluded servers the waiter will not use, a bit per index
     */
    public Ticket enqueue(Waiter waiter, long excluded) {
        for (;;) {
            int n = size.get();
            if (n >= max) {
                return null;
            }
            if (size.compareAndSet(n, n + 1)) {
                break;
            }
        }
        Ticket ticket = new Ticket(waiter);
        ticket.excluded = excluded;
        tickets.add(ticket);
        capacityMaybeFree();
        return ticket;
    }

    /** Leaves the queue (served, timed out or gone); idempotent. */
    public void leave(Ticket ticket) {
        if (ticket.left) {
            return;
        }
        ticket.left = true;
        tickets.remove(ticket);
        size.decrementAndGet();
        capacityMaybeFree(); // the next one may be able to go
    }

    /**
     * Whether the first waiter is on another loop than {@code loop} and would use a connection to {@code server}:
     * then a connection to it released on {@code loop} is closed, so that its slot goes to the waiter.
     */
    public boolean firstNeedsElsewhere(EventLoop loop, Server server) {
        if (size.get() == 0) {
            return false; // every release asks: keep the common case to one read
        }
        Ticket first = first();
        if (first == null || first.waiter.eventLoop() == loop || !server.available()) {
            return false;
        }
        int index = servers.indexOf(server);
        return index >= 0 && (first.excluded & (1L << index)) == 0;
    }

    /** Something may have freed capacity: the first waiter tries again, on its loop. Cheap when nobody waits. */
    public void capacityMaybeFree() {
        if (size.get() == 0) {
            return;
        }
        Ticket first = first();
        if (first != null && first.poked.compareAndSet(0, 1)) {
            try {
                first.waiter.eventLoop().execute(() -> {
                    first.poked.set(0);
                    if (!first.left) {
                        first.waiter.capacityMaybeFree();
                    }
                });
            } catch (RejectedExecutionException e) {
                first.poked.set(0); // the loop is shutting down: its waiters are failed by the shutdown
            }
        }
    }

    /** Whether {@code ticket} is first in line. */
    public boolean isFirst(Ticket ticket) {
        return first() == ticket;
    }

    /**
     * The first waiter found no capacity although it was poked: the next slot returned by a server it would use
     * pokes the queue, and the loops holding idle connections to those servers are asked to give one up. Servers
     * it would not use (excluded, or out of service) are left alone: a free slot there must not wake it.
     */
    public void awaitSlots(long excluded) {
        for (int i = 0; i < servers.size(); i++) {
            Server server = servers.get(i);
            long bit = 1L << i;
            if ((excluded & bit) != 0 || !server.available()) {
                continue;
            }
            long before = awaitingSlots.getAndUpdate(v -> v | bit);
            if ((before & bit) == 0) {
                server.awaitSlot(() -> {
                    awaitingSlots.getAndUpdate(v -> v & ~bit);
                    capacityMaybeFree();
                }, false);
            }
            server.shedIdleConnections();
        }
    }

    private Ticket first() {
        Ticket t;
        while ((t = tickets.peek()) != null && t.left) {
            tickets.remove(t);
        }
        return t;
    }
}
