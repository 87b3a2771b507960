package io.sluice.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import io.sluice.buffer.HeldBytes;
import io.sluice.cache.CacheFill;
import io.sluice.cache.CachedResponse;
import io.sluice.cluster.Balancer;
import io.sluice.cluster.CloseReason;
import io.sluice.cluster.Cluster;
import io.sluice.cluster.Server;
import io.sluice.cluster.SurgeQueue;
import io.sluice.listener.ClientCloseReason;
import io.sluice.pool.LeaseCallback;
import io.sluice.pool.LeaseFailure;
import io.sluice.pool.PendingLease;
import io.sluice.pool.PooledConnection;
import io.sluice.pool.ServerPool;
import io.sluice.route.Route;
import io.sluice.tcp.ProxiedConnection;
import io.sluice.telemetry.AccessRecord;
import io.sluice.telemetry.Termination;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One request and its response, between a client connection and a leased server connection. The request may
 * still stream while the response starts; {@link State} says where the exchange is, and the body framers say
 * whether each side is complete. Every path ends in {@link State#DONE} with the server connection released
 * (only after a clean exchange) or closed.
 *
 * <p>When it ends, the exchange is counted once (its listener's, route's and server's counters) and, with the access
 * log on, its {@link AccessRecord} goes to the log. The record is filled as the exchange goes; every place that
 * ends an exchange sets its termination code (docs/operations.md, "Close reasons").
 */
final class Exchange implements LeaseCallback, BodyFramer.PayloadSink, SurgeQueue.Waiter {
    enum State {
        /** Waiting in the cluster's surge queue: every eligible server is at its max_connections. */
        QUEUED,
        /** Waiting for a server connection; the request's bytes wait in the client's buffer. */
        LEASING,
        /** Request head sent; its body may still stream; no response head yet. */
        FORWARDING,
        /** Response head sent to the client; its body streams. */
        RESPONDING,
        /** The client left after sending its whole request: the response is read and dropped to keep the connection. */
        DRAINING,
        /** The server is done (and its connection released); the held response is fed to the client. */
        DELIVERING,
        DONE
    }

    /** Largest response head accepted from a server; beyond it the response is a 502. */
    static final int MAX_RESPONSE_HEAD = 64 * 1024;
    /** Most response bytes read and dropped for a client that left, to keep a server connection. */
    static final long MAX_DRAIN_BYTES = 1024 * 1024;
    /** Longest time spent draining for a client that left. */
    static final long DRAIN_TIMEOUT_NANOS = 2_000_000_000L;
    /** Most request bytes kept to replay a request whose pooled connection turned out closed. */
    static final int MAX_REPLAY_BYTES = 64 * 1024;

    private final ClientConnection client;
    private final Route route;
    private final Cluster cluster;
    private final Balancer balancer;
    /** The consistent-hash key of the request (0 for other policies). */
    private final long balanceKey;
    private final Method method;
    private final boolean clientHttp11;
    private final boolean clientKeepAlive;
    private final boolean hostMissing;
    private final BodyFramer requestBody;
    private ByteBuf requestHead;
    private State state = State.LEASING;

    private long triedServers;
    /** Tries left on other servers (the route's {@code retries}). */
    private int retriesLeft;
    /** This exchange holds a retry of the cluster's budget. */
    private boolean retryTaken;
    /** What to answer when no server is left to try: 503 until a request was sent, 502 after. */
    private int exhaustedStatus = 503;
    private SurgeQueue.Ticket queueTicket;
    private ScheduledFuture<?> queueTimeout;
    private Server server;
    /** The server counting this exchange in its requests in flight, or {@code null}. */
    private Server inFlightOn;
    private PendingLease pendingLease;
    private PooledConnection pooled;
    private final boolean upgrade;
    private ServerConnection serverSide;
    private boolean serverNeedsFlush;
    /** The request body went over {@code limits.body}: it is not all sent, and no more of it is read. */
    private boolean bodyRefused;
    /** Whether what is sent is kept, until the first response byte, to be replayed if the connection was stale. */
    private boolean recordReplay;
    /** The head as sent, kept by reference: its reader index is restored to replay it, so nothing is copied. */
    private ByteBuf replayHead;
    private int replayHeadStart;
    /** Where the head's made-up Host field (and the blank line) begins, to rewrite it for another server. */
    private int replayHostAt;
    private boolean onReusedConnection;
    /** Body parts sent after the head, if any. */
    private List<ByteBuf> replayBody;
    private int replayBytes;
    /** The request was already sent again on a fresh connection after a stale pooled one. */
    private boolean retried;

    private ByteBuf responsePending;
    private int responseScanFrom = -1;
    private boolean responseBytesSeen;
    private boolean responseHeadSent;
    private BodyFramer responseBody;
    private boolean serverKeepAlive;
    private boolean dechunk;
    private boolean closeClient;
    private long drained;
    /** How the response reaches the client when not written straight through: held or re-chunked. */
    private ResponseOutput out;
    /** A pipelined request dispatched before the ones ahead of it finished: its response is held until its turn. */
    private boolean waitingTurn;
    /** Stores the response in the route's cache, or {@code null}. */
    private CacheFill fill;
    /** The Cache-Status value the response gets (a route with a cache), or {@code null}. */
    private String cacheStatus;

    /** When the request started: its head's first byte was read (System.nanoTime). */
    private final long startNanos;
    /** The access log's record of this exchange, or {@code null} when the log is off. */
    private final AccessRecord record;
    /** {@link #start()} was called: the exchange looks for a server (else its body is still being buffered). */
    private boolean started;
    /** When the current wait for a server connection began (kept only for the access log). */
    private long waitStartNanos;
    /** The status sent, or to be sent, to the client; 0 while there is none. */
    private int status;
    /** Request bytes read from the client: the head, then the body as it is forwarded. */
    private long bytesIn;
    /** Response bytes handed to the client connection, besides those of {@link #out}. */
    private long bytesOut;
    /** The server the request was last sent to, or {@code null}. */
    private Server servedBy;
    private boolean reported;

    /**
     * @param upgrade    the request asks for a protocol the route allows: a 101 answer turns both connections into a
     *                   tunnel
     * @param startNanos when the request's head began (System.nanoTime)
     * @param headBytes  the size of the request's head as received
     * @param record     the access log's record, the request's fields filled in; {@code null} when the log is off
     */
    Exchange(ClientConnection client, Route route, Method method, boolean clientHttp11, boolean clientKeepAlive,
             ByteBuf requestHead, boolean hostMissing, BodyFramer requestBody, long balanceKey, boolean upgrade,
             long startNanos, int headBytes, AccessRecord record) {
        this.startNanos = startNanos;
        this.bytesIn = headBytes;
        this.record = record;
        this.upgrade = upgrade;
        this.client = client;
        this.route = route;
        this.cluster = route.cluster();
        this.balancer = client.loop.balancer(cluster);
        this.balanceKey = balanceKey;
        this.retriesLeft = route.retries();
        this.method = method;
        this.clientHttp11 = clientHttp11;
        this.clientKeepAlive = clientKeepAlive;
        this.requestHead = requestHead;
        this.hostMissing = hostMissing;
        this.requestBody = requestBody;
    }

    boolean idempotent() {
        return method.idempotent;
    }

    /** The request asks to switch protocols: what the client sends after it is not HTTP if the server agrees. */
    boolean upgrading() {
        return upgrade;
    }

    /** The client asked to keep the connection after this request: nothing after a close is dispatched. */
    boolean keepsConnection() {
        return clientKeepAlive;
    }

    /**
     * The response may go to the route's cache through {@code fill}; the request carries the fill's validators
     * (conditions on a stored response). Before {@link #start()}.
     */
    void cache(CacheFill fill) {
        this.fill = fill;
        if (record != null) {
            record.cache = "miss";
        }
        String conditions = fill.requestFields();
        if (!conditions.isEmpty()) {
            requestHead.writeCharSequence(conditions, StandardCharsets.ISO_8859_1);
        }
    }

    /** The response gets a Cache-Status field with {@code value}: the route's cache passed the request through. */
    void cacheStatus(String value) {
        cacheStatus = value;
        if (record != null) {
            record.cache = "bypass";
        }
    }

    /**
     * Ends a request that never started, answered from the cache after it waited for another request's fetch:
     * counts and logs the answer of {@code status} and {@code answerBytes}, sent by the client connection.
     */
    void answeredFromCache(int status, long answerBytes) {
        this.status = status;
        bytesOut += answerBytes;
        endedBy(Termination.NONE, Termination.NONE);
        if (record != null) {
            record.cache = "hit";
        }
        finish();
    }

    /** Makes this exchange hold its response until {@link #yourTurn()}: requests ahead of it are not done. */
    void waitTurn() {
        waitingTurn = true;
    }

    /** The requests ahead are done: what is held goes to the client, and from now on the response flows. */
    void yourTurn() {
        waitingTurn = false;
        if (out != null && out.awaitingLength() && state != State.DELIVERING) {
            return; // delivered once complete, with its length, rather than now with a close
        }
        if (out != null && out.holding()) {
            startDelivery();
            deliver();
        }
    }

    /**
     * Ends a request that never started, its buffered body refused: gives back what it holds, and counts and logs
     * the answer with {@code status} of {@code answerBytes} that the client connection sends.
     */
    void refused(int status, int answerBytes) {
        this.status = status;
        bytesOut += answerBytes;
        endedBy(Termination.PROXY, Termination.PHASE_REQUEST);
        finish();
    }

    void start() {
        started = true;
        waitBegins();
        if (!cluster.surgeQueue().isEmpty()) {
            queue(); // others wait already: behind them, in order of arrival
        } else {
            leaseNextServer();
        }
    }

    // ---- request side ----

    boolean isHead() {
        return method == Method.HEAD;
    }

    boolean requestSent() {
        return !bodyRefused && (requestBody == null || requestBody.isDone());
    }

    boolean readyForBody() {
        return state == State.FORWARDING || state == State.RESPONDING;
    }

    /** Forwards the body bytes at the start of {@code pending} (the client's buffer), advancing its reader index. */
    void forwardBody(ByteBuf pending) {
        int from = pending.readerIndex();
        int to = pending.writerIndex();
        int end = requestBody.scan(pending, from, to, null);
        if (end == BodyFramer.MALFORMED) {
            releaseServer(CloseReason.CLIENT_ABORT, false);
            endedBy(Termination.PROXY, Termination.PHASE_REQUEST);
            fail(400);
            return;
        }
        if (requestBody.declaredPayload() > client.listener.limits.body()) {
            // a chunked body over limits.body: the server got part of it, so its connection cannot be reused, and
            // the client's connection closes after the answer, the rest of the body unread
            bodyRefused = true;
            releaseServer(CloseReason.CLIENT_ABORT, false);
            endedBy(Termination.PROXY, Termination.PHASE_REQUEST);
            fail(413);
            return;
        }
        int stop = end < 0 ? to : end;
        if (stop > from) {
            ByteBuf part = pending.retainedSlice(from, stop - from);
            pending.readerIndex(stop);
            bytesIn += stop - from;
            sendToServer(part);
            if (pooled == null) {
                return; // the write failed and the failure was handled
            }
        }
        if (requestBody.isDone()) {
            armResponseTimer();
            flushServer();
        } else if (!pooled.channel().isWritable()) {
            client.gate.pause(client.channel, ReadGate.PEER_UNWRITABLE);
            armResponseTimer(); // the server is not reading: time it
        }
    }

    private void sendToServer(ByteBuf buf) {
        if (recordReplay) {
            record(buf);
        }
        Channel channel = pooled.channel();
        serverNeedsFlush = true;
        channel.write(buf, channel.voidPromise());
    }

    private void record(ByteBuf buf) {
        if (replayBytes + buf.readableBytes() > MAX_REPLAY_BYTES) {
            dropReplay();
            return;
        }
        replayBytes += buf.readableBytes();
        if (replayHead == null) {
            replayHead = buf.retain();
            replayHeadStart = buf.readerIndex();
        } else {
            if (replayBody == null) {
                replayBody = new ArrayList<>(4);
            }
            replayBody.add(buf.retainedDuplicate());
        }
    }

    /**
     * Sends again what was sent on the connection that failed. The recording is kept (the server gets
     * duplicates), so that the request can be replayed again if this try fails too before any response byte.
     */
    private void replay(Channel channel) {
        replayHead.readerIndex(replayHeadStart);
        if (hostMissing) {
            // the Host that was made up from the server's address must name this server
            replayHead.writerIndex(replayHostAt);
            HeadWriter.finishRequest(replayHead, hostOf(server));
        }
        channel.write(replayHead.retainedDuplicate(), channel.voidPromise());
        if (replayBody != null) {
            for (ByteBuf part : replayBody) {
                channel.write(part.retainedDuplicate(), channel.voidPromise());
            }
        }
        serverNeedsFlush = true;
    }

    /**
     * The server is timed only while it owes us something: once the request is sent, or while it does not read
     * the body. A slow client sending its body is the client's timer's business, not a 504.
     */
    private void armResponseTimer() {
        if (serverSide != null && state != State.DRAINING) {
            serverSide.timer.arm(responseTimeoutNanos());
        }
    }

    private long responseTimeoutNanos() {
        long routeTimeout = route.responseTimeoutNanos();
        return routeTimeout >= 0 ? routeTimeout : serverSide.responseTimeoutNanos;
    }

    void flushServer() {
        if (serverNeedsFlush && pooled != null) {
            serverNeedsFlush = false;
            pooled.channel().flush();
        }
    }

    /** The server can take more request bytes: the client may be read again. */
    void serverWritable() {
        if (state == State.FORWARDING && !requestSent()) {
            serverSide.timer.disarm();
        }
        client.gate.resume(client.channel, ReadGate.PEER_UNWRITABLE);
    }

    // ---- leasing ----

    /**
     * Leases a connection to the next server the balancer picks among those not tried yet and with a connection
     * free; when every one it picks is at its {@code max_connections}, the request joins the surge queue.
     */
    private void leaseNextServer() {
        switch (tryLease()) {
            case LEASED:
                break;
            case SATURATED:
                queue();
                break;
            default:
                if (record != null && record.endedBy == Termination.NONE) {
                    // no server to try at all; after a failure, that failure says why better
                    record.ended(Termination.SERVER, Termination.PHASE_CONNECT);
                }
                failBeforeResponse(exhaustedStatus);
                break;
        }
    }

    private enum LeaseAttempt { LEASED, SATURATED, NO_SERVER }

    /** Starts a lease on the first server picked that has a connection free, without waiting for one. */
    private LeaseAttempt tryLease() {
        long skipped = triedServers;
        boolean saturated = false;
        State before = state;
        for (;;) {
            int index = balancer.pick(skipped, balanceKey);
            if (index < 0) {
                return saturated ? LeaseAttempt.SATURATED : LeaseAttempt.NO_SERVER;
            }
            Server candidate = cluster.servers().get(index);
            long bit = 1L << index;
            // set before leasing: an idle connection is handed over inside the call
            triedServers |= bit;
            server = candidate;
            countInFlight(candidate);
            state = State.LEASING;
            ServerPool pool = client.loop.pool(candidate, cluster);
            PendingLease lease = pool.leaseIfFree(this, clientFor(pool));
            if (lease != ServerPool.NO_CAPACITY) {
                if (record != null && triedServers != bit) {
                    record.retries++; // another server after one that failed
                }
                if (lease != null) {
                    pendingLease = lease; // null: the callback already ran, and may have leased elsewhere since
                }
                return LeaseAttempt.LEASED;
            }
            triedServers &= ~bit;
            uncountInFlight();
            state = before;
            skipped |= bit;
            saturated = true;
        }
    }

    // ---- surge queue ----

    private void queue() {
        SurgeQueue surge = cluster.surgeQueue();
        SurgeQueue.Ticket ticket = surge.enqueue(this, triedServers);
        if (ticket == null) {
            endedBy(Termination.PROXY, Termination.PHASE_QUEUE);
            failBeforeResponse(503); // the queue is full
            return;
        }
        state = State.QUEUED;
        queueTicket = ticket;
        queueTimeout = client.loop.loop.schedule(this::queueTimedOut, surge.timeoutNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public EventLoop eventLoop() {
        return client.loop.loop;
    }

    @Override
    public void capacityMaybeFree() {
        SurgeQueue surge = cluster.surgeQueue();
        if (state != State.QUEUED || !surge.isFirst(queueTicket)) {
            return;
        }
        switch (tryLease()) {
            case LEASED:
                leaveQueue(); // after the lease took its capacity, so the next in line cannot take it first
                break;
            case SATURATED:
                surge.awaitSlots(triedServers);
                break;
            default:
                leaveQueue();
                endedBy(Termination.SERVER, Termination.PHASE_QUEUE);
                failBeforeResponse(503); // every server went out of service meanwhile
                break;
        }
    }

    private void queueTimedOut() {
        if (state == State.QUEUED) {
            leaveQueue();
            endedBy(Termination.SERVER_TIMEOUT, Termination.PHASE_QUEUE);
            failBeforeResponse(503);
        }
    }

    private void leaveQueue() {
        if (queueTicket != null) {
            cluster.surgeQueue().leave(queueTicket);
            queueTicket = null;
            queueTimeout.cancel(false);
            queueTimeout = null;
        }
    }

    // ---- retries ----

    /**
     * Tries the request on another server after a failure before any response byte, if the route's retries
     * and the cluster's retry budget allow; else answers {@code status}.
     */
    private void retryElsewhereOr(int status) {
        exhaustedStatus = status;
        if (retriesLeft == 0 || !takeRetry()) {
            failBeforeResponse(status);
            return;
        }
        retriesLeft--;
        leaseNextServer();
    }

    private boolean takeRetry() {
        if (retryTaken) {
            return true; // one exchange holds one retry of the budget however often it retries
        }
        retryTaken = cluster.retryLimiter().tryStartRetry();
        return retryTaken;
    }

    private void countInFlight(Server s) {
        uncountInFlight();
        inFlightOn = s;
        s.requestStarted();
    }

    private void uncountInFlight() {
        if (inFlightOn != null) {
            inFlightOn.requestEnded();
            inFlightOn = null;
        }
    }

    @Override
    public void leased(PooledConnection connection) {
        pendingLease = null;
        if (state != State.LEASING) {
            connection.release();
            return;
        }
        pooled = connection;
        onReusedConnection = connection.reused();
        serverSide = connection.attachment();
        serverSide.bind(this);
        server.countRequest();
        servedBy = server;
        if (record != null) {
            long waited = System.nanoTime() - waitStartNanos;
            long connecting = onReusedConnection ? 0 : Math.min(connection.connectNanos(), waited);
            record.connectNanos += connecting;
            record.queueNanos += waited - connecting;
            record.reused = onReusedConnection;
        }
        state = State.FORWARDING;
        if (replayHead != null) {
            // a retry: on a fresh connection after a stale pooled one, or on another server
            replay(connection.channel());
        } else {
            replayHostAt = requestHead.writerIndex();
            HeadWriter.finishRequest(requestHead, hostMissing ? hostOf(server) : null);
            recordReplay = method.idempotent && (connection.reused() && !retried || retriesLeft > 0);
            ByteBuf head = requestHead;
            requestHead = null;
            sendToServer(head);
        }
        if (requestSent()) {
            armResponseTimer();
            flushServer();
        } else {
            client.gate.resume(client.channel, ReadGate.AWAITING_SERVER | ReadGate.PEER_UNWRITABLE);
            client.process();
            flushServer();
        }
    }

    @Override
    public void leaseFailed(LeaseFailure failure, Throwable cause) {
        pendingLease = null;
        if (state != State.LEASING) {
            return;
        }
        uncountInFlight();
        if (record != null) {
            // the time went into a connect that failed, or into waiting for a connection
            long now = System.nanoTime();
            boolean connecting = failure == LeaseFailure.CONNECT_FAILED || failure == LeaseFailure.TIMEOUT;
            if (connecting) {
                record.connectNanos += now - waitStartNanos;
            } else {
                record.queueNanos += now - waitStartNanos;
            }
            waitStartNanos = now;
            record.ended(switch (failure) {
                case CLOSED -> Termination.KILLED;
                case QUEUE_FULL -> Termination.RESOURCE;
                case TIMEOUT -> Termination.SERVER_TIMEOUT;
                default -> Termination.SERVER;
            }, Termination.PHASE_CONNECT);
        }
        if (failure == LeaseFailure.CLOSED) {
            failBeforeResponse(503);
            return;
        }
        if (failure != LeaseFailure.QUEUE_FULL) {
            server.requestFailed(); // could not connect, or not in time
        }
        // nothing was sent: another server may do
        retryElsewhereOr(exhaustedStatus);
    }

    private static byte[] hostOf(Server server) {
        return server.config().address().toString().getBytes(StandardCharsets.US_ASCII);
    }

    // ---- response side ----

    void serverBytes(ByteBuf in) {
        if (state == State.DONE || state == State.LEASING) {
            in.release();
            return;
        }
        if (record != null && !responseBytesSeen && !reported) {
            record.firstByteNanos = System.nanoTime() - startNanos;
        }
        responseBytesSeen = true;
        dropReplay();
        armResponseTimer();
        append(in);
        while (state != State.DONE && responsePending != null) {
            if (responseBody == null) {
                if (!readResponseHead()) {
                    break;
                }
            } else {
                readResponseBody();
                break;
            }
        }
        if (responsePending != null && !responsePending.isReadable()) {
            releaseResponsePending();
        }
        if (state == State.RESPONDING && (out == null || !out.holding()) && !client.channel.isWritable()
                && client.channel.isActive()) {
            pauseServerForClient();
        }
    }

    private boolean readResponseHead() {
        ByteBuf buf = responsePending;
        int start = buf.readerIndex();
        int end = HeadScanner.findEnd(buf, responseScanFrom < 0 ? start : responseScanFrom);
        if (end == HeadScanner.INCOMPLETE) {
            if (buf.readableBytes() > MAX_RESPONSE_HEAD) {
                serverProtocolError();
            } else {
                responseScanFrom = HeadScanner.resumeFrom(buf, start);
            }
            return false;
        }
        responseScanFrom = -1;
        HeadParser p = client.loop.parser;
        if (end - start > MAX_RESPONSE_HEAD || p.parseResponse(buf, start, end, 1000) != HeadParser.OK) {
            serverProtocolError();
            return false;
        }
        if (p.status < 200) {
            if (p.status == 101) {
                if (upgrade && p.upgrade && state == State.FORWARDING && requestSent()) {
                    switchProtocols(buf, start, end);
                } else {
                    serverProtocolError(); // a switch nobody asked for (or the client is gone)
                }
                return false;
            }
            if (clientHttp11 && state != State.DRAINING && !waitingTurn) {
                toClient(HeadWriter.response(client.channel.alloc(), p, buf, start, end, false, false, false));
                client.flush();
            }
            buf.readerIndex(end);
            return true;
        }
        if (p.status >= 500) {
            server.requestFailed(); // passive health checking counts 5xx answers
        } else {
            server.requestSucceeded();
        }
        CachedResponse stored = null;
        if (fill != null && state != State.DRAINING) {
            stored = fill.responseHead(p.status, reason(buf, p),
                    CacheHeads.fields(p, buf), p.chunked || p.transferEncodingNotChunked ? -1 : p.contentLength);
            cacheStatus = fill.cacheStatus();
            if (stored != null && record != null) {
                record.cache = "revalidated";
            }
        }
        if (method == Method.HEAD || p.status == 204 || p.status == 304) {
            responseBody = BodyFramer.length(0);
        } else if (p.chunked) {
            responseBody = BodyFramer.chunked();
        } else if (p.contentLength >= 0 && !p.transferEncodingNotChunked) {
            responseBody = BodyFramer.length(p.contentLength);
        } else {
            responseBody = BodyFramer.untilClose();
        }
        serverKeepAlive = p.http11 ? !p.connectionClose : p.connectionKeepAlive;
        // a revalidated stored response: the client gets it (or its own 304) instead of the server's 304
        boolean notModified = stored != null && fill.request().notModified(stored);
        if (state != State.DRAINING) {
            status = stored == null ? p.status : notModified ? 304 : stored.status;
        }
        if (state == State.DRAINING && (responseBody.endsAtClose() || !serverKeepAlive)) {
            // the connection will not be reusable anyway: draining would only hold it
            releaseServer(CloseReason.CLIENT_ABORT, false);
            finish();
            return false;
        }
        dechunk = !clientHttp11 && responseBody.isChunked();
        // a response being stored is read at the server's speed, not its client's: requests waiting for this fetch
        // (request collapsing) must not be paced by one slow reader
        boolean storing = fill != null && fill.capturing();
        boolean hold = (route.buffering().bufferResponse() || waitingTurn || storing) && state != State.DRAINING;
        // keep-alive rescue: a body the server ends by closing gets a length (held) or chunks (streamed, 1.1)
        boolean rescuable = responseBody.endsAtClose() && !p.transferEncodingNotChunked;
        boolean lengthAtEnd = hold && (rescuable || dechunk);
        boolean rechunk = !hold && rescuable && clientHttp11;
        boolean bodyEndsAtClose = (responseBody.endsAtClose() || dechunk) && !lengthAtEnd && !rechunk;
        closeClient = !clientKeepAlive || bodyEndsAtClose || !requestSent() || client.isClosing()
                || client.listener.draining();
        buf.readerIndex(end);
        if (state != State.DRAINING) {
            ByteBuf head;
            if (stored != null) {
                long now = System.currentTimeMillis();
                head = CacheHeads.answer(client.channel.alloc(), stored, notModified, stored.ageSeconds(now),
                        cacheStatus.getBytes(StandardCharsets.ISO_8859_1), stored.ttlSeconds(now), closeClient,
                        !clientHttp11 && clientKeepAlive);
            } else {
                head = HeadWriter.response(client.channel.alloc(), p, buf, start, end, closeClient,
                        !clientHttp11 && clientKeepAlive, !clientHttp11);
                if (cacheStatus != null) {
                    CacheHeads.addCacheStatus(head, cacheStatus);
                }
            }
            if (hold || rechunk) {
                out = new ResponseOutput(client);
                if (hold) {
                    // a pipelined response held only for its turn stays in memory: past its share, its server waits
                    out.hold(new HeldBytes(client.loop.budget,
                            route.buffering().bufferResponse() || storing ? client.loop.spill : null));
                }
                if (rechunk || lengthAtEnd) {
                    head.writerIndex(head.writerIndex() - 2); // without its blank line: a field follows
                }
                out.head(head, rechunk, lengthAtEnd, closeClient);
            } else {
                toClient(head);
            }
            responseHeadSent = !hold; // a held response can still be replaced by an error of Sluice's
            state = State.RESPONDING;
            if (stored != null && CacheHeads.hasBody(stored, notModified, method == Method.HEAD)) {
                sendBody(Unpooled.wrappedBuffer(stored.body));
            }
        }
        if (responseBody.isDone()) {
            responseComplete();
            return false;
        }
        return true;
    }

    /**
     * The server agreed to switch protocols (101): the head goes to the client as the server wrote it, and the two
     * connections become a tunnel. The server connection leaves the pool for good: its slot of
     * {@code max_connections} is held until the tunnel ends.
     */
    private void switchProtocols(ByteBuf buf, int start, int end) {
        server.requestSucceeded();
        status = 101;
        endedBy(Termination.NONE, Termination.NONE);
        toClient(buf.retainedSlice(start, end - start));
        buf.readerIndex(end);
        ByteBuf toClient = responsePending;
        responsePending = null;
        responseScanFrom = -1;
        PooledConnection connection = pooled;
        ServerConnection side = serverSide;
        pooled = null;
        serverSide = null;
        side.timer.disarm();
        connection.channel().pipeline().remove(side);
        finish();
        client.upgraded(connection, toClient);
    }

    private void readResponseBody() {
        ByteBuf buf = responsePending;
        int from = buf.readerIndex();
        int to = buf.writerIndex();
        boolean draining = state == State.DRAINING;
        boolean capturingChunks = fill != null && fill.capturing() && responseBody.isChunked();
        int end = responseBody.scan(buf, from, to, (dechunk || capturingChunks) && !draining ? this : null);
        if (end == BodyFramer.MALFORMED) {
            serverProtocolError();
            return;
        }
        int stop = end < 0 ? to : end;
        if (draining) {
            drained += stop - from;
            if (drained > MAX_DRAIN_BYTES) {
                releaseServer(CloseReason.CLIENT_ABORT, false);
                finish();
                return;
            }
        } else if (!dechunk && stop > from) {
            if (fill != null && !responseBody.isChunked()) {
                fill.body(buf, from, stop - from);
            }
            if (stop == to) {
                // the rest of the buffer is body: the buffer itself goes to the client, not a slice of it
                responsePending = null;
                sendBody(buf);
                if (responseBody.isDone()) {
                    responseComplete();
                }
                return;
            }
            sendBody(buf.retainedSlice(from, stop - from));
        }
        buf.readerIndex(stop);
        if (responseBody.isDone()) {
            responseComplete();
        }
    }

    @Override
    public void payload(ByteBuf buf, int index, int length) {
        if (fill != null) {
            fill.body(buf, index, length);
        }
        if (dechunk) {
            sendBody(buf.retainedSlice(index, length));
        }
    }

    private void sendBody(ByteBuf piece) {
        if (out == null) {
            toClient(piece);
            return;
        }
        boolean room = out.body(piece);
        if (out.delivering()) {
            deliver(); // streaming through what is held: on to the client as it comes
        } else if (!room) {
            heldOverflow();
        }
    }

    /**
     * Held bytes are over their share of memory and could not spill: the client is fed now (the response
     * streams through what is held) and the server is read again only when the client has taken it all.
     */
    private void heldOverflow() {
        // the server waits: its bytes are not late, the client is busy (or it is not this response's turn)
        pauseServer();
        if (!waitingTurn) {
            startDelivery();
            deliver();
        }
    }

    /** The held response starts going to the client; from here an error can only cut the client off. */
    private void startDelivery() {
        if (!out.delivering()) {
            closeClient |= out.startDelivery();
            responseHeadSent = true;
        }
    }

    /**
     * Feeds the client what is held, while it takes it. While the server still sends, it is read only when the
     * client has taken everything: backpressure, as for a response written straight through.
     */
    private void deliver() {
        boolean empty = out.drain();
        if (state == State.DONE) {
            return; // the flush let the client take the rest, and a nested call finished the exchange
        }
        if (!empty) {
            client.timer.arm(client.listener.bodyIdleNanos); // the client must take it in time
            if (state != State.DELIVERING && serverSide != null) {
                pauseServer();
            }
            return;
        }
        client.timer.disarm();
        if (state == State.DELIVERING) {
            boolean requestDone = requestSent();
            finish();
            client.exchangeFinished(this, closeClient || !requestDone);
        } else if (serverSide != null) {
            armResponseTimer();
            serverSide.gate.resume(pooled.channel(), ReadGate.PEER_UNWRITABLE);
        }
    }

    private void responseComplete() {
        boolean leftover = responsePending != null && responsePending.isReadable();
        boolean requestDone = requestSent();
        boolean clean = requestDone && serverKeepAlive && !responseBody.endsAtClose() && !leftover;
        CloseReason reason = leftover ? CloseReason.UNEXPECTED_DATA
                : !requestDone ? CloseReason.EARLY_RESPONSE : CloseReason.SERVER_CLOSE;
        releaseServer(reason, clean);
        boolean draining = state == State.DRAINING;
        if (!draining) {
            endedBy(Termination.NONE, Termination.NONE); // a failure before a successful retry is not the end
            if (fill != null) {
                fill.complete();
            }
        }
        if (out != null && !draining) {
            out.end();
            if (out.holding()) {
                // the server is free; the client is fed at its own speed, once it is this response's turn
                state = State.DELIVERING;
                if (!waitingTurn) {
                    startDelivery();
                    deliver();
                }
                return;
            }
        }
        finish();
        if (!draining) {
            client.flush();
            client.exchangeFinished(this, closeClient || !requestDone);
        }
    }

    void flushClient() {
        if (state == State.RESPONDING || state == State.FORWARDING) {
            client.flush();
        }
    }

    /** Waiting for a server connection (leasing or queued): the client is not the one to time. */
    boolean awaitingServer() {
        return state == State.LEASING || state == State.QUEUED;
    }

    /** The client can take more response bytes: read the server again. */
    void clientWritable() {
        if (out != null && out.delivering()) {
            deliver();
            return;
        }
        if (serverSide != null && state == State.RESPONDING) {
            if (requestSent()) {
                client.timer.disarm();
            }
            armResponseTimer();
            serverSide.gate.resume(pooled.channel(), ReadGate.PEER_UNWRITABLE);
        }
    }

    private void pauseServerForClient() {
        pauseServer();
        // the server is not slow, the client is: time the client instead
        client.timer.arm(client.listener.bodyIdleNanos);
    }

    /** Stops reading the server until the client caught up; the server is not timed meanwhile. */
    private void pauseServer() {
        serverSide.gate.pause(pooled.channel(), ReadGate.PEER_UNWRITABLE);
        serverSide.timer.disarm();
    }

    // ---- failures ----

    /** The server connection closed or failed. */
    void serverFailed(CloseReason reason) {
        if (state == State.DONE) {
            return;
        }
        if (responseBody != null && responseBody.endsAtClose() && reason == CloseReason.SERVER_CLOSE) {
            // a close ends such a body; a reset or an error does not: that is a broken response
            serverKeepAlive = false;
            if (responsePending != null) {
                readResponseBody();
            }
            responseComplete();
            return;
        }
        boolean replayable = !responseBytesSeen && replayHead != null && state != State.DRAINING;
        if (replayable && onReusedConnection && !retried) {
            // a pooled connection the server closed while idle: normal keep-alive, not the server's fault
            retryOnFreshConnection();
            return;
        }
        if (state != State.DRAINING) {
            server.requestFailed();
            endedBy(Termination.SERVER);
        }
        releaseServer(reason, false);
        if (state == State.DRAINING) {
            finish();
        } else if (replayable) {
            uncountInFlight();
            state = State.LEASING;
            waitBegins();
            retryElsewhereOr(502);
        } else {
            fail(502);
        }
    }

    private void serverProtocolError() {
        serverFailed(CloseReason.ERROR);
    }

    void serverTimedOut() {
        if (state == State.DONE) {
            return;
        }
        if (state != State.DRAINING) {
            server.requestFailed();
            endedBy(Termination.SERVER_TIMEOUT);
        }
        releaseServer(state == State.DRAINING ? CloseReason.CLIENT_ABORT : CloseReason.RESPONSE_TIMEOUT, false);
        if (state == State.DRAINING) {
            finish();
        } else {
            fail(504);
        }
    }

    /** The client did not send (body idle) or did not read (response stalled) in time. */
    void clientTimedOut() {
        if (state == State.DONE) {
            return;
        }
        dropFill();
        endedBy(Termination.CLIENT_TIMEOUT);
        leaveQueue();
        if (pendingLease != null) {
            pendingLease.cancel();
            pendingLease = null;
        }
        releaseServer(CloseReason.CLIENT_ABORT, false);
        fail(408);
    }

    /**
     * The client connection closed, or (a pipelined request behind one that failed) is closing.
     *
     * @param by who ended it, for the access log: {@link Termination#CLIENT}, or {@link Termination#PROXY} when Sluice
     *           closes the connection because of an earlier exchange on it
     */
    void clientGone(char by) {
        endedBy(by);
        dropFill();
        switch (state) {
            case QUEUED:
                leaveQueue();
                finish();
                break;
            case LEASING:
                if (pendingLease != null) {
                    pendingLease.cancel();
                    pendingLease = null;
                }
                finish();
                break;
            case DELIVERING:
                finish();
                break;
            case FORWARDING:
            case RESPONDING:
                closeOutput(); // nobody to hold it for
                if (requestSent() && (responseBody == null || (!responseBody.endsAtClose() && serverKeepAlive))) {
                    state = State.DRAINING;
                    dropReplay(); // nobody would read the answer of a retry
                    retried = true;
                    serverSide.gate.clear(pooled.channel());
                    // armed once: reads while draining do not push this deadline back
                    serverSide.timer.arm(Math.min(DRAIN_TIMEOUT_NANOS, serverSide.responseTimeoutNanos));
                    report(); // over for the client: the drain is the pool's business, not this exchange's time
                } else {
                    releaseServer(CloseReason.CLIENT_ABORT, false);
                    finish();
                }
                break;
            default:
                break;
        }
    }

    private void retryOnFreshConnection() {
        retried = true;
        waitBegins();
        if (record != null) {
            record.retries++;
        }
        releaseServer(CloseReason.SERVER_CLOSE, false);
        state = State.LEASING;
        ServerPool pool = client.loop.pool(server, cluster);
        PendingLease lease = pool.lease(this, true, clientFor(pool));
        if (lease != null) {
            pendingLease = lease; // null: the callback already ran, and may have leased elsewhere since
        }
    }

    /** The client, for a pool whose connections belong to one client each; else {@code null}. */
    private ProxiedConnection clientFor(ServerPool pool) {
        return pool.perClient() ? client.endpoints() : null;
    }

    /** Ends a failed exchange: with {@code status} if the client has seen no response byte, else by cutting it off. */
    private void fail(int status) {
        if (responseHeadSent) {
            finish();
            client.closeAs(status == 408 ? ClientCloseReason.REQUEST_TIMEOUT
                    : status < 500 ? ClientCloseReason.PROTOCOL_ERROR : ClientCloseReason.SERVER_ERROR);
            client.abort();
        } else {
            failBeforeResponse(status);
        }
    }

    /** Ends the exchange with a status of Sluice's own, before any response byte reached the client. */
    private void failBeforeResponse(int status) {
        boolean wholeRequestRead = requestSent();
        this.status = status;
        if (waitingTurn) {
            holdLocalResponse(status, wholeRequestRead);
            return;
        }
        boolean close = !clientKeepAlive || !wholeRequestRead || client.isClosing();
        ByteBuf answer = LocalResponse.of(client.channel.alloc(), status, "", close, !clientHttp11 && clientKeepAlive,
                method == Method.HEAD);
        bytesOut += answer.readableBytes();
        finish();
        if (close) {
            client.closeAs(client.answerCloseReason(status, clientKeepAlive));
        }
        client.respondLocally(answer, close);
        client.exchangeFinished(this, !clientKeepAlive || !wholeRequestRead);
    }

    /** A pipelined request's own error answer waits for its turn like a server's response would. */
    private void holdLocalResponse(int status, boolean wholeRequestRead) {
        boolean close = !clientKeepAlive || !wholeRequestRead || client.isClosing();
        ResponseOutput local = new ResponseOutput(client);
        local.hold(new HeldBytes(client.loop.budget, null));
        local.head(LocalResponse.of(client.channel.alloc(), status, "", close, !clientHttp11 && clientKeepAlive,
                method == Method.HEAD), false,
                false, close);
        release(); // not finished: counted and logged once delivered
        out = local;
        closeClient = close;
        state = State.DELIVERING;
    }

    /** The client left or timed out: the waiters elect another fetch rather than each going to the server. */
    private void dropFill() {
        if (fill != null) {
            fill.clientLeft();
            fill = null;
        }
    }

    /** Gives the server connection back. Fields are cleared first: releasing may run other code (a close). */
    private void releaseServer(CloseReason reason, boolean clean) {
        PooledConnection connection = pooled;
        ServerConnection side = serverSide;
        if (connection == null) {
            return;
        }
        pooled = null;
        serverSide = null;
        serverNeedsFlush = false;
        side.unbind();
        if (clean) {
            connection.release();
        } else {
            connection.close(reason);
        }
    }

    /** Ends the exchange: gives back what it holds, then counts and logs it. */
    private void finish() {
        release();
        report();
    }

    /** Gives back everything the exchange holds, but the server connection (released before, or closed). */
    private void release() {
        state = State.DONE;
        if (fill != null) {
            fill.abandon(); // unless stored already
            fill = null;
        }
        closeOutput();
        leaveQueue();
        uncountInFlight();
        if (retryTaken) {
            retryTaken = false;
            cluster.retryLimiter().retryEnded();
        }
        releaseResponsePending();
        dropReplay();
        if (requestHead != null) {
            requestHead.release();
            requestHead = null;
        }
    }

    private void append(ByteBuf in) {
        ByteBuf before = responsePending;
        int beforeReader = before == null ? 0 : before.readerIndex();
        responsePending = Inbound.append(client.channel.alloc(), responsePending, in);
        responseScanFrom = Inbound.moveScan(responseScanFrom, before, beforeReader, responsePending);
    }

    private void releaseResponsePending() {
        if (responsePending != null) {
            responsePending.release();
            responsePending = null;
        }
        responseScanFrom = -1;
    }

    private void dropReplay() {
        recordReplay = false;
        if (replayHead != null) {
            replayHead.release();
            replayHead = null;
        }
        if (replayBody != null) {
            for (ByteBuf part : replayBody) {
                part.release();
            }
            replayBody = null;
        }
        replayBytes = 0;
    }

    /** Closes {@link #out}, keeping the count of what it wrote. */
    private void closeOutput() {
        if (out != null) {
            bytesOut += out.written();
            out.close();
            out = null;
        }
    }

    private void toClient(ByteBuf buf) {
        bytesOut += buf.readableBytes();
        client.write(buf);
    }

    /** The reason phrase of the response head the parser holds (its status text without the code). */
    private static String reason(ByteBuf buf, HeadParser p) {
        int start = Math.min(p.statusTextStart + 4, p.statusTextEnd); // "200 OK": after the code and its space
        return buf.toString(start, p.statusTextEnd - start, StandardCharsets.ISO_8859_1);
    }

    // ---- telemetry ----

    /** Starts timing a wait for a server connection (only for the access log). */
    private void waitBegins() {
        if (record != null) {
            waitStartNanos = System.nanoTime();
        }
    }

    /**
     * Sets the termination code, in the phase the exchange is in now; the last one set before the end counts. Once
     * reported, the record belongs to the log's writer and is not touched again.
     */
    private void endedBy(char by) {
        if (record != null && !reported) {
            record.ended(by, phase());
        }
    }

    private void endedBy(char by, char phase) {
        if (record != null && !reported) {
            record.ended(by, phase);
        }
    }

    private char phase() {
        switch (state) {
            case QUEUED:
                return Termination.PHASE_QUEUE;
            case LEASING:
                return started ? Termination.PHASE_CONNECT : Termination.PHASE_REQUEST;
            case FORWARDING:
                return requestSent() ? Termination.PHASE_HEADERS : Termination.PHASE_DATA;
            case RESPONDING:
            case DRAINING:
                return Termination.PHASE_DATA;
            case DELIVERING:
                return Termination.PHASE_LAST;
            default:
                return record.phase;
        }
    }

    /**
     * Counts the exchange (listener, route, server) and hands its record to the access log; once. Its duration runs
     * from the request's start to now.
     */
    private void report() {
        if (reported) {
            return;
        }
        reported = true;
        long total = System.nanoTime() - startNanos;
        client.listener.stats.exchangeEnded(status, bytesIn, bytesOut, total);
        route.stats().countRequest();
        if (servedBy != null) {
            servedBy.exchangeEnded(total);
        }
        if (record != null) {
            record.finish(total, status, bytesIn, bytesOut, cluster.name());
            record.server = server == null ? null : server.config().address();
            client.listener.accessLog.offer(record);
        }
    }
}
