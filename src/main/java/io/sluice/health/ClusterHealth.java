package io.sluice.health;

import io.sluice.cluster.Cluster;
import io.sluice.config.HealthConfig;
import io.sluice.config.OutlierConfig;

import java.util.ArrayList;
import java.util.List;

/** The health settings of one cluster and its servers' health; confined to the checker's loop like them. */
final class ClusterHealth {
    private final Cluster cluster;
    private final List<ServerHealth> servers = new ArrayList<>();

    ClusterHealth(Cluster cluster) {
        this.cluster = cluster;
    }

    String name() {
        return cluster.name();
    }

    Cluster cluster() {
        return cluster;
    }

    /** Active checks; {@code null}: none. */
    HealthConfig health() {
        return cluster.config().health();
    }

    /** Passive checks; never {@code null} (absent means off). */
    OutlierConfig outlier() {
        OutlierConfig outlier = cluster.config().outlier();
        return outlier == null ? new OutlierConfig(0, OutlierConfig.DEFAULTS.baseEjection(),
                OutlierConfig.DEFAULTS.maxEjection()) : outlier;
    }

    /** The timeout of the TCP probe that ends an ejection when the cluster has no active checks. */
    long probeTimeoutMillis() {
        return cluster.config().timeouts().connect().toMillis();
    }

    void add(ServerHealth server) {
        servers.add(server);
    }

    List<ServerHealth> servers() {
        return servers;
    }

    /**
     * Whether passive checking may eject {@code candidate} now. Like Envoy's {@code max_ejection_percent} fixed at
     * 50%: at most half of a cluster's servers (rounded down) are ejected at once, so a one-server cluster never
     * ejects its server; and never the last server available for new requests, whatever else took the others
     * out (down, disabled, draining). Failures everywhere are more likely the proxy's or the network's problem
     * than every server's, and a server that answers some requests beats a cluster that answers none.
     */
    boolean mayEject(ServerHealth candidate) {
        int ejected = 0;
        boolean otherAvailable = false;
        for (ServerHealth s : servers) {
            if (s.server.ejected()) {
                ejected++;
            } else if (s != candidate && s.server.available()) {
                otherAvailable = true;
            }
        }
        return otherAvailable && ejected + 1 <= servers.size() / 2;
    }
}
