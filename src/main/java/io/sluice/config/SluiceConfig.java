package io.sluice.config;

import java.util.List;

/**
 * A validated, immutable configuration snapshot: what one YAML file says, with every default filled in.
 *
 * @param workers   event loops (default: available processors)
 * @param transport socket transport
 * @param listeners listeners in file order
 * @param clusters  clusters in file order
 * @param admin     the admin listener, or {@code null} when the file has none
 */
public record SluiceConfig(int workers, Transport transport, List<ListenerConfig> listeners,
                           List<ClusterConfig> clusters, AdminConfig admin) {
    public SluiceConfig {
        listeners = List.copyOf(listeners);
        clusters = List.copyOf(clusters);
    }

    /** The cluster with this name, or {@code null}. */
    public ClusterConfig cluster(String name) {
        for (ClusterConfig c : clusters) {
            if (c.name().equals(name)) {
                return c;
            }
        }
        return null;
    }
}
