package io.sluice.health;

/**
 * What the health checker knows about one server, for /stats. Fields are read one by one while the checker may be
 * updating them, so a snapshot can mix two moments; each value is exact on its own.
 *
 * @param checkPasses    active checks passed in a row (the count {@code rise} is compared to)
 * @param checkFailures  active checks failed in a row (the count {@code fall} is compared to)
 * @param checks         checks run, active and post-ejection probes
 * @param checksFailed   of those, failed
 * @param lastCheck      {@code "passed: status 200"}, {@code "failed: connection refused"}, ...; {@code null}
 *                       before the first check
 * @param ejections      times passive checking ejected the server (a failed probe's re-ejection counts too)
 * @param ejectionMillis length of the ejection in progress; 0 when the server is not ejected
 */
public record HealthStatus(int checkPasses, int checkFailures, long checks, long checksFailed, String lastCheck,
                           long ejections, long ejectionMillis) {
    /** A server the checker does not know. */
    public static final HealthStatus NONE = new HealthStatus(0, 0, 0, 0, null, 0, 0);
}
