package io.sluice.health;

import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.sluice.cluster.Cluster;
import io.sluice.config.Balance;
import io.sluice.config.ClusterConfig;
import io.sluice.config.ClusterTimeouts;
import io.sluice.config.HealthConfig;
import io.sluice.config.OutlierConfig;
import io.sluice.config.ServerConfig;
import io.sluice.testing.ProxyFixture;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Health checkers over real loopback sockets without a proxy in front: builds clusters from records (as the config
 * loader would), starts a {@link HealthChecker} on them and closes it after the test.
 */
final class HealthTesting implements AfterEachCallback {
    /** Passive checking off. */
    static final OutlierConfig NO_OUTLIER = new OutlierConfig(0, Duration.ofSeconds(10), Duration.ofMinutes(5));
    /** Connect timeout of the test clusters: also the timeout of the TCP probe that ends an ejection. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(1);

    private final ConcurrentLinkedQueue<HealthChecker> checkers = new ConcurrentLinkedQueue<>();

    static HealthConfig http(String path, int expectFrom, int expectTo, long intervalMillis, long timeoutMillis,
                             int rise, int fall) {
        return new HealthConfig(HealthConfig.Type.HTTP, path, expectFrom, expectTo, Duration.ofMillis(intervalMillis),
                Duration.ofMillis(timeoutMillis), rise, fall);
    }

    static HealthConfig tcp(long intervalMillis, long timeoutMillis, int rise, int fall) {
        return new HealthConfig(HealthConfig.Type.TCP, null, 0, 0, Duration.ofMillis(intervalMillis),
                Duration.ofMillis(timeoutMillis), rise, fall);
    }

    static Cluster cluster(HealthConfig health, OutlierConfig outlier, InetSocketAddress... servers) {
        List<ServerConfig> list = new ArrayList<>();
        for (InetSocketAddress a : servers) {
            list.add(new ServerConfig(ProxyFixture.hostPort(a), 1, 16));
        }
        ClusterConfig base = new ClusterConfig("web", Balance.ROUND_ROBIN, list, ProxyFixture.TEST_POOL,
                new ClusterTimeouts(CONNECT_TIMEOUT, Duration.ofSeconds(5)));
        return new Cluster(ProxyFixture.withHealth(base, health, outlier));
    }

    /** A started checker of these clusters (NIO transport), closed after the test. */
    HealthChecker start(Cluster... clusters) {
        HealthChecker checker = new HealthChecker(List.of(clusters), NioIoHandler.newFactory(), NioSocketChannel.class);
        checkers.add(checker);
        checker.start();
        return checker;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        for (HealthChecker c; (c = checkers.poll()) != null; ) {
            c.close();
        }
    }
}
