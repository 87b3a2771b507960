package io.sluice.config;

/**
 * Kernel socket buffer sizes for a listener's client connections; 0 leaves the kernel's autotuning on.
 * Pinning the send buffer small makes slow clients visible to the proxy (and its backpressure) instead of
 * hiding megabytes in the kernel.
 *
 * <p>{@code reuse_port} (SO_REUSEPORT, default on, as HAProxy does) lets a new Sluice process bind the same
 * address while the old one drains (zero-downtime upgrade); the kernel then spreads new connections over both.
 *
 * @param sendBuffer    SO_SNDBUF in bytes, or 0
 * @param receiveBuffer SO_RCVBUF in bytes, or 0
 * @param reusePort     SO_REUSEPORT on the listening socket
 */
public record SocketOptions(int sendBuffer, int receiveBuffer, boolean reusePort) {
    public static final SocketOptions DEFAULTS = new SocketOptions(0, 0, true);

    public SocketOptions(int sendBuffer, int receiveBuffer) {
        this(sendBuffer, receiveBuffer, true);
    }
}
