package io.sluice.http;

/**
 * One re-armable timeout per connection. It sits in its loop's {@link TimerQueue} for the armed duration, so
 * arming, re-arming and disarming are list operations and schedule nothing per connection.
 */
final class ConnectionTimer {
    /** What a timer tells when it expires (the connection itself, so no callback object is kept per connection). */
    interface Owner {
        void timedOut();
    }

    private final ProxyLoop loop;
    private final Owner owner;
    // owned by the TimerQueue the timer is in
    TimerQueue queue;
    ConnectionTimer prev;
    ConnectionTimer next;
    long deadline;

    ConnectionTimer(ProxyLoop loop, Owner owner) {
        this.loop = loop;
        this.owner = owner;
    }

    /**
     * (Re)starts the timeout: it expires {@code delayNanos} from now unless armed again or disarmed first.
     *
     * @return now ({@link System#nanoTime()}), for a caller that wants the time without reading the clock again
     */
    long arm(long delayNanos) {
        if (queue != null) {
            queue.remove(this);
        }
        long now = System.nanoTime();
        loop.timerQueue(delayNanos).add(this, now);
        return now;
    }

    void disarm() {
        if (queue != null) {
            queue.remove(this);
        }
    }

    void expired() {
        owner.timedOut();
    }
}
