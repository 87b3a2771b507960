package io.sluice.pool;

import io.netty.channel.embedded.EmbeddedChannel;
import io.sluice.cluster.Server;
import io.sluice.config.HostPort;
import io.sluice.config.PoolConfig;
import io.sluice.config.ServerConfig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.time.Duration;

/**
 * The pool's hot path: a lease served by an idle connection, then its release back to the pool (what every
 * request on a warm proxy does once).
 */
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class PoolBenchmark {
    private EmbeddedChannel loopChannel;
    private ServerPool pool;
    private final Holder holder = new Holder();

    /** A lease callback that keeps the connection it got. */
    static final class Holder implements LeaseCallback {
        PooledConnection connection;

        @Override
        public void leased(PooledConnection c) {
            connection = c;
        }

        @Override
        public void leaseFailed(LeaseFailure failure, Throwable cause) {
            throw new IllegalStateException(failure.name());
        }
    }

    @Setup
    public void setUp() {
        loopChannel = new EmbeddedChannel();
        Server server = new Server(new ServerConfig(new HostPort("127.0.0.1", 9), 1, 16));
        pool = new ServerPool(loopChannel.eventLoop(), server, new PoolConfig(64, Duration.ofHours(1), 0),
                Duration.ofSeconds(5), connection -> {
                    EmbeddedChannel channel = new EmbeddedChannel();
                    return channel.newSucceededFuture();
                });
        pool.lease(holder, false, null);
        loopChannel.runPendingTasks();
        loopChannel.runPendingTasks();
        holder.connection.release();
    }

    @Benchmark
    public PooledConnection leaseAndRelease() {
        pool.lease(holder, false, null);
        PooledConnection c = holder.connection;
        c.release();
        return c;
    }
}
