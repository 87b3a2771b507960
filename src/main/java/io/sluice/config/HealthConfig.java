package io.sluice.config;

import java.time.Duration;

/**
 * Active health checks of a cluster's servers, run from one place for the whole process.
 *
 * @param type        {@code http} (a GET of {@code httpPath}, healthy when the status is in
 *                    {@code expectFrom..expectTo}) or {@code tcp} (healthy when a connection opens)
 * @param interval    time between two checks of a server (default 2s)
 * @param timeout     a check not answered in this long failed (default 1s)
 * @param rise        consecutive passed checks that bring a down server up (default 2)
 * @param fall        consecutive failed checks that take an up server down (default 3)
 */
public record HealthConfig(Type type, String httpPath, int expectFrom, int expectTo, Duration interval,
                           Duration timeout, int rise, int fall) {
    public enum Type { HTTP, TCP }

    public static final int DEFAULT_EXPECT_FROM = 200;
    public static final int DEFAULT_EXPECT_TO = 399;
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(2);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);
    public static final int DEFAULT_RISE = 2;
    public static final int DEFAULT_FALL = 3;
}
