package io.sluice.config;

/**
 * Caps retries so that they cannot multiply an outage: a retry is allowed while the retries in flight stay
 * below {@code ratio} of the cluster's requests in flight, or below {@code minRetries}, whichever is larger.
 *
 * @param ratio      fraction of live requests that may be retries (default 0.2)
 * @param minRetries retries always allowed at once, for quiet clusters (default 3)
 */
public record RetryBudget(double ratio, int minRetries) {
    public static final RetryBudget DEFAULTS = new RetryBudget(0.2, 3);
}
