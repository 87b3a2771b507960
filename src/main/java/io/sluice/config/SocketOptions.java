package io.sluice.config;

/**
 * Kernel socket buffer sizes for a listener's client connections; 0 leaves the kernel's autotuning on.
 * Pinning the send buffer small makes slow clients visible to the proxy (and its backpressure) instead of
 * hiding megabytes in the kernel.
 *
 * @param sendBuffer    SO_SNDBUF in bytes, or 0
 * @param receiveBuffer SO_RCVBUF in bytes, or 0
 */
public record SocketOptions(int sendBuffer, int receiveBuffer) {
    public static final SocketOptions DEFAULTS = new SocketOptions(0, 0);
}
