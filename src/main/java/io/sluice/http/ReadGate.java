package io.sluice.http;

import io.netty.channel.Channel;

/**
 * Reasons to stop reading a channel, stacked: reading resumes only when every reason is gone (auto-read stays on
 * otherwise, so no epoll_ctl call is made per request).
 */
final class ReadGate {
    /** The channel we forward this one's bytes to is above its high write watermark. */
    static final int PEER_UNWRITABLE = 1;
    /** A request is waiting for a server connection; its bytes stay in the client's buffer meanwhile. */
    static final int AWAITING_SERVER = 2;
    /** Pipelined bytes are held until the current exchange finishes. */
    static final int PIPELINE_FULL = 4;
    /** This channel's own output is above its high watermark: answering more requests would queue without bound. */
    static final int OWN_OUTPUT_FULL = 8;

    private int reasons;

    void pause(Channel channel, int reason) {
        if (reasons == 0) {
            channel.config().setAutoRead(false);
        }
        reasons |= reason;
    }

    void resume(Channel channel, int reason) {
        if ((reasons & reason) == 0) {
            return;
        }
        reasons &= ~reason;
        if (reasons == 0) {
            channel.config().setAutoRead(true);
        }
    }

    boolean paused() {
        return reasons != 0;
    }

    /** Drops every reason (a server connection going back to the pool must be read, to notice it closing). */
    void clear(Channel channel) {
        if (reasons != 0) {
            reasons = 0;
            channel.config().setAutoRead(true);
        }
    }
}
