package io.sluice.tcp;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.epoll.EpollChannelOption;
import io.sluice.cluster.Server;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Connects to a server, from the client's own address when the server is {@code transparent} (seed 003: the
 * server sees the client). The socket is bound to the client address with IP_TRANSPARENT, which lets Linux bind an
 * address that is not local; the process needs CAP_NET_ADMIN, and the servers' answers must be routed back through
 * this host (docs/tcp.md). Without epoll the option is unavailable and only addresses local to this host bind.
 */
public final class Transparent {
    private Transparent() {
    }

    /** Connects {@code bootstrap} to {@code server}, from {@code client} (any port) if the server is transparent. */
    public static ChannelFuture connect(Bootstrap bootstrap, Server server, InetAddress client) {
        if (!server.config().transparent() || client == null) {
            return bootstrap.connect(server.address());
        }
        // an NIO channel does not know the option: Netty warns once per connection and ignores it
        return bootstrap.option(EpollChannelOption.IP_TRANSPARENT, true)
                .connect(server.address(), new InetSocketAddress(client, 0));
    }
}
