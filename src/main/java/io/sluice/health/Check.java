package io.sluice.health;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One health check of one server over a new connection: a TCP connect (passes when it opens), or an HTTP
 * {@code GET} with {@code Connection: close} (passes when the final status is in the expected range). Runs on the
 * checker's event loop and never blocks it: the connect is non-blocking and one deadline covers connect, request
 * and status line. The result is reported once, on that loop.
 *
 * <p>An HTTP check is decided by the status line (interim 1xx responses skipped); the rest of the response is read
 * and dropped until the server closes, so that the server sees an orderly close rather than a reset. That drain is
 * bounded too: by {@link #MAX_DRAIN} bytes and by the same deadline.
 */
final class Check extends ChannelInboundHandlerAdapter {
    /** Bytes of status lines and interim heads read before giving up on a response. */
    static final int MAX_HEAD = 8 * 1024;
    /** Bytes of the response after its status line read before closing. */
    static final int MAX_DRAIN = 64 * 1024;

    /** Where a check's result goes, on the checker's loop. */
    interface Result {
        void done(boolean passed, String detail);
    }

    private final byte[] request;
    private final int expectFrom;
    private final int expectTo;
    private final long timeoutMillis;
    private final Result result;
    private final StringBuilder line = new StringBuilder(64);
    private Channel channel;
    private ScheduledFuture<?> deadline;
    private boolean decided;
    private boolean skippingInterimHead;
    private int headBytes;
    private long drained;

    private Check(byte[] request, int expectFrom, int expectTo, long timeoutMillis, Result result) {
        this.request = request;
        this.expectFrom = expectFrom;
        this.expectTo = expectTo;
        this.timeoutMillis = timeoutMillis;
        this.result = result;
    }

    /** The bytes of an HTTP check's request: {@code GET path} to {@code host}, closing the connection after it. */
    static byte[] httpRequest(String path, String host) {
        return ("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: sluice-health\r\n"
                + "Accept: */*\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Starts a TCP check; must be called on {@code loop}, the loop of {@code bootstrap}. */
    static void tcp(EventLoop loop, Bootstrap bootstrap, InetSocketAddress address, long timeoutMillis,
                    Result result) {
        start(loop, bootstrap, address, new Check(null, 0, 0, timeoutMillis, result));
    }

    /** Starts an HTTP check sending {@code request} (see {@link #httpRequest}); must be called on {@code loop}. */
    static void http(EventLoop loop, Bootstrap bootstrap, InetSocketAddress address, byte[] request, int expectFrom,
                     int expectTo, long timeoutMillis, Result result) {
        start(loop, bootstrap, address, new Check(request, expectFrom, expectTo, timeoutMillis, result));
    }

    private static void start(EventLoop loop, Bootstrap bootstrap, InetSocketAddress address, Check check) {
        assert loop.inEventLoop();
        try {
            // before connecting: a connect that fails at once reports inline, and must find the deadline set
            check.deadline = loop.schedule(check::expire, check.timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            return; // the checker is shutting down: nobody waits for this result
        }
        ChannelFuture connect = bootstrap.clone()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, check.timeoutMillis))
                .handler(check)
                .connect(address);
        check.channel = connect.channel();
        connect.addListener(check::connected);
    }

    private void connected(Future<? super Void> future) {
        if (!future.isSuccess()) {
            fail(describe(future.cause()));
        } else if (request == null) {
            decide(true, "connected");
            deadline.cancel(false);
            channel.close();
        }
        // HTTP: channelActive sends the request
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (request != null && !decided) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(request)).addListener(f -> {
                if (!f.isSuccess()) {
                    fail(describe(f.cause()));
                }
            });
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        try {
            if (request == null) {
                return;
            }
            if (decided) {
                drain(ctx, buf.readableBytes());
                return;
            }
            while (buf.isReadable() && !decided) {
                readByte(buf.readByte());
            }
            if (decided) {
                drain(ctx, buf.readableBytes());
            }
        } finally {
            buf.release();
        }
    }

    private void drain(ChannelHandlerContext ctx, int bytes) {
        drained += bytes;
        if (drained > MAX_DRAIN) {
            ctx.close();
        }
    }

    private void readByte(byte b) {
        if (++headBytes > MAX_HEAD) {
            fail("no status line in " + MAX_HEAD + " bytes");
            return;
        }
        if (b != '\n') {
            line.append((char) (b & 0xff));
            return;
        }
        int end = line.length();
        if (end > 0 && line.charAt(end - 1) == '\r') {
            end--;
        }
        String text = line.substring(0, end);
        line.setLength(0);
        if (skippingInterimHead) {
            skippingInterimHead = !text.isEmpty();
            return;
        }
        int status = statusOf(text);
        if (status < 0) {
            fail("not an HTTP response: " + abbreviate(text));
        } else if (status < 200) {
            skippingInterimHead = true; // 1xx: its header fields, then the final response
        } else {
            boolean passed = status >= expectFrom && status <= expectTo;
            if (passed) {
                decide(true, "status " + status);
            } else {
                fail("status " + status);
            }
        }
    }

    /** The status code of an HTTP/1.x status line, or -1. */
    static int statusOf(String statusLine) {
        if (statusLine.length() < 12 || !statusLine.startsWith("HTTP/1.") || statusLine.charAt(8) != ' '
                || (statusLine.length() > 12 && statusLine.charAt(12) != ' ')) {
            return -1;
        }
        int code = 0;
        for (int i = 9; i < 12; i++) {
            char c = statusLine.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            code = code * 10 + (c - '0');
        }
        return code >= 100 ? code : -1;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        deadline.cancel(false);
        if (!decided) {
            fail(request == null ? "closed" : "closed before a status line");
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(describe(cause));
    }

    /** The deadline: an undecided check failed; a decided one stops draining. */
    private void expire() {
        if (!decided) {
            decide(false, "timeout after " + timeoutMillis + " ms");
        }
        channel.close();
    }

    private void fail(String detail) {
        decide(false, detail);
        deadline.cancel(false);
        if (channel != null) {
            channel.close();
        }
    }

    private void decide(boolean passed, String detail) {
        if (decided) {
            return;
        }
        decided = true;
        result.done(passed, detail);
    }

    private static String describe(Throwable cause) {
        if (cause instanceof ConnectTimeoutException) {
            return "connect timeout";
        }
        String message = String.valueOf(cause.getMessage());
        if (cause instanceof ConnectException && message.toLowerCase(Locale.ROOT).contains("refused")) {
            return "connection refused";
        }
        return cause.getClass().getSimpleName() + ": " + abbreviate(message);
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
