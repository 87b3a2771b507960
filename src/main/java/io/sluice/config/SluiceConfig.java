package io.sluice.config;

import java.time.Duration;
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
 * @param shutdownTimeout how long a graceful shutdown (SIGTERM) waits for exchanges and tunnels in flight before
 *                        it cuts them (default 30s)
 * @param accessLog the access log, or {@code null} when the file has none
 * @param deferred  journal and retries of routes with {@code deliver: deferred}
 */
public record SluiceConfig(int workers, Transport transport, List<ListenerConfig> listeners,
                           List<ClusterConfig> clusters, AdminConfig admin, BuffersConfig buffers,
                           Duration shutdownTimeout, AccessLogConfig accessLog, DeferredConfig deferred) {
    public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);

    public SluiceConfig {
        listeners = List.copyOf(listeners);
        clusters = List.copyOf(clusters);
        buffers = buffers == null ? BuffersConfig.DEFAULTS : buffers;
        shutdownTimeout = shutdownTimeout == null ? DEFAULT_SHUTDOWN_TIMEOUT : shutdownTimeout;
        deferred = deferred == null ? DeferredConfig.DEFAULTS : deferred;
    }

    public SluiceConfig(int workers, Transport transport, List<ListenerConfig> listeners,
                        List<ClusterConfig> clusters, AdminConfig admin, BuffersConfig buffers,
                        Duration shutdownTimeout, AccessLogConfig accessLog) {
        this(workers, transport, listeners, clusters, admin, buffers, shutdownTimeout, accessLog, null);
    }

    /** Without an access log, with the default shutdown timeout. */
    public SluiceConfig(int workers, Transport transport, List<ListenerConfig> listeners,
                        List<ClusterConfig> clusters, AdminConfig admin, BuffersConfig buffers) {
        this(workers, transport, listeners, clusters, admin, buffers, DEFAULT_SHUTDOWN_TIMEOUT, null);
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
