package io.sluice.http;

/**
 * One re-armable timeout per connection. It sits in its loop's {@link TimerQueue} for the armed duration, so
 * arming, re-arming and disarming are list operations and schedule nothing per connection.
 */
final class ConnectionTimer {
    private final ProxyLoop loop;
    private final Runnable onExpiry;
    // owned by the TimerQueue the timer is in
    TimerQueue queue;
    ConnectionTimer prev;
    ConnectionTimer next;
    long deadline;

    ConnectionTimer(ProxyLoop loop, Runnable onExpiry) {
        this.loop = loop;
        this.onExpiry = onExpiry;
    }

    /** (Re)starts the timeout: it expires {@code delayNanos} from now unless armed again or disarmed first. */
    void arm(long delayNanos) {
        if (queue != null) {
            queue.remove(this);
        }
        loop.timerQueue(delayNanos).add(this, System.nanoTime());
    }

    void disarm() {
        if (queue != null) {
            queue.remove(this);
        }
    }

    void expired() {
        onExpiry.run();
    }
}
