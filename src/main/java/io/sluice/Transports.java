package io.sluice;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.sluice.config.Transport;

import java.net.StandardSocketOptions;

/** The socket transport chosen by the config: native epoll on Linux, NIO elsewhere or when asked. */
record Transports(IoHandlerFactory ioHandlerFactory, Class<? extends ServerSocketChannel> serverChannel,
                  Class<? extends SocketChannel> channel, String name) {

    static Transports of(Transport transport) {
        boolean epoll = transport == Transport.EPOLL || (transport == Transport.AUTO && Epoll.isAvailable());
        if (epoll) {
            Epoll.ensureAvailability();
            return new Transports(EpollIoHandler.newFactory(), EpollServerSocketChannel.class,
                    EpollSocketChannel.class, "epoll");
        }
        return new Transports(NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel.class, "nio");
    }

    /** Sets SO_REUSEPORT on the listening socket {@code bootstrap} binds. */
    void reusePort(ServerBootstrap bootstrap) {
        if (serverChannel == EpollServerSocketChannel.class) {
            bootstrap.option(EpollChannelOption.SO_REUSEPORT, true);
        } else {
            bootstrap.option(NioChannelOption.of(StandardSocketOptions.SO_REUSEPORT), true);
        }
    }
}
