package io.sluice.pool;

/** Receives the outcome of {@link ServerPool#lease}: exactly one of the two methods is called, on the pool's loop. */
public interface LeaseCallback {
    void leased(PooledConnection connection);

    void leaseFailed(LeaseFailure failure, Throwable cause);
}
