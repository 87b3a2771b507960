package io.sluice.http;

import io.netty.buffer.ByteBuf;
import io.sluice.buffer.BufferBudget;
import io.sluice.config.RouteBuffering;

/**
 * A request body being gathered in the client's buffer before its exchange starts (route option
 * {@code buffer_request}), so that a slow upload never holds a server connection. The bytes count against the
 * memory budget; when it has no room the request streams instead (backpressure, never an unbounded wait).
 */
final class RequestBuffering {
    enum Outcome {
        /** More body to come: keep reading. */
        INCOMPLETE,
        /** All here: start. */
        COMPLETE,
        /** Over {@code max_request_buffer} or the budget, and the route streams overflow (or the budget is short). */
        STREAM,
        /** Over {@code max_request_buffer}, and the route rejects: 413. */
        TOO_LARGE,
        /** A malformed chunked body: 400. */
        MALFORMED
    }

    private final RouteBuffering config;
    private final BodyFramer framer;
    private final BufferBudget budget;
    /** Body bytes scanned so far, from the reader index of the client's buffer (which does not move meanwhile). */
    private long scanned;
    private long reserved;

    RequestBuffering(RouteBuffering config, BodyFramer framer, BufferBudget budget) {
        this.config = config;
        this.framer = framer;
        this.budget = budget;
        budget.join();
    }

    Outcome scan(ByteBuf pending) {
        int from = pending.readerIndex() + (int) scanned;
        int to = pending.writerIndex();
        int end = framer.scan(pending, from, to, null);
        if (end == BodyFramer.MALFORMED) {
            return Outcome.MALFORMED;
        }
        int stop = end < 0 ? to : end;
        scanned += stop - from;
        if (end >= 0) {
            return Outcome.COMPLETE;
        }
        if (scanned > config.maxRequestBuffer()) {
            return config.overflow() == RouteBuffering.Overflow.STREAM ? Outcome.STREAM : Outcome.TOO_LARGE;
        }
        int more = (int) (scanned - reserved);
        if (more > 0) {
            if (!budget.tryReserve(reserved, more)) {
                return Outcome.STREAM; // no memory to hold it: it flows with backpressure instead
            }
            reserved += more;
        }
        return Outcome.INCOMPLETE;
    }

    /** Gives back the memory reserved; the body then flows to the server. */
    void close() {
        budget.release(reserved);
        reserved = 0;
        budget.leave();
    }
}
