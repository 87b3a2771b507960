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
 * @param buffers   memory budget and spill files of buffered exchanges
 * @param accessLog the access log, or {@code null} when the file has none
 */
public record SluiceConfig(int workers, Transport transport, List<ListenerConfig> listeners,
                           List<ClusterConfig> clusters, AdminConfig admin, BuffersConfig buffers,
                           AccessLogConfig accessLog) {
    public SluiceConfig {
        listeners = List.copyOf(listeners);
        clusters = List.copyOf(clusters);
        buffers = buffers == null ? BuffersConfig.DEFAULTS : buffers;
    }

    /** Without an access log. */
    public SluiceConfig(int workers, Transport transport, List<ListenerConfig> listeners,
                        List<ClusterConfig> clusters, AdminConfig admin, BuffersConfig buffers) {
        this(workers, transport, listeners, clusters, admin, buffers, null);
    }

    public SluiceConfig(int workers, Transport transport, List<ListenerConfig> listeners,
                        List<ClusterConfig> clusters, AdminConfig admin) {
        this(workers, transport, listeners, clusters, admin, BuffersConfig.DEFAULTS);
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
