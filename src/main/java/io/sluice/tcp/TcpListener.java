package io.sluice.tcp;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.sluice.cluster.Cluster;
import io.sluice.config.ListenerConfig;
import io.sluice.http.ProxyLoop;
import io.sluice.listener.AcceptLimiter;

import java.util.Map;

/**
 * A {@code protocol: tcp} listener: every client connection is spliced to a connection to one server of the
 * listener's cluster, bytes relayed both ways untouched (seed 001's pass-through proxy).
 */
public final class TcpListener {
    final ListenerConfig config;
    final Cluster cluster;
    final AcceptLimiter limiter;
    final long idleNanos;

    public TcpListener(ListenerConfig config, Cluster cluster, AcceptLimiter limiter) {
        this.config = config;
        this.cluster = cluster;
        this.limiter = limiter;
        // a session with no byte either way for body_idle is over
        this.idleNanos = config.timeouts().bodyIdle().toNanos();
    }

    public ChannelHandler clientInitializer(Map<EventLoop, ProxyLoop> loops) {
        return new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel channel) {
                channel.pipeline().addLast(new TcpSession(TcpListener.this, loops.get(channel.eventLoop())));
            }
        };
    }
}
