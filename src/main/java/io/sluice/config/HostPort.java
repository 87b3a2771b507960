package io.sluice.config;

import java.net.InetSocketAddress;

/**
 * A literal socket address from the config: {@code 127.0.0.1:8080}, {@code [::1]:8080} or {@code localhost:8080}.
 * Port 0 asks for an ephemeral port (tests use it).
 */
public record HostPort(String host, int port) {
    public InetSocketAddress toSocketAddress() {
        return new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
