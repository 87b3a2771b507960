package io.sluice.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Polling with a deadline: the only way tests wait for something that has no event to wait on. */
public final class Await {
    private Await() {
    }

    /** Polls {@code condition} every 5 ms until it holds; fails with {@code message} after {@code timeout}. */
    public static void until(BooleanSupplier condition, Duration timeout, Supplier<String> message) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(message.get() + " (after " + timeout.toMillis() + " ms)");
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting: " + message.get());
            }
        }
    }

    /**
     * Waits until nothing accepts connections at {@code address} any more: a connect is refused, or reset (it was
     * queued to a listening socket that then closed).
     */
    public static void refused(InetSocketAddress address) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (true) {
            try (Socket s = new Socket(address.getAddress(), address.getPort())) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("still accepting at " + address + " after 5 s");
                }
            } catch (SocketException refusedOrReset) {
                return;
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }
    }
}
