package io.sluice.http;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * One re-armable timeout per connection. Arming only moves a deadline; the scheduled task, when it runs early,
 * re-schedules itself for the remaining time. So a keep-alive connection serving many requests schedules about
 * one task per timeout period instead of scheduling and cancelling one per request.
 */
final class ConnectionTimer implements Runnable {
    private final EventLoop loop;
    private final Runnable onExpiry;
    /** 0 when disarmed. */
    private long deadline;
    private ScheduledFuture<?> task;
    private long taskDeadline;

    ConnectionTimer(EventLoop loop, Runnable onExpiry) {
        this.loop = loop;
        this.onExpiry = onExpiry;
    }

    void arm(long delayNanos) {
        deadline = System.nanoTime() + delayNanos;
        if (task == null || taskDeadline - deadline > 0) {
            if (task != null) {
                task.cancel(false);
            }
            schedule(deadline, delayNanos);
        }
    }

    void disarm() {
        deadline = 0;
    }

    /** Disarms and drops the scheduled task (the connection is closing). */
    void cancel() {
        deadline = 0;
        if (task != null) {
            task.cancel(false);
            task = null;
        }
    }

    @Override
    public void run() {
        task = null;
        if (deadline == 0) {
            return;
        }
        long remaining = deadline - System.nanoTime();
        if (remaining > 0) {
            schedule(deadline, remaining);
            return;
        }
        deadline = 0;
        onExpiry.run();
    }

    private void schedule(long at, long delayNanos) {
        taskDeadline = at;
        task = loop.schedule(this, delayNanos, TimeUnit.NANOSECONDS);
    }
}
