package io.sluice.health;

import io.netty.util.concurrent.ScheduledFuture;
import io.sluice.cluster.Server;
import io.sluice.config.HealthConfig;
import io.sluice.config.SendProxy;
import io.sluice.log.Log;
import io.sluice.tcp.ProxyHeader;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * The health of one server: its active checks (rise and fall counting) and its passive-check ejections. Confined
 * to the checker's event loop; the fields /stats reads are volatile and written by that loop only.
 *
 * <p>At most one check of the server is in flight: the periodic check and the probe that ends an ejection are the
 * same check, and a tick that finds a check still running (a timeout longer than the interval) is skipped; the
 * next one is scheduled when that check ends.
 */
final class ServerHealth {
    private final HealthChecker checker;
    private final ClusterHealth cluster;
    final Server server;
    /** {@code cluster/address}, as log lines name the server. */
    final String name;
    /** The HTTP check's request bytes; {@code null} when the cluster's checks are TCP or there are none. */
    private final byte[] httpRequest;

    private volatile int passesInRow;
    private volatile int failuresInRow;
    private volatile long checks;
    private volatile long checksFailed;
    private volatile String lastCheck;
    private volatile long ejections;
    private volatile long ejectionMillis;

    private boolean checking;
    /** The server's cluster was removed or replaced by a reload: nothing more is checked or decided. */
    private boolean stopped;
    private long checkStarted;
    /** The next periodic check, or {@code null} while none is scheduled. */
    private ScheduledFuture<?> nextCheck;
    /** The ejection's end ran while a check was in flight: that check's result decides. */
    private boolean probeDue;
    private int ejectionLevel;
    /** When the server came back from its last ejection ({@code System.nanoTime()}); 0 while ejected or never. */
    private long returnedAt;

    ServerHealth(HealthChecker checker, ClusterHealth cluster, Server server) {
        this.checker = checker;
        this.cluster = cluster;
        this.server = server;
        this.name = cluster.name() + "/" + server.config().address();
        HealthConfig health = cluster.health();
        this.httpRequest = health != null && health.type() == HealthConfig.Type.HTTP
                ? withProxyHeader(server.config().sendProxy(),
                        Check.httpRequest(health.httpPath(), server.config().address().toString()))
                : null;
    }

    /** A server that expects a PROXY header on every connection gets one on its checks too, naming nobody. */
    private static byte[] withProxyHeader(SendProxy sendProxy, byte[] request) {
        if (sendProxy == SendProxy.OFF) {
            return request;
        }
        byte[] header = ProxyHeader.local(sendProxy == SendProxy.V1);
        byte[] both = Arrays.copyOf(header, header.length + request.length);
        System.arraycopy(request, 0, both, header.length, request.length);
        return both;
    }

    HealthStatus status() {
        return new HealthStatus(passesInRow, failuresInRow, checks, checksFailed, lastCheck, ejections,
                ejectionMillis);
    }

    // ---- active checks ----

    /** Schedules the first periodic check. */
    void startChecks(long delayNanos) {
        nextCheck = checker.schedule(this::tick, delayNanos);
    }

    /** Stops checking the server for good (its cluster left the configuration). */
    void stop() {
        stopped = true;
        if (server.ejected()) {
            // nothing would end the ejection now; a cluster that took the server over starts it with a clean slate
            server.setEjected(false);
        }
        if (nextCheck != null) {
            nextCheck.cancel(false);
            nextCheck = null;
        }
        server.watchFailures(0, null);
    }

    private void tick() {
        nextCheck = null;
        if (!checking && !stopped) {
            runCheck();
        }
    }

    private void runCheck() {
        checking = true;
        checkStarted = System.nanoTime();
        HealthConfig health = cluster.health();
        if (httpRequest != null) {
            Check.http(checker.loop(), checker.bootstrap(), server.address(), httpRequest, health.expectFrom(),
                    health.expectTo(), health.timeout().toMillis(), this::checked);
        } else {
            long timeout = health != null ? health.timeout().toMillis() : cluster.probeTimeoutMillis();
            Check.tcp(checker.loop(), checker.bootstrap(), server.address(), timeout, this::checked);
        }
    }

    private void checked(boolean passed, String detail) {
        checking = false;
        if (checker.closed() || stopped) {
            return; // shutting down closed the check's connection: not the server's doing
        }
        checks++;
        if (!passed) {
            checksFailed++;
        }
        lastCheck = (passed ? "passed: " : "failed: ") + detail;
        HealthConfig health = cluster.health();
        if (health != null) {
            countRiseFall(health, passed, detail);
        }
        if (probeDue) {
            probeDue = false;
            if (passed) {
                comeBack(detail);
            } else if (server.ejected()) {
                eject("check failed: " + detail);
            }
        }
        if (health != null && nextCheck == null) {
            long wait = checkStarted + health.interval().toNanos() - System.nanoTime();
            nextCheck = checker.schedule(this::tick, Math.max(0, wait));
        }
    }

    private void countRiseFall(HealthConfig health, boolean passed, String detail) {
        if (passed) {
            failuresInRow = 0;
            passesInRow = saturatedIncrement(passesInRow);
            if (!server.healthy() && passesInRow >= health.rise()) {
                server.setHealthy(true);
                Log.event("server " + name + " up: " + plural(passesInRow, "check") + " passed in a row");
            }
        } else {
            passesInRow = 0;
            failuresInRow = saturatedIncrement(failuresInRow);
            if (server.healthy() && failuresInRow >= health.fall()) {
                server.setHealthy(false);
                Log.event("server " + name + " down: " + plural(failuresInRow, "check") + " failed in a row, last: "
                        + detail);
            }
        }
    }

    private static String plural(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    private static int saturatedIncrement(int n) {
        return n == Integer.MAX_VALUE ? n : n + 1;
    }

    // ---- passive checks ----

    /** {@code outlier.consecutive_failures} requests failed in a row (handed over from the failing request's loop). */
    void failuresReached() {
        int failures = server.consecutiveFailures();
        server.resetConsecutiveFailures();
        if (server.ejected() || checker.closed() || stopped) {
            return;
        }
        if (!cluster.mayEject(this)) {
            Log.debug(() -> "server " + name + " not ejected: the cluster keeps at least half its servers");
            return;
        }
        eject(plural(failures, "request") + " failed in a row");
    }

    private void eject(String why) {
        long now = System.nanoTime();
        long base = cluster.outlier().baseEjection().toNanos();
        long max = cluster.outlier().maxEjection().toNanos();
        if (returnedAt != 0) {
            ejectionLevel = Ejections.decay(ejectionLevel, now - returnedAt, base);
            returnedAt = 0;
        }
        long duration = Ejections.durationNanos(ejectionLevel, base, max);
        ejectionLevel = Ejections.next(ejectionLevel, base, max);
        boolean again = server.ejected();
        ejections++;
        ejectionMillis = TimeUnit.NANOSECONDS.toMillis(duration);
        server.setEjected(true);
        Log.event("server " + name + (again ? " ejected again for " : " ejected for ") + ejectionMillis + " ms: "
                + why);
        checker.schedule(this::ejectionOver, duration);
    }

    /** The ejection's time is up: a check decides whether the server comes back or stays out longer. */
    private void ejectionOver() {
        if (!server.ejected() || stopped) {
            return;
        }
        probeDue = true;
        if (!checking) {
            runCheck();
        }
    }

    private void comeBack(String detail) {
        returnedAt = System.nanoTime();
        ejectionMillis = 0;
        server.resetConsecutiveFailures();
        server.setEjected(false);
        Log.event("server " + name + " back from ejection: check passed (" + detail + ")");
    }
}
