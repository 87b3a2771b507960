package io.sluice.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.concurrent.ScheduledFuture;
import io.sluice.cache.CacheDecision;
import io.sluice.cache.Collapse;
import io.sluice.cache.CacheRequest;
import io.sluice.cache.CachedResponse;
import io.sluice.cache.ResponseCache;
import io.sluice.cluster.CloseReason;
import io.sluice.config.Balance;
import io.sluice.config.RouteBuffering;
import io.sluice.deferred.DeferredDelivery;
import io.sluice.listener.ClientCloseReason;
import io.sluice.listener.ClientState;
import io.sluice.listener.Screen;
import io.sluice.listener.TokenBucket;
import io.sluice.pool.PooledConnection;
import io.sluice.route.Route;
import io.sluice.tcp.ProxiedConnection;
import io.sluice.tcp.Relay;
import io.sluice.telemetry.AccessRecord;
import io.sluice.telemetry.Termination;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * The one handler of a client connection: reads request heads, starts one {@link Exchange} per request, feeds it
 * the request body, and serves pipelined requests one after the other. Bytes not consumed yet wait in
 * {@code pending}; between requests the connection holds no buffer and no exchange.
 *
 * <p>Requests it answers itself without an exchange (refused, no route, cut short) are counted and logged here,
 * like exchanges are. Its close is counted once, by reason: the reason is decided where Sluice decides to close
 * ({@link #closeAs}), else found when the channel closes (the client closed, or the connection failed).
 */
final class ClientConnection extends ChannelInboundHandlerAdapter implements ConnectionTimer.Owner {
    private enum Phase {
        /** Between requests (or before the first): no byte of the next request yet. */
        IDLE,
        /** Part of a request head has arrived. */
        HEAD,
        /** An exchange is running. */
        EXCHANGE,
        /** Closing: nothing more is read or answered. */
        CLOSING
    }

    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HEAD_METHOD = Ascii.bytes("HEAD ");
    /** Cache-Status of an answer from the cache (RFC 9211), its ttl parameter added per answer. */
    private static final byte[] HIT = Ascii.bytes("sluice; hit");
    private static final byte[] HIT_COLLAPSED = Ascii.bytes("sluice; hit; collapsed");

    /** Longest time spent reading and dropping a client's bytes after its last answer, before closing. */
    static final long LINGER_NANOS = 2_000_000_000L;

    /** The listener's generation this connection's current request started with (a reload may replace it). */
    HttpListener listener;
    final ProxyLoop loop;
    final ReadGate gate = new ReadGate();
    Channel channel;
    ConnectionTimer timer;
    private Phase phase = Phase.IDLE;
    private ByteBuf pending;
    /** Where the search for the end of the head resumes, or -1 to start at the reader index. */
    private int scanFrom = -1;
    /** The exchange whose response the client gets now. */
    private Exchange exchange;
    /** Later requests already dispatched (parallel pipelining), in request order; their responses are held. */
    private ArrayDeque<Exchange> ahead;
    private boolean processing;
    private boolean reprocess;
    /** While a request body is buffered before its exchange starts (buffer_request): finds the body's end. */
    private RequestBuffering buffering;
    /** A buffered body waiting for its exchange's server connection, still counted in the budget. */
    private RequestBuffering bufferedBody;
    /** A request of a {@code deliver: deferred} route being read whole, or waiting for the journal; else null. */
    private DeferredIntake intake;
    /** A request waiting for another request's fetch of the same URL (request collapsing); else null. */
    private CacheWait cacheWait;
    /** The real client named by the PROXY header of an {@code accept_proxy} listener, or {@code null}. */
    private ProxiedConnection proxied;
    /** The client's rates, when the listener's screen tracks clients; else {@code null}. */
    private ClientState client;
    /** Requests read on this connection, for {@code requests_per_connection}. */
    private int requests;
    /** The client half-closed: what it sent is answered, then the connection closes. */
    private boolean inputEnded;
    /** When the head being read began: its first byte was read (System.nanoTime). */
    private long headStartNanos;
    /** Why the connection closes, once Sluice decided to close it; {@code null} until then. */
    private ClientCloseReason closeReason;
    /** The connection failed with a transport error: a close nobody decided is a reset. */
    private boolean transportFailed;

    ClientConnection(HttpListener listener, ProxyLoop loop) {
        this.listener = listener;
        this.loop = loop;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        client = Screen.client(channel);
        loop.clientOpened(channel);
        timer = new ConnectionTimer(loop, this);
        // a new connection gets the head timeout, not the keep-alive one: it has not earned any idle time yet
        timer.arm(listener.requestHeaderNanos);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        if (phase == Phase.CLOSING) {
            in.release();
            return;
        }
        append(in);
        process();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (exchange != null) {
            exchange.flushServer();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (!channel.isWritable()) {
            return;
        }
        gate.resume(channel, ReadGate.OWN_OUTPUT_FULL);
        if (exchange != null) {
            exchange.clientWritable();
        } else if (pending != null) {
            process();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ProxiedConnection p) {
            proxied = p;
        } else if (evt instanceof ChannelInputShutdownEvent) {
            inputEnded();
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (timer == null) {
            listener.stats.countClose(ClientCloseReason.PROTOCOL_ERROR);
            listener.limiter.closed(); // refused before it became active (a bad PROXY header)
            return;
        }
        if (phase == Phase.HEAD) {
            // a head cut short: no answer, but a request all the same
            reportLocal(0, Termination.CLIENT, null, null, pending == null ? 0 : pending.readableBytes(), 0);
        }
        if (cacheWait != null) {
            CacheWait w = cacheWait;
            cacheWait = null;
            w.timeout.cancel(false);
            w.exchange.clientGone(Termination.CLIENT);
        }
        if (intake != null) {
            // gone before its answer (a stored request is delivered all the same)
            reportLocal(0, Termination.CLIENT, null, intake.route, intake.bytesIn, 0);
            intake = null;
        }
        listener.stats.countClose(closeReason != null ? closeReason
                : transportFailed ? ClientCloseReason.RESET
                : phase == Phase.IDLE && exchange == null ? ClientCloseReason.CLIENT_CLOSE
                : ClientCloseReason.CLIENT_ABORT);
        loop.clientClosed(channel);
        phase = Phase.CLOSING;
        timer.disarm();
        stopBuffering();
        releasePending();
        Exchange e = exchange;
        exchange = null;
        if (e != null) {
            e.clientGone(Termination.CLIENT);
        }
        abortAhead(Termination.CLIENT);
        listener.limiter.closed();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // resets and broken pipes are the client's business; the close that follows cleans up
        if (cause instanceof IOException) {
            transportFailed = true;
        }
        ctx.close();
    }

    /**
     * The client sent FIN. Requests it sent whole are still answered (a client may half-close after its request);
     * one cut short (a partial head or body) cannot be, and the connection closes.
     */
    private void inputEnded() {
        inputEnded = true;
        if (phase == Phase.CLOSING || exchange != null && !exchange.requestSent()
                || intake != null && !intake.submitted) {
            closeAs(ClientCloseReason.CLIENT_ABORT); // unless closing was decided before
            channel.close(); // lingering done, or a request body that will never be complete
            return;
        }
        closeIfInputEnded();
    }

    /** Once nothing more can come from a half-closed client and nothing is in flight, closes after the answers. */
    private void closeIfInputEnded() {
        // a request being answered without an exchange (parked by the cache, stored by the journal) is in flight too
        if (inputEnded && exchange == null && cacheWait == null && intake == null && phase != Phase.CLOSING) {
            if (phase == Phase.HEAD) {
                // a head cut short by the FIN
                reportLocal(0, Termination.CLIENT, null, null, pending == null ? 0 : pending.readableBytes(), 0);
                closeAs(ClientCloseReason.CLIENT_ABORT);
            } else {
                closeAs(ClientCloseReason.CLIENT_CLOSE);
            }
            closeAfterFlush(false);
        }
    }

    private void append(ByteBuf in) {
        ByteBuf before = pending;
        int beforeReader = before == null ? 0 : before.readerIndex();
        pending = Inbound.append(channel.alloc(), pending, in);
        scanFrom = Inbound.moveScan(scanFrom, before, beforeReader, pending);
    }

    /** Consumes what {@code pending} holds, as far as the current state allows. Re-entrant calls are deferred. */
    void process() {
        if (processing) {
            reprocess = true;
            return;
        }
        processing = true;
        try {
            do {
                reprocess = false;
                step();
            } while (reprocess);
        } finally {
            processing = false;
        }
        closeIfInputEnded();
    }

    private void step() {
        while (pending != null && phase != Phase.CLOSING) {
            if (cacheWait != null) {
                // the next request waits for this one's answer; reading goes on (a close is seen) up to a head's worth
                if (pending.readableBytes() > listener.limits.headerBytes()) {
                    gate.pause(channel, ReadGate.PIPELINE_FULL);
                }
                return;
            }
            if (intake != null) {
                if (!readDeferredBody()) {
                    return;
                }
                continue;
            }
            Exchange e = exchange;
            if (e != null && buffering != null) {
                if (!bufferRequestBody(e)) {
                    return;
                }
                continue;
            }
            if (e != null) {
                if (e.requestSent()) {
                    if (dispatchPipelined()) {
                        continue;
                    }
                    if (pending.readableBytes() > listener.limits.headerBytes()) {
                        gate.pause(channel, ReadGate.PIPELINE_FULL);
                    }
                    return;
                }
                if (!e.readyForBody()) {
                    if (e.awaitingServer()) {
                        timer.disarm(); // we are late, not the client; a held response's delivery keeps its timer
                    }
                    gate.pause(channel, ReadGate.AWAITING_SERVER);
                    return;
                }
                releaseBufferedBody();
                e.forwardBody(pending);
                if (pending != null && !pending.isReadable()) {
                    releasePending();
                }
                if (exchange == e) {
                    if (e.requestSent() || gate.paused()) {
                        timer.disarm(); // nothing more is expected from the client, or it is held back by us
                    } else {
                        timer.arm(listener.bodyIdleNanos);
                    }
                }
                continue;
            }
            if (!channel.isWritable()) {
                // answers to earlier requests are still queued: read no more until the client takes them
                gate.pause(channel, ReadGate.OWN_OUTPUT_FULL);
                return;
            }
            if (!readHead()) {
                return;
            }
        }
    }

    /** @return whether a head was consumed (so processing may go on) */
    private boolean readHead() {
        skipLeadingEmptyLines();
        if (scanFrom < pending.readerIndex()) {
            scanFrom = -1;
        }
        if (!pending.isReadable()) {
            releasePending();
            return false;
        }
        if (phase == Phase.IDLE) {
            phase = Phase.HEAD;
            listener = listener.current(); // a reload in between: this request gets the new routes and limits
            headStartNanos = timer.arm(listener.requestHeaderNanos);
        }
        int start = pending.readerIndex();
        int end = HeadScanner.findEnd(pending, scanFrom < 0 ? start : scanFrom);
        if (end == HeadScanner.INCOMPLETE) {
            int readable = pending.readableBytes();
            if (readable > listener.limits.requestLine()
                    && pending.indexOf(start, start + listener.limits.requestLine(), (byte) '\n') < 0) {
                reject(414, isHead(pending, start), null, readable);
            } else if (readable > listener.limits.headerBytes()) {
                reject(431, isHead(pending, start), null, readable);
            } else {
                scanFrom = HeadScanner.resumeFrom(pending, start);
            }
            return false;
        }
        scanFrom = -1;
        if (end - start > listener.limits.headerBytes()) {
            reject(431, isHead(pending, start), null, end - start);
            return false;
        }
        HeadParser p = loop.parser;
        int status = p.parseRequest(pending, start, end, listener.limits.requestLine(), listener.limits.headers(),
                listener.targetPolicy);
        if (status != HeadParser.OK) {
            reject(status, isHead(pending, start), null, end - start);
            return false;
        }
        listener.limiter.stats().countRequest();
        boolean keepAlive = keepsAlive(p, ++requests);
        BodyFramer body = p.chunked ? BodyFramer.chunked() : p.contentLength > 0 ? BodyFramer.length(p.contentLength) : null;
        if (listener.monitorUri != null && isMonitorRequest(p)) {
            return answerMonitor(start, end, keepAlive, body != null, p);
        }
        Route route = listener.routes.match(pending, p);
        RouteBuffering rb = route == null ? null : route.buffering();
        if (p.contentLength > listener.limits.body() || rb != null && rb.bufferRequest() && body != null
                && p.contentLength > rb.maxRequestBuffer() && rb.overflow() == RouteBuffering.Overflow.REJECT) {
            reject(413, p.method == Method.HEAD, p, end - start);
            return false;
        }
        if (route == null) {
            return answerWithoutServer(404, "", start, end, keepAlive, body != null, p, null);
        }
        // the client's rate first, so that guessing credentials is limited too; the route's last, so that requests
        // without credentials cannot use up what the route allows everyone
        long now = client != null || route.checksRequests() ? System.nanoTime() : 0;
        long wait = client == null ? 0 : client.takeRequest(now);
        String challenge = wait > 0 || route.auth() == null ? null : route.auth().refusal(pending, p);
        if (challenge != null) {
            return answerWithoutServer(401, challenge, start, end, keepAlive, body != null, p, route);
        }
        wait = wait > 0 ? wait : route.takeRequest(now);
        if (wait > 0) {
            listener.limiter.stats().rateLimited();
            return answerWithoutServer(429, "Retry-After: " + TokenBucket.retryAfterSeconds(wait) + "\r\n", start,
                    end, keepAlive, body != null, p, route);
        }
        if (route.direct() != null) {
            boolean close = !keepAlive || body != null;
            ByteBuf answer = DirectAnswer.of(channel.alloc(), route, p, pending, close, !p.http11 && keepAlive,
                    p.method == Method.HEAD);
            return sendLocal(answer, route.direct().status(), Termination.LOCAL, Termination.NONE, start, end,
                    keepAlive, close, p, route);
        }
        if (route.deferred()) {
            return defer(p, start, end, route, keepAlive, body);
        }
        boolean upgrade = p.upgrade && p.http11 && body == null
                && route.allowsUpgrade(pending, p.upgradeStart, p.upgradeEnd);
        ResponseCache cache = route.cache();
        if (cache != null) {
            // an Upgrade the route does not allow is dropped (h2c from clients trying HTTP/2): the request is cached
            if ((p.method == Method.GET || p.method == Method.HEAD) && body == null && !upgrade) {
                return cached(cache, p, start, end, route, keepAlive);
            }
            if (p.method != Method.OPTIONS && p.method != Method.TRACE && p.method != Method.GET
                    && p.method != Method.HEAD) {
                cache.invalidate(CacheHeads.key(p, pending)); // the request may change what is stored
            }
        }
        Exchange e = newExchange(p, start, end, route, keepAlive, body, upgrade, headStartNanos);
        pending.readerIndex(end);
        phase = Phase.EXCHANGE;
        timer.disarm();
        exchange = e;
        if (rb.bufferRequest() && body != null && p.contentLength <= rb.maxRequestBuffer()) {
            // the server gets the request once it is all here, in one write
            buffering = new RequestBuffering(rb, p.chunked ? BodyFramer.chunked() : BodyFramer.length(p.contentLength),
                    loop.budget);
            if (p.expectContinue && p.http11) {
                // the client waits for this before sending the body we wait for
                channel.writeAndFlush(Unpooled.wrappedBuffer(CONTINUE), channel.voidPromise());
            }
            timer.arm(listener.bodyIdleNanos);
            return true;
        }
        e.start();
        return true;
    }

    /**
     * A GET or HEAD request on a route with a cache: answered from what is stored, or sent to the server (the answer
     * stored if it may be), or parked until another request's fetch of the same URL ends.
     */
    private boolean cached(ResponseCache cache, HeadParser p, int start, int end, Route route, boolean keepAlive) {
        CacheRequest request = CacheHeads.request(p, pending);
        CacheWait wait = new CacheWait(cache, request, keepAlive, !p.http11 && keepAlive);
        CacheDecision d = cache.decide(request, System.currentTimeMillis(), channel.eventLoop(), wait);
        if (d.kind == CacheDecision.Kind.HIT) {
            boolean notModified = request.notModified(d.stored);
            long size = writeStored(d.stored, wait, notModified, HIT);
            if (size >= 0) {
                reportLocal(notModified ? 304 : d.stored.status, Termination.NONE, Termination.NONE, p, route,
                        end - start, size, "hit");
                pending.readerIndex(end);
                answeredFromCache(wait);
                return true;
            }
            cache.lost(request);
            d = cache.decide(request, System.currentTimeMillis(), null, null);
        }
        if (d.kind == CacheDecision.Kind.UNAVAILABLE) {
            return answerWithoutServer(504, "", start, end, keepAlive, false, p, route);
        }
        Exchange e = newExchange(p, start, end, route, keepAlive, null, false, headStartNanos);
        pending.readerIndex(end);
        phase = Phase.EXCHANGE;
        timer.disarm();
        if (d.kind == CacheDecision.Kind.WAIT) {
            wait.exchange = e;
            park(wait, d.collapse);
            return true;
        }
        startCached(e, d);
        return true;
    }

    /**
     * Parks the request until {@code collapse} (another request's fetch of its URL) ends. It is not timed as the
     * client's: the wait is ours, bounded by lock_timeout.
     */
    private void park(CacheWait w, Collapse collapse) {
        w.collapse = collapse;
        w.timeout = loop.loop.schedule(w, w.cache.config().lockTimeout().toNanos(), TimeUnit.NANOSECONDS);
        cacheWait = w;
    }

    /** Starts the exchange of a request the cache did not answer: its response stored, or marked as passed. */
    private void startCached(Exchange e, CacheDecision d) {
        if (d.kind == CacheDecision.Kind.FETCH) {
            e.cache(d.fill);
        } else {
            e.cacheStatus(d.cacheStatus);
        }
        exchange = e;
        e.start();
    }

    /**
     * The fetch this request waited for ended, or the wait timed out: the request is answered with what was stored
     * meanwhile, or goes to the server (without waiting again).
     */
    private void cacheWoken(CacheWait w) {
        if (cacheWait != w) {
            return; // the client left
        }
        cacheWait = null;
        w.timeout.cancel(false);
        boolean timedOut = !w.collapse.ended();
        CacheDecision d = w.cache.decide(w.request, System.currentTimeMillis(), channel.eventLoop(),
                !timedOut && w.collapse.leaderLeft() ? w : null);
        if (d.kind == CacheDecision.Kind.WAIT) {
            park(w, d.collapse); // the fetch's client left before its answer: this request waits for the next fetch
            return;
        }
        if (d.kind == CacheDecision.Kind.HIT) {
            boolean notModified = w.request.notModified(d.stored);
            long size = writeStored(d.stored, w, notModified, HIT_COLLAPSED);
            if (size >= 0) {
                w.exchange.answeredFromCache(notModified ? 304 : d.stored.status, size);
                answeredFromCache(w);
                if (phase != Phase.CLOSING && pending != null) {
                    process();
                }
                return;
            }
            w.cache.lost(w.request);
            d = w.cache.decide(w.request, System.currentTimeMillis(), null, null);
        }
        startCached(w.exchange, d);
    }

    /**
     * Writes an answer made from {@code stored} (not flushed).
     *
     * @return its size in bytes, or -1 when its body's file in the disk tier is gone (nothing written)
     */
    private long writeStored(CachedResponse stored, CacheWait w, boolean notModified, byte[] cacheStatus) {
        boolean body = CacheHeads.hasBody(stored, notModified, w.request.isHead());
        FileChannel file = null;
        if (body && stored.file != null) {
            try {
                file = FileChannel.open(stored.file, StandardOpenOption.READ);
            } catch (IOException e) {
                return -1;
            }
        }
        long now = System.currentTimeMillis();
        ByteBuf head = CacheHeads.answer(channel.alloc(), stored, notModified, stored.ageSeconds(now), cacheStatus,
                stored.ttlSeconds(now), !w.keepAlive, w.keepAlive10);
        long size = head.readableBytes() + (body ? stored.bodyLength : 0);
        channel.write(head, channel.voidPromise());
        if (file != null) {
            channel.write(new DefaultFileRegion(file, 0, stored.bodyLength), channel.voidPromise());
        } else if (body) {
            channel.write(Unpooled.wrappedBuffer(stored.body), channel.voidPromise());
        }
        return size;
    }

    /** After an answer from the cache: the connection closes, or waits for the next request. */
    private void answeredFromCache(CacheWait w) {
        if (w.keepAlive) {
            channel.flush();
            requestFinished();
        } else {
            closeAs(keepAliveEnd());
            closeAfterFlush(pending != null && pending.isReadable()); // bytes sent after a close: linger, as sendLocal
        }
    }

    /**
     * What a request parked by the cache needs when it is woken: the cache's view of it and its connection's. Run
     * (on the connection's loop) when the fetch it waits for ends, or at lock_timeout.
     */
    private final class CacheWait implements Runnable {
        final ResponseCache cache;
        final CacheRequest request;
        final boolean keepAlive;
        final boolean keepAlive10;
        /** Its exchange, not started: it starts if the request goes to the server after all. */
        Exchange exchange;
        /** The fetch it waits for. */
        Collapse collapse;
        ScheduledFuture<?> timeout;

        CacheWait(ResponseCache cache, CacheRequest request, boolean keepAlive, boolean keepAlive10) {
            this.cache = cache;
            this.request = request;
            this.keepAlive = keepAlive;
            this.keepAlive10 = keepAlive10;
        }

        @Override
        public void run() {
            cacheWoken(this);
        }
    }

    /**
     * Starts storing a request of a {@code deliver: deferred} route: its head as the server would get it, then its
     * body (read whole, bounded by {@code limits.body}), then one submission to the journal; reading stops until the
     * journal answers (202 once durable, 503 when full).
     */
    private boolean defer(HeadParser p, int start, int end, Route route, boolean keepAlive, BodyFramer body) {
        DeferredDelivery store = loop.deferred();
        if (store == null) {
            return answerWithoutServer(503, "", start, end, keepAlive, body != null, p, route);
        }
        ByteBuf head = HeadWriter.request(channel.alloc(), p, pending, start, end, clientAddress(), route, false);
        String text;
        try {
            text = head.toString(StandardCharsets.ISO_8859_1);
        } finally {
            head.release();
        }
        int lineEnd = text.indexOf("\r\n");
        String[] requestLine = text.substring(0, lineEnd).split(" ", 3);
        String fields = text.substring(lineEnd + 2, Math.max(lineEnd + 2, text.length() - 2));
        intake = new DeferredIntake(route, requestLine[0], requestLine[1], fields, body, p.method == Method.HEAD,
                keepAlive, !p.http11 && keepAlive, p.contentLength, end - start);
        pending.readerIndex(end);
        phase = Phase.EXCHANGE;
        if (body != null && p.expectContinue && p.http11) {
            channel.writeAndFlush(Unpooled.wrappedBuffer(CONTINUE), channel.voidPromise());
        }
        timer.arm(listener.bodyIdleNanos);
        return true;
    }

    /**
     * Reads the body of the deferred request; once whole, submits it.
     *
     * @return whether processing goes on
     */
    private boolean readDeferredBody() {
        DeferredIntake in = intake;
        if (in.submitted) {
            gate.pause(channel, ReadGate.AWAITING_SERVER); // the next request waits for this one's answer
            return false;
        }
        if (in.framer != null) {
            int from = pending.readerIndex();
            int to = pending.writerIndex();
            int end = in.framer.scan(pending, from, to, in.framer.isChunked() ? in : null);
            if (end == BodyFramer.MALFORMED) {
                refuseDeferred(400);
                return false;
            }
            int stop = end < 0 ? to : end;
            if (!in.framer.isChunked()) {
                in.payload(pending, from, stop - from);
            }
            in.bytesIn += stop - from;
            pending.readerIndex(stop);
            if (in.body.size() > listener.limits.body()) {
                refuseDeferred(413);
                return false;
            }
            if (end < 0) {
                timer.arm(listener.bodyIdleNanos);
                releasePendingIfEmpty();
                return false;
            }
        }
        in.submitted = true;
        timer.disarm();
        gate.pause(channel, ReadGate.AWAITING_SERVER);
        releasePendingIfEmpty();
        loop.deferred().submit(in.route.cluster().name(), in.method, in.target, in.fields, in.body.toByteArray(),
                channel.eventLoop(), new DeferredDelivery.Completion() {
                    @Override
                    public void accepted(String id) {
                        deferredAnswer(in, 202, id);
                    }

                    @Override
                    public void refused(int status) {
                        deferredAnswer(in, status, null);
                    }
                });
        return false;
    }

    private void releasePendingIfEmpty() {
        if (pending != null && !pending.isReadable()) {
            releasePending();
        }
    }

    /** The journal answered (on this connection's loop): 202 with the id, or an error; then the next request. */
    private void deferredAnswer(DeferredIntake in, int status, String id) {
        if (intake != in || phase == Phase.CLOSING) {
            return; // the client left meanwhile; a stored request is delivered all the same
        }
        intake = null;
        boolean close = !in.keepAlive;
        ByteBuf answer = id == null
                ? LocalResponse.of(channel.alloc(), status, "", close, in.keepAlive10, in.toHead)
                : LocalResponse.of(channel.alloc(), status, "accepted " + id + "\n", "X-Sluice-Delivery-Id: " + id
                        + "\r\n", close, in.keepAlive10, in.toHead);
        reportLocal(status, Termination.PROXY, id == null ? Termination.PHASE_REQUEST : Termination.NONE, null,
                in.route, in.bytesIn, answer.readableBytes(), null);
        if (close) {
            closeAs(answerCloseReason(status, in.keepAlive));
        }
        respondLocally(answer, close);
        if (!close) {
            requestFinished();
            process();
        }
    }

    /** Refuses the deferred request being read (malformed, too large or too slow a body) and closes. */
    private void refuseDeferred(int status) {
        DeferredIntake in = intake;
        intake = null;
        ByteBuf answer = LocalResponse.of(channel.alloc(), status, "", true, false, in.toHead);
        boolean timeout = status == 408;
        reportLocal(status, timeout ? Termination.CLIENT_TIMEOUT : Termination.PROXY, null, in.route, in.bytesIn,
                answer.readableBytes());
        closeAs(timeout ? ClientCloseReason.REQUEST_TIMEOUT : ClientCloseReason.PROTOCOL_ERROR);
        releasePending();
        respondLocally(answer, true);
    }

    /** What is known of a deferred request while its body is read and the journal stores it. */
    private static final class DeferredIntake implements BodyFramer.PayloadSink {
        final Route route;
        final String method;
        final String target;
        final String fields;
        final BodyFramer framer;
        final boolean toHead;
        final boolean keepAlive;
        final boolean keepAlive10;
        final java.io.ByteArrayOutputStream body;
        long bytesIn;
        boolean submitted;

        DeferredIntake(Route route, String method, String target, String fields, BodyFramer framer, boolean toHead,
                       boolean keepAlive, boolean keepAlive10, long contentLength, int headBytes) {
            this.route = route;
            this.method = method;
            this.target = target;
            this.fields = fields;
            this.framer = framer;
            this.toHead = toHead;
            this.keepAlive = keepAlive;
            this.keepAlive10 = keepAlive10;
            this.body = new java.io.ByteArrayOutputStream((int) Math.min(Math.max(contentLength, 0), 64 * 1024));
            this.bytesIn = headBytes;
        }

        @Override
        public void payload(ByteBuf buf, int index, int length) {
            byte[] b = new byte[length];
            buf.getBytes(index, b);
            body.write(b, 0, length);
        }
    }

    /**
     * Whether the connection stays open after request number {@code n} (1 for the first): the client asks for it,
     * {@code requests_per_connection} allows more, and the listener is not draining.
     */
    private boolean keepsAlive(HeadParser p, int n) {
        return (p.http11 ? !p.connectionClose : p.connectionKeepAlive) && n < listener.limits.requestsPerConnection()
                && !listener.draining();
    }

    /**
     * Answers a request with a status of Sluice's own (no route, refused), skipping its head. A request with a body
     * closes the connection after the answer rather than reading a body nobody wants.
     *
     * @param route the route the request matched, or {@code null}
     * @return whether processing may go on
     */
    private boolean answerWithoutServer(int status, String fields, int start, int end, boolean keepAlive,
                                        boolean hasBody, HeadParser request, Route route) {
        boolean close = !keepAlive || hasBody;
        ByteBuf answer = LocalResponse.of(channel.alloc(), status, fields, close, !request.http11 && keepAlive,
                request.method == Method.HEAD);
        return sendLocal(answer, status, route == null ? Termination.LOCAL : Termination.PROXY,
                Termination.PHASE_REQUEST, start, end, keepAlive, close, request, route);
    }

    /** Whether the request is a GET or HEAD of the listener's {@code monitor_uri} (any query). */
    private boolean isMonitorRequest(HeadParser p) {
        byte[] uri = listener.monitorUri;
        return (p.method == Method.GET || p.method == Method.HEAD) && p.pathEnd - p.pathStart == uri.length
                && Ascii.sameBytes(pending, p.pathStart, uri);
    }

    /**
     * Answers a balancer in front asking whether this listener takes requests: 200 while it does, 503 and a close
     * once it drains (shutdown, or removed by a reload), so that the balancer stops sending before it goes away.
     * Before routing and the client's request rate: a balancer's checks are not a client's traffic.
     */
    private boolean answerMonitor(int start, int end, boolean keepAlive, boolean hasBody, HeadParser request) {
        boolean draining = listener.draining();
        boolean close = !keepAlive || hasBody || draining;
        int status = draining ? 503 : 200;
        ByteBuf answer = LocalResponse.of(channel.alloc(), status, draining ? "draining\n" : "ok\n", "", close,
                !request.http11 && keepAlive, request.method == Method.HEAD);
        return sendLocal(answer, status, Termination.LOCAL, Termination.NONE, start, end, keepAlive, close, request,
                null);
    }

    /**
     * Sends an answer of Sluice's own to the request whose head is {@code pending[start, end)}, skipping the head,
     * and counts and logs it; the connection closes after it when {@code close}.
     *
     * @return whether processing may go on
     */
    private boolean sendLocal(ByteBuf answer, int status, char by, char phase, int start, int end, boolean keepAlive,
                              boolean close, HeadParser request, Route route) {
        reportLocal(status, by, phase, request, route, end - start, answer.readableBytes(), null);
        pending.readerIndex(end);
        if (close) {
            closeAs(answerCloseReason(status, keepAlive));
        }
        respondLocally(answer, close);
        if (!close) {
            requestFinished();
        }
        return true;
    }

    private Exchange newExchange(HeadParser p, int start, int end, Route route, boolean keepAlive, BodyFramer body,
                                 boolean upgrade, long startNanos) {
        AccessRecord record = newRecord(p);
        ByteBuf head = HeadWriter.request(channel.alloc(), p, pending, start, end, clientAddress(), route, upgrade);
        boolean hostMissing = p.hostStart < 0 && p.authorityStart < 0;
        long key = route.cluster().config().balance() == Balance.CONSISTENT_HASH ? BalanceKey.of(route, p,
                pending, clientAddress()) : 0;
        return new Exchange(this, route, p.method, p.http11, keepAlive, head, hostMissing, body, key, upgrade,
                startNanos, end - start, record);
    }

    /**
     * Parallel pipelining (seed 002): while the requests in flight are idempotent, the next pipelined request
     * that is idempotent, bodiless and keeps the connection goes to a server at once, up to {@code max_pipeline}
     * in flight; its response is held until the ones before it are out. Anything else waits its turn and is read
     * then (an error in its head included).
     *
     * @return whether a request was dispatched
     */
    private boolean dispatchPipelined() {
        int inFlight = 1 + (ahead == null ? 0 : ahead.size());
        Exchange last = ahead == null || ahead.isEmpty() ? exchange : ahead.peekLast();
        if (inFlight >= listener.limits.maxPipeline() || !exchange.idempotent() || !exchange.keepsConnection()
                || exchange.upgrading() || !last.requestSent()) {
            return false;
        }
        skipLeadingEmptyLines();
        if (!pending.isReadable()) {
            return false;
        }
        int start = pending.readerIndex();
        int end = HeadScanner.findEnd(pending, start);
        if (end == HeadScanner.INCOMPLETE || end - start > listener.limits.headerBytes()) {
            return false;
        }
        HeadParser p = loop.parser;
        if (p.parseRequest(pending, start, end, listener.limits.requestLine(), listener.limits.headers(),
                listener.targetPolicy)
                != HeadParser.OK || !p.method.idempotent || p.chunked || p.contentLength > 0 || p.expectContinue
                || p.upgrade) {
            return false;
        }
        boolean keepAlive = keepsAlive(p, requests + 1);
        Route route = keepAlive ? listener.routes.match(pending, p) : null;
        // a route that answers itself, or the monitor_uri, is answered in turn: its answer is not held
        if (route == null || route.checksRequests() || route.direct() != null || route.cache() != null
                || listener.monitorUri != null && isMonitorRequest(p) || client != null && client.limitsRequests()) {
            return false; // read in turn: refused, or the last request, answered with a close
        }
        requests++;
        listener.limiter.stats().countRequest();
        // its head was here already: it starts when it is dispatched
        Exchange next = newExchange(p, start, end, route, keepAlive, null, false, System.nanoTime());
        pending.readerIndex(end);
        if (ahead == null) {
            ahead = new ArrayDeque<>(4);
        }
        ahead.add(next);
        next.waitTurn();
        next.start();
        return true;
    }

    /**
     * Ends the pipelined exchanges behind the current one: the connection closes.
     *
     * @param by who closes it, for their termination codes ({@link Termination#CLIENT} or {@link Termination#PROXY})
     */
    private void abortAhead(char by) {
        if (ahead != null) {
            Exchange e;
            while ((e = ahead.poll()) != null) {
                e.clientGone(by);
            }
        }
    }

    /**
     * Scans what arrived of a buffered request body. When it is complete, or over the limit with
     * {@code overflow: stream}, or the memory budget has no room for more, the exchange starts (and forwards
     * what is here in one write, the rest as it comes).
     *
     * @return whether processing goes on (the exchange started); false: wait for more bytes
     */
    private boolean bufferRequestBody(Exchange e) {
        switch (buffering.scan(pending)) {
            case INCOMPLETE:
                timer.arm(listener.bodyIdleNanos);
                return false;
            case MALFORMED:
                stopBuffering();
                exchange = null;
                refuseBuffered(e, 400);
                return false;
            case TOO_LARGE:
                stopBuffering();
                exchange = null;
                refuseBuffered(e, 413);
                return false;
            default:
                // the body stays in the budget until it is forwarded
                bufferedBody = buffering;
                buffering = null;
                timer.disarm();
                e.start();
                return true;
        }
    }

    /** Answers {@code status} to a request whose buffered body was refused; its exchange never started. */
    private void refuseBuffered(Exchange e, int status) {
        ByteBuf answer = LocalResponse.of(channel.alloc(), status, "", true, false, e.isHead());
        e.refused(status, answer.readableBytes());
        closeAs(ClientCloseReason.PROTOCOL_ERROR);
        respondLocally(answer, true);
    }

    private void stopBuffering() {
        if (buffering != null) {
            buffering.close();
            buffering = null;
        }
        releaseBufferedBody();
    }

    private void releaseBufferedBody() {
        if (bufferedBody != null) {
            bufferedBody.close();
            bufferedBody = null;
        }
    }

    private void skipLeadingEmptyLines() {
        // RFC 9112 §2.2: tolerate CRLFs before a request line (some clients send one after a body)
        while (pending.readableBytes() >= 2 && pending.getByte(pending.readerIndex()) == '\r'
                && pending.getByte(pending.readerIndex() + 1) == '\n') {
            pending.skipBytes(2);
        }
    }

    /**
     * The server switched protocols for the current exchange (its 101 head is written): this connection and the
     * server's become a tunnel, and this handler leaves. What the client sent after the request goes first.
     */
    void upgraded(PooledConnection server, ByteBuf toClient) {
        exchange = null;
        phase = Phase.CLOSING;
        timer.disarm();
        ByteBuf toServer = pending;
        pending = null;
        scanFrom = -1;
        channel.closeFuture().addListener(f -> {
            listener.limiter.closed();
            loop.clientClosed(channel);
        });
        channel.pipeline().remove(this);
        Relay.join(channel, server.channel(), toServer, toClient, false, listener.config.timeouts(),
                (end, fromClient, fromServer) -> {
                    server.close(CloseReason.TUNNEL_END);
                    listener.stats.countClose(end.clientCloseReason());
                });
    }

    /** The exchange is over. The connection closes, or waits for (or goes on with) the next request. */
    void exchangeFinished(Exchange e, boolean close) {
        if (exchange != e) {
            return;
        }
        exchange = null;
        releaseBufferedBody();
        if (close || phase == Phase.CLOSING) {
            // unless decided before: the client did not keep the connection, the listener drains, or the response
            // did not let it
            closeAs(e.keepsConnection() && !listener.draining() ? ClientCloseReason.SERVER_CLOSE : keepAliveEnd());
            abortAhead(Termination.PROXY);
            closeAfterFlush(!e.requestSent() || (pending != null && pending.isReadable()));
            return;
        }
        Exchange next = ahead == null ? null : ahead.poll();
        if (next != null) {
            exchange = next;
            gate.resume(channel, ReadGate.PIPELINE_FULL);
            next.yourTurn();
            if (exchange == next && pending != null) {
                process();
            }
            return;
        }
        requestFinished();
        if (pending != null) {
            process();
        }
        closeIfInputEnded();
    }

    private void requestFinished() {
        phase = Phase.IDLE;
        gate.resume(channel, ReadGate.PIPELINE_FULL | ReadGate.AWAITING_SERVER | ReadGate.PEER_UNWRITABLE);
        timer.arm(listener.keepaliveIdleNanos);
    }

    /**
     * Sends an answer of Sluice's own ({@link LocalResponse}), the connection closing afterwards if {@code close}
     * (its reason decided by the caller).
     */
    void respondLocally(ByteBuf answer, boolean close) {
        channel.write(answer, channel.voidPromise());
        if (close) {
            closeAfterFlush(true);
        } else {
            channel.flush();
        }
    }

    /**
     * Answers with an error of Sluice's own and closes; counts and logs the refused request.
     *
     * @param toHead    the request was HEAD: no body
     * @param parsed    the parser holding the request's head, or {@code null} when it was not parsed
     * @param headBytes the bytes of the head read
     */
    private void reject(int status, boolean toHead, HeadParser parsed, long headBytes) {
        ByteBuf answer = LocalResponse.of(channel.alloc(), status, "", true, false, toHead);
        boolean timeout = status == 408;
        reportLocal(status, timeout ? Termination.CLIENT_TIMEOUT : Termination.PROXY, parsed, null, headBytes,
                answer.readableBytes());
        closeAs(timeout ? ClientCloseReason.REQUEST_TIMEOUT : ClientCloseReason.PROTOCOL_ERROR);
        respondLocally(answer, true);
    }

    /**
     * Decides why the connection will close, for its close reason in /stats; the first reason decided is the one
     * counted, so a close decided for one reason is not counted for what happens while it completes.
     */
    void closeAs(ClientCloseReason reason) {
        if (closeReason == null) {
            closeReason = reason;
        }
    }

    /**
     * Why the connection closes after an answer of Sluice's own with {@code status} that closes it: a timeout; else
     * the client did not keep the connection; else a refused request (4xx) or a failed server (5xx).
     */
    ClientCloseReason answerCloseReason(int status, boolean keepAlive) {
        if (status == 408) {
            return ClientCloseReason.REQUEST_TIMEOUT;
        }
        if (!keepAlive) {
            return keepAliveEnd();
        }
        return status >= 500 ? ClientCloseReason.SERVER_ERROR : ClientCloseReason.PROTOCOL_ERROR;
    }

    /**
     * Why a connection closes after a request that did not keep it: the last one allowed, the listener draining
     * (shutdown, reload), or the client's wish.
     */
    private ClientCloseReason keepAliveEnd() {
        if (requests >= listener.limits.requestsPerConnection()) {
            return ClientCloseReason.MAX_REQUESTS;
        }
        ClientCloseReason drain = listener.drainReason();
        return drain != null ? drain : ClientCloseReason.CLIENT_CLOSE;
    }

    /** Whether the request whose head starts at {@code start} is a HEAD request (the head may be incomplete). */
    private static boolean isHead(ByteBuf buf, int start) {
        return buf.writerIndex() - start >= HEAD_METHOD.length && Ascii.sameBytes(buf, start, HEAD_METHOD);
    }

    /** Closes at once, dropping what is queued: used when a response cannot be completed. */
    void abort() {
        exchange = null;
        abortAhead(Termination.PROXY);
        phase = Phase.CLOSING;
        releasePending();
        channel.close();
    }

    /**
     * Closes once what is queued is sent. With {@code linger} (the client may still be sending: an error answer,
     * unread body or pipelined bytes), the write side is shut first and what the client still sends is read and
     * dropped, so that unread bytes do not make the kernel reset the connection and destroy the answer before
     * the client read it. The timer bounds both the flush and the linger.
     */
    private void closeAfterFlush(boolean lingerWanted) {
        boolean linger = lingerWanted && !inputEnded; // a client that sent FIN sends nothing more to wait for
        exchange = null;
        abortAhead(Termination.PROXY);
        phase = Phase.CLOSING;
        releasePending();
        timer.arm(listener.bodyIdleNanos);
        if (linger) {
            // read (and drop) at once: a client blocked sending to us may read our answer only once it got rid
            // of its bytes, whatever paused reading before
            gate.clear(channel);
        }
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
            if (linger && f.isSuccess() && channel instanceof DuplexChannel duplex && channel.isActive()) {
                timer.arm(Math.min(LINGER_NANOS, listener.bodyIdleNanos));
                duplex.shutdownOutput();
            } else {
                channel.close();
            }
        });
    }

    void write(ByteBuf buf) {
        channel.write(buf, channel.voidPromise());
    }

    void flush() {
        channel.flush();
    }

    boolean isClosing() {
        return phase == Phase.CLOSING;
    }

    @Override
    public void timedOut() {
        switch (phase) {
            case IDLE:
                // a connection that never sent a request was not idle between requests: it was too slow to start
                closeAs(requests == 0 ? ClientCloseReason.REQUEST_TIMEOUT : ClientCloseReason.IDLE_TIMEOUT);
                closeAfterFlush(false);
                break;
            case HEAD:
                reject(408, pending != null && isHead(pending, pending.readerIndex()), null,
                        pending == null ? 0 : pending.readableBytes());
                break;
            case EXCHANGE:
                if (exchange != null) {
                    exchange.clientTimedOut();
                } else if (intake != null && !intake.submitted) {
                    refuseDeferred(408); // its body stopped coming
                }
                break;
            default:
                channel.close(); // the client neither read the last answer nor closed in time
                break;
        }
    }

    // ---- telemetry ----

    /**
     * A new access log record with what the head parsed in {@code pending} says; {@code null} when the log is off.
     * The bytes are copied (bounded): the buffer is gone when the record is written.
     *
     * @param p the parser holding the head, or {@code null} when it was not parsed
     */
    private AccessRecord newRecord(HeadParser p) {
        if (listener.accessLog == null) {
            return null;
        }
        AccessRecord r = new AccessRecord();
        r.listener = listener.config.name();
        r.client = proxied != null ? proxied.source() : (InetSocketAddress) channel.remoteAddress();
        if (p != null) {
            r.method = p.method != Method.OTHER ? p.method.name()
                    : new String(copy(p.methodStart, p.methodEnd, AccessRecord.MAX_METHOD),
                            StandardCharsets.ISO_8859_1);
            r.target = copy(p.targetStart, p.targetEnd, AccessRecord.MAX_TARGET);
            r.host = p.hostStart >= 0 ? copy(p.hostStart, p.hostEnd, AccessRecord.MAX_HOST)
                    : p.authorityStart >= 0 ? copy(p.authorityStart, p.authorityEnd, AccessRecord.MAX_HOST) : null;
            r.protocol = p.http11 ? "HTTP/1.1" : "HTTP/1.0";
        }
        return r;
    }

    private byte[] copy(int from, int to, int max) {
        byte[] b = new byte[Math.min(to - from, max)];
        pending.getBytes(from, b);
        return b;
    }

    /**
     * Counts and logs a request answered without an exchange, or cut short (status 0), in the request phase. Its
     * duration runs from the head's first byte to now.
     *
     * @param p     the parser holding the request's head, or {@code null} when it was not parsed
     * @param route the route it matched, or {@code null}
     */
    private void reportLocal(int status, char by, HeadParser p, Route route, long bytesIn, int bytesOut) {
        reportLocal(status, by, Termination.PHASE_REQUEST, p, route, bytesIn, bytesOut, null);
    }

    /**
     * The same, ended in {@code phase}: {@link Termination#NONE} for an answer a route or the monitor_uri gives as
     * configured.
     *
     * @param route the route it matched, or {@code null}; the access log names its cluster, or how it answered
     * @param cache what the route's cache did, for the access log ({@code hit}), or {@code null}
     */
    private void reportLocal(int status, char by, char phase, HeadParser p, Route route, long bytesIn,
                             long bytesOut, String cache) {
        long total = System.nanoTime() - headStartNanos;
        listener.stats.exchangeEnded(status, bytesIn, bytesOut, total);
        if (route != null) {
            route.stats().countRequest();
        }
        AccessRecord r = newRecord(p);
        if (r != null) {
            r.finish(total, status, bytesIn, bytesOut, route == null ? null
                    : route.cluster() != null ? route.cluster().name() : route.direct().action().key());
            r.ended(by, phase);
            r.cache = cache;
            listener.accessLog.offer(r);
        }
    }

    InetAddress clientAddress() {
        return proxied != null ? proxied.source().getAddress()
                : ((InetSocketAddress) channel.remoteAddress()).getAddress();
    }

    /** The client's address and port and the address it connected to, as a PROXY header sends them. */
    ProxiedConnection endpoints() {
        return proxied != null ? proxied : ProxiedConnection.of(channel);
    }

    private void releasePending() {
        if (pending != null) {
            pending.release();
            pending = null;
        }
        scanFrom = -1;
    }
}
