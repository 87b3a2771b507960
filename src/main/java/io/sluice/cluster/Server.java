package io.sluice.cluster;

import io.sluice.config.ServerConfig;
import io.sluice.telemetry.LatencyHistogram;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * One server of a cluster: the state every event loop shares about it. Pools are per event loop; what they must
 * agree on lives here and is thread-safe: the connection slots of {@code max_connections}, the hand-over of slots
 * between loops, and the counters /stats shows.
 */
public final class Server {
    private static final long NO_SLOW_START = Long.MIN_VALUE;

    private final ServerConfig config;
    private final InetSocketAddress address;
    private final AtomicInteger openConnections = new AtomicInteger();
    /** Event loops with leases waiting for a slot, woken one per returned slot (see {@link #awaitSlot}). */
    private final Queue<SlotWaiter> slotWaiters = new ConcurrentLinkedQueue<>();
    /** How many of them hold no connection of their own to this server, so that nothing local frees one. */
    private final AtomicInteger starvedCount = new AtomicInteger();
    private final CopyOnWriteArrayList<Runnable> idleShedders = new CopyOnWriteArrayList<>();
    private final LongAdder requests = new LongAdder();
    private final LongAdder connects = new LongAdder();
    private final LongAdder connectFailures = new LongAdder();
    private final LongAdder active = new LongAdder();
    private final LongAdder idle = new LongAdder();
    private final LongAdder[] closes = new LongAdder[CloseReason.values().length];
    private final LatencyHistogram latency = new LatencyHistogram();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger consecutiveFailures = new AtomicInteger();
    /** Failures in a row that call {@link #failureAction} (0: never); see {@link #watchFailures}. */
    private volatile int failureThreshold;
    private volatile Runnable failureAction;
    private final long slowStartNanos;
    private volatile AdminState adminState = AdminState.ENABLED;
    private volatile boolean healthy = true;
    private volatile boolean ejected;
    private volatile long slowStartBegan = NO_SLOW_START;
    private volatile Runnable availableAction = () -> { };

    public Server(ServerConfig config) {
        this(config, Duration.ZERO);
    }

    public Server(ServerConfig config, Duration slowStart) {
        this.config = config;
        this.slowStartNanos = slowStart.toNanos();
        this.address = config.address().toSocketAddress();
        for (int i = 0; i < closes.length; i++) {
            closes[i] = new LongAdder();
        }
    }

    public ServerConfig config() {
        return config;
    }

    public InetSocketAddress address() {
        return address;
    }

    /** What the admin set: whether the server takes new requests at all. */
    public enum AdminState { ENABLED, DRAINING, DISABLED }

    public ServerState state() {
        AdminState admin = adminState;
        if (admin == AdminState.DISABLED) {
            return ServerState.DISABLED;
        }
        if (admin == AdminState.DRAINING) {
            return ServerState.DRAINING;
        }
        if (!healthy) {
            return ServerState.DOWN;
        }
        return ejected ? ServerState.EJECTED : ServerState.UP;
    }

    /** Whether balancers may pick this server for a new request. */
    public boolean available() {
        return adminState == AdminState.ENABLED && healthy && !ejected;
    }

    public AdminState adminState() {
        return adminState;
    }

    /**
     * Sets what the admin asked for; takes effect for the next pick on every event loop. Requests in flight finish
     * whatever the state. Synchronized so that concurrent admin calls each see the state they replaced.
     *
     * @return the state before
     */
    public synchronized AdminState setAdminState(AdminState state) {
        AdminState before = adminState;
        if (before != AdminState.ENABLED && state == AdminState.ENABLED) {
            startSlowStart(); // before the server becomes available: no pick may see it at full weight
        }
        adminState = state;
        announceIfAvailable();
        return before;
    }

    /** Set by the health checker. */
    public void setHealthy(boolean up) {
        if (!healthy && up) {
            startSlowStart();
        }
        healthy = up;
        announceIfAvailable();
    }

    public boolean healthy() {
        return healthy;
    }

    /** Set by passive health checking. */
    public void setEjected(boolean out) {
        if (ejected && !out) {
            startSlowStart();
        }
        ejected = out;
        announceIfAvailable();
    }

    public boolean ejected() {
        return ejected;
    }

    /**
     * Runs {@code action} (on the thread that changed the state) whenever a state change leaves the server
     * available: the cluster's surge queue then tries its first waiter again.
     */
    public void onAvailable(Runnable action) {
        availableAction = action;
    }

    private void announceIfAvailable() {
        if (available()) {
            availableAction.run();
        }
    }

    private void startSlowStart() {
        if (slowStartNanos > 0) {
            slowStartBegan = System.nanoTime();
        }
    }

    /**
     * The weight balancers use now: the configured one, or during slow start a share of it that grows linearly
     * from 10% to 100% (never below 1). Only reads: the event loops calling it never write the slow start state.
     */
    public int effectiveWeight(long nowNanos) {
        int weight = config.weight();
        long began = slowStartBegan;
        if (began == NO_SLOW_START) {
            return weight;
        }
        long elapsed = nowNanos - began;
        if (elapsed >= slowStartNanos || elapsed < 0) {
            return weight;
        }
        double share = 0.1 + 0.9 * elapsed / slowStartNanos;
        return Math.max(1, (int) Math.round(weight * share));
    }

    /**
     * A request to this server got an answer that is not a 5xx: the passive check's run of failures ends.
     * Called on every response, so it stays a read when there is nothing to reset.
     */
    public void requestSucceeded() {
        if (consecutiveFailures.get() != 0) {
            consecutiveFailures.set(0);
        }
    }

    /**
     * A request to this server failed: connect failure, response timeout, broken response or a 5xx answer. The
     * failure that makes the run reach the {@link #watchFailures watched} threshold runs the watcher's action, on
     * this thread; exactly one failure of a run does (the one that moves the count onto the threshold), so
     * failures after it cost one atomic increment and nothing else.
     */
    public void requestFailed() {
        int failures = consecutiveFailures.incrementAndGet();
        if (failures == failureThreshold) {
            Runnable action = failureAction;
            if (action != null) {
                action.run();
            }
        }
    }

    /** Failures in a row (see {@link #requestFailed}). */
    public int consecutiveFailures() {
        return consecutiveFailures.get();
    }

    /** Starts a new run of failures (after the watcher acted on one, or when the server comes back). */
    public void resetConsecutiveFailures() {
        consecutiveFailures.set(0);
    }

    /**
     * Runs {@code action} when {@code threshold} requests failed in a row (passive health checking). The action
     * runs on the thread of the failing request, an event loop: it must only hand the work over. It runs once per
     * run of failures; {@link #resetConsecutiveFailures} starts a new run. {@code threshold} 0 or {@code action}
     * {@code null} stops watching.
     */
    public void watchFailures(int threshold, Runnable action) {
        failureAction = action;
        failureThreshold = action == null ? 0 : threshold;
    }

    /** Requests sent to this server and not finished, over all event loops (for least_request). */
    public int inFlight() {
        return inFlight.get();
    }

    public void requestStarted() {
        inFlight.incrementAndGet();
    }

    public void requestEnded() {
        inFlight.decrementAndGet();
    }

    /** Takes one of the server's {@code max_connections} slots, if any is free. */
    public boolean tryAcquireSlot() {
        int max = config.maxConnections();
        for (;;) {
            int open = openConnections.get();
            if (open >= max) {
                return false;
            }
            if (openConnections.compareAndSet(open, open + 1)) {
                return true;
            }
        }
    }

    /**
     * Returns a slot and wakes every event loop waiting for one: they race for it and the losers register again.
     * Waking one only would lose the slot to a loop whose waiting leases were served meanwhile by its own releases.
     */
    public void releaseSlot() {
        openConnections.decrementAndGet();
        wakeWaiters();
    }

    /**
     * Called by an event loop whose leases wait for a slot; {@code wake} runs (on any thread) when one comes back.
     * A loop that holds no connection of its own to this server is {@code starved}: nothing it does will ever free a
     * slot, so the other loops are asked to give one up (close an idle connection, or not pool the next released).
     */
    public void awaitSlot(Runnable wake, boolean starved) {
        slotWaiters.add(new SlotWaiter(wake, starved));
        if (starved) {
            starvedCount.incrementAndGet();
        }
        if (openConnections.get() < config.maxConnections()) {
            // a slot came back between the caller's failed attempt and its registration: nobody would wake it
            wakeWaiters();
            return;
        }
        if (starved) {
            for (Runnable shedder : idleShedders) {
                shedder.run();
            }
        }
    }

    private void wakeWaiters() {
        SlotWaiter waiter;
        while ((waiter = slotWaiters.poll()) != null) {
            if (waiter.starved) {
                starvedCount.decrementAndGet();
            }
            waiter.wake.run();
        }
    }

    private record SlotWaiter(Runnable wake, boolean starved) {
    }

    /** Whether a loop with an idle or released connection should close it so that a starved loop gets the slot. */
    public boolean rebalanceWanted() {
        return starvedCount.get() > 0;
    }

    /**
     * Asks every event loop's pool to close one idle connection to this server if a request waiting elsewhere
     * needs its slot (each pool decides on its own loop).
     */
    public void shedIdleConnections() {
        for (Runnable shedder : idleShedders) {
            shedder.run();
        }
    }

    /** Registers an action that asks one event loop's pool to close one idle connection (runs on any thread). */
    public void addIdleShedder(Runnable shedder) {
        idleShedders.add(shedder);
    }

    public int openConnections() {
        return openConnections.get();
    }

    public void countRequest() {
        requests.increment();
    }

    public void countConnect() {
        connects.increment();
    }

    public void countConnectFailure() {
        connectFailures.increment();
    }

    public void countClose(CloseReason reason) {
        closes[reason.ordinal()].increment();
    }

    /** Tracks the leased ({@code +1/-1}) gauge. */
    public void addActive(int delta) {
        active.add(delta);
    }

    /** Tracks the pooled idle ({@code +1/-1}) gauge. */
    public void addIdle(int delta) {
        idle.add(delta);
    }

    public long requests() {
        return requests.sum();
    }

    public long connects() {
        return connects.sum();
    }

    public long connectFailures() {
        return connectFailures.sum();
    }

    public long active() {
        return active.sum();
    }

    public long idle() {
        return idle.sum();
    }

    public long closes(CloseReason reason) {
        return closes[reason.ordinal()].sum();
    }

    /** Counts an HTTP exchange this server answered (or failed): its duration from the request's start to its end. */
    public void exchangeEnded(long totalNanos) {
        latency.record(totalNanos);
    }

    /** Durations of the exchanges sent to this server, from the request's start to the end of the exchange. */
    public LatencyHistogram latency() {
        return latency;
    }
}
