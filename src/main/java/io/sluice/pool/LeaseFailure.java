package io.sluice.pool;

/** Why a lease did not produce a connection. */
public enum LeaseFailure {
    /** The connection opened for this lease could not be established. */
    CONNECT_FAILED,
    /** No connection became available before the lease's deadline. */
    TIMEOUT,
    /** Too many leases were already waiting. */
    QUEUE_FULL,
    /** The pool is closed (shutdown). */
    CLOSED
}
