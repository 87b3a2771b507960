package io.sluice.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.sluice.config.ListenerConfig;
import io.sluice.config.ListenerLimits;
import io.sluice.listener.AcceptLimiter;
import io.sluice.listener.Latest;
import io.sluice.listener.ClientCloseReason;
import io.sluice.listener.ListenerStats;
import io.sluice.listener.Screen;
import io.sluice.route.RouteTable;
import io.sluice.tcp.ProxyHeaderReader;
import io.sluice.telemetry.AccessLog;

import java.util.Map;

/**
 * What the client connections of one HTTP listener share: routes, limits, timeouts, counters and the access
 * log. Immutable but for
 * two things a running Sluice changes: a reload puts a new generation in its place ({@link #replaceWith}), which
 * each connection takes up at its next request; and a shutdown or a reload that removes the listener makes it
 * {@link #drain drain}: every answer from then on closes its connection.
 */
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
    /** The path of {@code monitor_uri}, or {@code null}. */
    final byte[] monitorUri;
    /** Screens clients named by PROXY headers ({@code accept_proxy}), or {@code null}. */
    private final Screen screen;
    /** Where every generation of this listener finds the current one (the only thing its socket holds). */
    private Latest<HttpListener> latest = new Latest<>(this);
    /** Why the listener drains ({@code shutdown} or {@code reload}), or {@code null} while it does not. */
    private volatile ClientCloseReason drainReason;

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
        this.monitorUri = config.monitorUri() == null ? null : Ascii.bytes(config.monitorUri());
    }

    public ListenerConfig config() {
        return config;
    }

    public AcceptLimiter limiter() {
        return limiter;
    }

    public RouteTable routes() {
        return routes;
    }

    /** A reload made {@code next} the listener's configuration from now on (same socket, limiter and screen). */
    public void replaceWith(HttpListener next) {
        next.latest = latest; // before it is published, below
        latest.replaceWith(next);
    }

    /** The current generation: this one, or the last one a reload put in its place. */
    HttpListener current() {
        return latest.current();
    }

    /** From now on every answer closes its connection: the listener stops (shutdown, or removed by a reload). */
    public void drain(ClientCloseReason why) {
        current().drainReason = why;
    }

    boolean draining() {
        return current().drainReason != null;
    }

    /** Why the listener drains, or {@code null}. */
    ClientCloseReason drainReason() {
        return current().drainReason;
    }

    /** The handler that sets up each accepted client connection on its event loop's {@link ProxyLoop}. */
    public ChannelHandler clientInitializer(Map<EventLoop, ProxyLoop> loops) {
        return clientInitializer(latest, loops);
    }

    /** Static, so that the socket holds no generation, only where to find the current one. */
    private static ChannelHandler clientInitializer(Latest<HttpListener> latest, Map<EventLoop, ProxyLoop> loops) {
        return new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel channel) {
                HttpListener listener = latest.current();
                if (listener.config.acceptProxy()) {
                    channel.pipeline().addLast(new ProxyHeaderReader(listener.requestHeaderNanos, listener.screen));
                }
                channel.pipeline().addLast(new ClientConnection(listener, loops.get(channel.eventLoop())));
            }
        };
    }
}
