package io.sluice.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.AbstractEpollStreamChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.concurrent.ScheduledFuture;
import io.sluice.config.ListenerTimeouts;
import io.sluice.listener.ClientCloseReason;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * Two connected channels on one event loop joined into a pipe both ways: the engine of TCP listeners and of HTTP
 * upgrades (WebSocket). A direction moves bytes only while its destination can take them (TCP flow control holds
 * the rest), a half-close is passed on once everything before it is written (a client that shuts its write side
 * still gets the whole answer), a reset is passed on as a reset, and the pair ends when both directions have
 * ended, when either side closes, when no byte moved for the idle time, or at the maximum duration.
 *
 * <p>Bytes are copied through pooled buffers, or spliced by the kernel (zero copy, through a pipe) when both
 * channels are epoll channels whose receive allocator is a {@link SplicedBytes} (see {@link #spliceable}).
 *
 * <p>When both channels are closed, the relay tells how it ended ({@link End}) and how many bytes each side sent.
 */
public final class Relay {
    /** What ended a relay: the first side to end its input or close, unless a timeout or an error came after. */
    public enum End {
        /** The client sent its FIN or closed first. */
        CLIENT_CLOSE(0),
        /** The server sent its FIN or closed first. */
        SERVER_CLOSE(0),
        /** No byte moved for {@code tunnel_idle}, or the relay lasted {@code tunnel_max}. */
        TIMEOUT(1),
        /** The client's connection failed (a reset). */
        CLIENT_ERROR(2),
        /** The server's connection failed (a reset). */
        SERVER_ERROR(2);

        /** A later end replaces an earlier one of a lower rank: a reset after a half-close is what ended it. */
        private final int rank;

        End(int rank) {
            this.rank = rank;
        }

        /** The close reason of the client connection, for its listener's counters. */
        public ClientCloseReason clientCloseReason() {
            return switch (this) {
                case CLIENT_CLOSE -> ClientCloseReason.CLIENT_CLOSE;
                case SERVER_CLOSE -> ClientCloseReason.SERVER_CLOSE;
                case TIMEOUT -> ClientCloseReason.TUNNEL_TIMEOUT;
                case CLIENT_ERROR -> ClientCloseReason.RESET;
                case SERVER_ERROR -> ClientCloseReason.SERVER_ERROR;
            };
        }
    }

    /** Told once, when both channels of a relay are closed. */
    public interface Ended {
        /**
         * @param fromClient bytes read from the client (and written first to the server, given to {@link #join})
         * @param fromServer bytes read from the server (and written first to the client)
         */
        void ended(End end, long fromClient, long fromServer);
    }

    /** An idle relay is noticed within a quarter of its idle time after it became idle. */
    private static final int IDLE_CHECKS_PER_PERIOD = 4;

    private final Side client;
    private final Side server;
    private final Ended onEnd;
    private End end;
    private final long idleNanos;
    private ScheduledFuture<?> idleCheck;
    private ScheduledFuture<?> deadline;
    private long movedAtLastCheck;
    private long lastMoveSeen;
    private int closed;

    private Relay(Channel client, Channel server, long idleNanos, Ended onEnd) {
        this.client = new Side(client);
        this.server = new Side(server);
        this.client.peer = this.server;
        this.server.peer = this.client;
        this.idleNanos = idleNanos;
        this.onEnd = onEnd;
    }

    /**
     * Joins {@code client} and {@code server}, both active and on the same event loop; call on that loop. Their
     * pipelines must hold no handler that still reads. {@code toServer} and {@code toClient} (either may be
     * {@code null}) are bytes already read from the other side, written first. {@code onEnd} is told once both
     * channels are closed.
     *
     * @param clientEnded the client's FIN was read already (everything it sent is in {@code toServer})
     * @param timeouts    {@code tunnel_idle} and {@code tunnel_max} of the listener
     */
    public static void join(Channel client, Channel server, ByteBuf toServer, ByteBuf toClient, boolean clientEnded,
                            ListenerTimeouts timeouts, Ended onEnd) {
        Relay relay = new Relay(client, server, timeouts.tunnelIdle().toNanos(), onEnd);
        relay.start(toServer, toClient, clientEnded, timeouts.tunnelMax().toNanos());
    }

    /** Whether a relay between these channels will splice: both epoll, with {@link SplicedBytes} allocators. */
    static boolean spliceable(Channel a, Channel b) {
        return a instanceof AbstractEpollStreamChannel && b instanceof AbstractEpollStreamChannel
                && a.config().getRecvByteBufAllocator() instanceof SplicedBytes
                && b.config().getRecvByteBufAllocator() instanceof SplicedBytes;
    }

    private void start(ByteBuf toServer, ByteBuf toClient, boolean clientEnded, long maxNanos) {
        boolean splice = spliceable(client.channel, server.channel);
        Channel c = client.channel;
        lastMoveSeen = System.nanoTime();
        idleCheck = c.eventLoop().schedule(this::checkIdle, idleNanos / IDLE_CHECKS_PER_PERIOD, TimeUnit.NANOSECONDS);
        if (maxNanos > 0) {
            deadline = c.eventLoop().schedule(this::timedOut, maxNanos, TimeUnit.NANOSECONDS);
        }
        client.attach(toServer, splice);
        server.attach(toClient, splice);
        if (clientEnded) {
            client.inputEnded();
        } else {
            client.begin();
        }
        server.begin();
    }

    private void checkIdle() {
        long moved = client.moved + server.moved;
        long now = System.nanoTime();
        if (moved != movedAtLastCheck) {
            movedAtLastCheck = moved;
            lastMoveSeen = now;
        } else if (now - lastMoveSeen >= idleNanos) {
            timedOut();
            return;
        }
        if (client.channel.isActive()) {
            idleCheck = client.channel.eventLoop().schedule(this::checkIdle, idleNanos / IDLE_CHECKS_PER_PERIOD,
                    TimeUnit.NANOSECONDS);
        }
    }

    private void timedOut() {
        endedBy(End.TIMEOUT);
        client.channel.close();
        server.channel.close();
    }

    private void endedBy(End e) {
        if (end == null || e.rank > end.rank) {
            end = e;
        }
    }

    private void sideClosed() {
        if (++closed == 2) {
            idleCheck.cancel(false);
            if (deadline != null) {
                deadline.cancel(false);
            }
            onEnd.ended(end, client.moved, server.moved);
        }
    }

    /** One channel of the pair: reads it and writes what it reads to the peer. */
    private final class Side extends ChannelInboundHandlerAdapter {
        final Channel channel;
        Side peer;
        long moved;
        /** This side's byte counter when the relay splices; {@code null} when it copies. */
        private SplicedBytes spliced;
        /** The channel's input ended (its peer sent a FIN and, when spliced, a cycle found nothing more). */
        private boolean inputDone;
        /** The channel's input was shut down; when spliced, bytes may still wait in the socket. */
        private boolean inputShut;

        Side(Channel channel) {
            this.channel = channel;
        }

        void attach(ByteBuf toPeer, boolean splice) {
            spliced = splice ? (SplicedBytes) channel.config().getRecvByteBufAllocator() : null;
            channel.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
            channel.config().setAutoRead(false);
            EpollRegistration.keep(channel); // a no-op for channels kept since they were created
            channel.pipeline().addLast("relay", this);
            if (toPeer != null && toPeer.isReadable()) {
                moved += toPeer.readableBytes();
                peer.channel.write(toPeer, peer.channel.voidPromise());
            } else if (toPeer != null) {
                toPeer.release();
            }
            channel.closeFuture().addListener(f -> closed());
        }

        @SuppressWarnings("deprecation") // Netty's only splice between sockets; see SplicedBytes for how it is driven
        void begin() {
            if (!channel.isActive()) {
                return; // closed while being joined: the close listener ends the relay
            }
            if (spliced != null) {
                ((AbstractEpollStreamChannel) channel)
                        .spliceTo((AbstractEpollStreamChannel) peer.channel, Integer.MAX_VALUE)
                        .addListener(f -> {
                            // it also fails when the channel closes, which is not an error of the transfer
                            if (!f.isSuccess() && channel.isOpen()) {
                                failed(f.cause());
                            }
                        });
            }
            peer.channel.flush();
            if (spliced != null) {
                channel.read();
            } else {
                channel.config().setAutoRead(true);
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf bytes = (ByteBuf) msg;
            moved += bytes.readableBytes();
            peer.channel.write(bytes, peer.channel.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (spliced != null) {
                splicedCycleDone();
                return;
            }
            peer.channel.flush();
            if (!peer.channel.isWritable()) {
                channel.config().setAutoRead(false); // the peer does not keep up: stop reading this side
            }
        }

        /**
         * One spliced read cycle ended. More is read only once the peer has written what this cycle moved, which
         * bounds the bytes in flight to the pipe; a cycle that moved nothing after the FIN ends this direction.
         */
        private void splicedCycleDone() {
            long n = spliced.take();
            moved += n;
            if (n > 0) {
                peer.channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
                    if (f.isSuccess()) {
                        readLater();
                    }
                });
            } else if (inputShut) {
                inputEnded();
            } else {
                readLater();
            }
        }

        /**
         * Asks for the next spliced read cycle once the current one has finished: Netty ends a spliced cycle by
         * dropping read interest, which would swallow a read asked for during it.
         */
        private void readLater() {
            channel.eventLoop().execute(() -> {
                if (!inputDone) {
                    channel.read();
                }
            });
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (peer.spliced == null && channel.isWritable() && !peer.inputDone) {
                peer.channel.config().setAutoRead(true);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                inputShut = true;
                if (spliced == null) {
                    inputEnded(); // a copying read cycle reads everything up to the FIN before this event
                }
            }
        }

        private void inputEnded() {
            if (inputDone) {
                return;
            }
            inputDone = true;
            endedBy(this == client ? End.CLIENT_CLOSE : End.SERVER_CLOSE);
            channel.config().setAutoRead(false);
            Channel out = peer.channel;
            if (peer.inputDone) {
                // both directions ended: each side closes once what is queued for it is written
                out.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
                channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            } else if (out instanceof DuplexChannel duplex) {
                out.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
                    if (f.isSuccess()) {
                        duplex.shutdownOutput();
                    }
                });
            } else {
                out.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            failed(cause);
        }

        /** A transport error on this side: a reset is passed on as a reset (SO_LINGER 0), not as a clean close. */
        private void failed(Throwable cause) {
            endedBy(this == client ? End.CLIENT_ERROR : End.SERVER_ERROR);
            if (cause instanceof IOException && peer.channel.isOpen()) {
                peer.channel.config().setOption(ChannelOption.SO_LINGER, 0);
                peer.channel.close();
            }
            channel.close();
        }

        private void closed() {
            endedBy(this == client ? End.CLIENT_CLOSE : End.SERVER_CLOSE);
            if (peer.channel.isOpen()) {
                // what this side sent before it went goes out first
                peer.channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
            sideClosed();
        }
    }
}
