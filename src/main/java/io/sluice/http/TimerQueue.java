package io.sluice.http;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * The armed timers of one event loop that share one duration. Since every timer here was armed for the same
 * duration, appending keeps the queue in deadline order: arming and disarming are O(1) list operations, and one
 * scheduled task, for the earliest deadline, serves them all. So an idle connection holds no scheduled task of
 * its own, and re-arming per request allocates nothing.
 */
final class TimerQueue implements Runnable {
    final long durationNanos;
    private final EventLoop loop;
    private ConnectionTimer head;
    private ConnectionTimer tail;
    private ScheduledFuture<?> task;

    TimerQueue(EventLoop loop, long durationNanos) {
        this.loop = loop;
        this.durationNanos = durationNanos;
    }

    void add(ConnectionTimer timer, long now) {
        timer.deadline = now + durationNanos;
        timer.queue = this;
        timer.prev = tail;
        timer.next = null;
        if (tail == null) {
            head = timer;
        } else {
            tail.next = timer;
        }
        tail = timer;
        if (task == null) {
            // the head, not this timer: an expiry running now may arm timers while earlier ones are still queued
            schedule(head.deadline - now);
        }
    }

    void remove(ConnectionTimer timer) {
        if (timer.prev == null) {
            head = timer.next;
        } else {
            timer.prev.next = timer.next;
        }
        if (timer.next == null) {
            tail = timer.prev;
        } else {
            timer.next.prev = timer.prev;
        }
        timer.prev = null;
        timer.next = null;
        timer.queue = null;
    }

    @Override
    public void run() {
        task = null;
        long now = System.nanoTime();
        ConnectionTimer timer;
        while ((timer = head) != null && timer.deadline - now <= 0) {
            remove(timer);
            timer.expired();
        }
        if (head != null && task == null) {
            schedule(head.deadline - now);
        }
    }

    private void schedule(long delayNanos) {
        task = loop.schedule(this, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
    }
}
