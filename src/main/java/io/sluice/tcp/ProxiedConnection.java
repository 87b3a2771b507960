package io.sluice.tcp;

import io.netty.channel.Channel;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * Whom an accepted connection is really for, as its PROXY protocol header said: the client's address
 * ({@code source}) and the address the client connected to ({@code destination}). When the header carried no
 * addresses (version 1 UNKNOWN, version 2 LOCAL or UNSPEC: the balancer in front speaks for itself, e.g. a health
 * check), these are the connection's own remote and local addresses.
 *
 * <p>{@link ProxyHeaderReader} fires it as a user event before {@code channelActive}. An IPv4-mapped IPv6 address in
 * a header is given as the IPv4 address, as {@link java.net.InetAddress#getByAddress(byte[])} does.
 */
public record ProxiedConnection(InetSocketAddress source, InetSocketAddress destination) {
    public ProxiedConnection {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(destination, "destination");
    }

    /** A connection that came without a PROXY header: its own remote and local addresses. */
    public static ProxiedConnection of(Channel connection) {
        return new ProxiedConnection((InetSocketAddress) connection.remoteAddress(),
                (InetSocketAddress) connection.localAddress());
    }
}
