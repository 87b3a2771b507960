package io.sluice.tcp;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.sluice.cluster.Cluster;
import io.sluice.config.ListenerConfig;
import io.sluice.http.ProxyLoop;
import io.sluice.listener.AcceptLimiter;
import io.sluice.listener.Latest;
import io.sluice.listener.ListenerStats;
import io.sluice.listener.Screen;
import io.sluice.telemetry.AccessLog;

import java.util.Map;

/**
 * A {@code protocol: tcp} listener: every client connection is relayed to a connection to one server of the
 * listener's cluster, bytes untouched both ways (seed 001's pass-through proxy, seed 003's splice). A reload puts
 * a new generation in its place ({@link #replaceWith}) for the connections accepted from then on; sessions keep
 * the one they started with.
 */
public final class TcpListener {
    final ListenerConfig config;
    final Cluster cluster;
    final AcceptLimiter limiter;
    final ListenerStats stats;
    /** {@code null}: no access log. */
    final AccessLog accessLog;
    private final Screen screen;
    /** Where every generation of this listener finds the current one (the only thing its socket holds). */
    private Latest<TcpListener> latest = new Latest<>(this);

    /**
     * @param screen    screens clients named by PROXY headers ({@code accept_proxy}), or {@code null}
     * @param accessLog where sessions are logged, or {@code null}
     */
    public TcpListener(ListenerConfig config, Cluster cluster, AcceptLimiter limiter, Screen screen,
                       AccessLog accessLog) {
        this.config = config;
        this.cluster = cluster;
        this.limiter = limiter;
        this.stats = limiter.stats();
        this.screen = screen;
        this.accessLog = accessLog;
    }

    /** A reload made {@code next} the listener's configuration for new connections (same socket and limiter). */
    public void replaceWith(TcpListener next) {
        next.latest = latest; // before it is published, below
        latest.replaceWith(next);
    }

    /** The handler of accepted connections; they must be accepted with auto-read off. */
    public ChannelHandler clientInitializer(Map<EventLoop, ProxyLoop> loops) {
        return clientInitializer(latest, loops);
    }

    /** Static, so that the socket holds no generation, only where to find the current one. */
    private static ChannelHandler clientInitializer(Latest<TcpListener> latest, Map<EventLoop, ProxyLoop> loops) {
        return new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel channel) {
                TcpListener listener = latest.current();
                if (listener.config.splice()) {
                    channel.config().setRecvByteBufAllocator(new SplicedBytes());
                }
                ProxyLoop loop = loops.get(channel.eventLoop());
                loop.clientOpened(channel);
                channel.closeFuture().addListener(f -> {
                    listener.limiter.closed();
                    loop.clientClosed(channel);
                });
                EpollRegistration.keep(channel); // still has EPOLLRDHUP: nothing was read or shut yet
                if (listener.config.acceptProxy()) {
                    long timeoutNanos = listener.config.timeouts().requestHeader().toNanos();
                    channel.pipeline().addLast(new ProxyHeaderReader(timeoutNanos, listener.screen));
                }
                channel.pipeline().addLast(new TcpSession(listener, loop));
            }
        };
    }
}
