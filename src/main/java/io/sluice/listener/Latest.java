package io.sluice.listener;

/**
 * Where every generation of a listener (an HTTP or TCP listener's configuration, replaced by each reload) finds the
 * current one. Shared by the generations rather than chained from one to the next, and the only thing the listening
 * socket's initializer holds: a generation no connection uses any more is let go, with the clusters it named.
 *
 * @param <T> the listener's generation
 */
public final class Latest<T> {
    private volatile T current;

    public Latest(T first) {
        current = first;
    }

    public T current() {
        return current;
    }

    /** Makes {@code next} current; connections take it up as they start (or at their next request). */
    public void replaceWith(T next) {
        current = next;
    }
}
