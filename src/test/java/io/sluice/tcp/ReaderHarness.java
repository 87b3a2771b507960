package io.sluice.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.DefaultChannelId;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.NetUtil;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link ProxyHeaderReader} in an {@link EmbeddedChannel} with TCP addresses, auto-read off unless asked, between a
 * counter of the reads it asks for and a recorder of everything that gets past it.
 */
final class ReaderHarness {
    static final InetSocketAddress REMOTE = inet("10.0.0.1", 40000);
    static final InetSocketAddress LOCAL = inet("10.0.0.2", 8443);
    static final long TIMEOUT_NANOS = 5_000_000_000L;

    final TcpChannel channel;
    final Recorder recorder = new Recorder();
    private final ReadCounter reads = new ReadCounter();
    private final List<ByteBuf> written = new ArrayList<>();

    ReaderHarness() {
        this(false);
    }

    ReaderHarness(boolean autoRead) {
        channel = new TcpChannel();
        channel.config().setAutoRead(autoRead);
        channel.pipeline().addLast(reads, new ProxyHeaderReader(TIMEOUT_NANOS, null), recorder);
        try {
            channel.register();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        // only advanceTimeBy moves the clock from here: a loaded machine must not fire the timeout between steps
        channel.freezeTime();
    }

    static InetSocketAddress inet(String literal, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(NetUtil.createByteArrayFromIpAddressString(literal)),
                    port);
        } catch (UnknownHostException e) {
            throw new AssertionError(literal, e);
        }
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Delivers each chunk in its own read loop (channelRead, channelReadComplete). */
    void writeEach(byte[]... chunks) {
        for (byte[] chunk : chunks) {
            if (!channel.isOpen()) {
                return;     // a closed connection reads nothing more (and EmbeddedChannel would throw)
            }
            channel.writeInbound(track(Unpooled.wrappedBuffer(chunk)));
        }
    }

    /** Delivers the chunks in one read loop: a channelRead each, then one channelReadComplete. */
    void writeTogether(byte[]... chunks) {
        Object[] buffers = new Object[chunks.length];
        for (int i = 0; i < chunks.length; i++) {
            buffers[i] = track(Unpooled.wrappedBuffer(chunks[i]));
        }
        channel.writeInbound(buffers);
    }

    /** Delivers a buffer made elsewhere (the encoder's output). */
    void write(ByteBuf buf) {
        channel.writeInbound(track(buf));
    }

    /** Delivers {@code bytes} one byte per read loop. */
    void writeBytewise(byte[] bytes) {
        for (byte b : bytes) {
            writeEach(new byte[] {b});
        }
    }

    /** Reads the reader asked for (auto-read off: the only reads there are). */
    int reads() {
        return reads.count;
    }

    /** Whether every buffer written into the channel was released (by the reader or the recorder). */
    boolean allReleased() {
        return written.stream().allMatch(b -> b.refCnt() == 0);
    }

    boolean readerInPipeline() {
        return channel.pipeline().get(ProxyHeaderReader.class) != null;
    }

    private ByteBuf track(ByteBuf buf) {
        written.add(buf);
        return buf;
    }

    /** EmbeddedChannel's own addresses are not InetSocketAddresses, which TCP connections (and the reader) have. */
    static final class TcpChannel extends EmbeddedChannel {
        TcpChannel() {
            super(DefaultChannelId.newInstance(), false, false);
        }

        @Override
        protected SocketAddress remoteAddress0() {
            return REMOTE;
        }

        @Override
        protected SocketAddress localAddress0() {
            return LOCAL;
        }
    }

    /** Writes down every event that reaches it, and consumes (releases) the bytes. */
    static final class Recorder extends ChannelInboundHandlerAdapter {
        final List<String> events = new ArrayList<>();
        ProxiedConnection connection;

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ProxiedConnection c) {
                connection = c;
                events.add("proxied");
            } else {
                events.add("event " + evt);
            }
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            events.add("active");
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            events.add("read " + buf.toString(StandardCharsets.ISO_8859_1));
            buf.release();
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            events.add("readComplete");
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            events.add("inactive");
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            events.add("exception " + cause);
        }
    }

    private static final class ReadCounter extends ChannelOutboundHandlerAdapter {
        int count;

        @Override
        public void read(ChannelHandlerContext ctx) {
            count++;
            ctx.read();
        }
    }
}
