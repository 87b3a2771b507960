package io.sluice.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.sluice.config.ListenerConfig;
import io.sluice.config.ListenerLimits;
import io.sluice.listener.AcceptLimiter;
import io.sluice.listener.ListenerStats;
import io.sluice.listener.Screen;
import io.sluice.route.RouteTable;
import io.sluice.tcp.ProxyHeaderReader;
import io.sluice.telemetry.AccessLog;

import java.util.Map;

/** What the client connections of one HTTP listener share: routes, limits, timeouts, counters and the access log. */
public final class HttpListener {
    final ListenerConfig config;
    final RouteTable routes;
    final AcceptLimiter limiter;
    final ListenerStats stats;
    /** {@code null}: no access log. */
    final AccessLog accessLog;
    final ListenerLimits limits;
    final long requestHeaderNanos;
    final long bodyIdleNanos;
    final long keepaliveIdleNanos;
    final HeadParser.TargetPolicy targetPolicy;
    /** Screens clients named by PROXY headers ({@code accept_proxy}), or {@code null}. */
    private final Screen screen;

    /** @param accessLog where exchanges are logged, or {@code null} */
    public HttpListener(ListenerConfig config, RouteTable routes, AcceptLimiter limiter, Screen screen,
                        AccessLog accessLog) {
        this.config = config;
        this.routes = routes;
        this.limiter = limiter;
        this.stats = limiter.stats();
        this.accessLog = accessLog;
        stats.routes(routes.stats());
        this.screen = screen;
        this.limits = config.limits();
        this.requestHeaderNanos = config.timeouts().requestHeader().toNanos();
        this.bodyIdleNanos = config.timeouts().bodyIdle().toNanos();
        this.keepaliveIdleNanos = config.timeouts().keepaliveIdle().toNanos();
        this.targetPolicy = new HeadParser.TargetPolicy(!config.requestTarget().strict(),
                !config.requestTarget().absoluteForm());
    }

    public ListenerConfig config() {
        return config;
    }

    public AcceptLimiter limiter() {
        return limiter;
    }

    /** The handler that sets up each accepted client connection on its event loop's {@link ProxyLoop}. */
    public ChannelHandler clientInitializer(Map<EventLoop, ProxyLoop> loops) {
        return new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel channel) {
                if (config.acceptProxy()) {
                    channel.pipeline().addLast(new ProxyHeaderReader(requestHeaderNanos, screen));
                }
                channel.pipeline().addLast(new ClientConnection(HttpListener.this, loops.get(channel.eventLoop())));
            }
        };
    }
}
