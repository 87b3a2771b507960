package io.sluice.cache;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/** HTTP dates (RFC 9110 §5.6.7) as seconds since the epoch. */
final class HttpDates {
    /** A date that is absent or does not parse. */
    static final long INVALID = Long.MIN_VALUE;
    private static final DateTimeFormatter IMF_FIXDATE = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'",
            Locale.ENGLISH);

    private HttpDates() {
    }

    /**
     * Seconds since the epoch of an IMF-fixdate ({@code Sun, 06 Nov 1994 08:49:37 GMT}), or {@link #INVALID}. The
     * obsolete RFC 850 and asctime forms are invalid here: Expires then means "already expired" (RFC 9111 §5.3), and
     * a Last-Modified or Date that does not parse is not used.
     */
    /** The IMF-fixdate of {@code epochMillis} (two-digit day, unlike RFC 1123's formatter). */
    static String format(long epochMillis) {
        return IMF_FIXDATE.format(Instant.ofEpochMilli(epochMillis).atZone(ZoneOffset.UTC));
    }

    static long parse(String text) {
        if (text == null) {
            return INVALID;
        }
        try {
            return ZonedDateTime.parse(text.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toEpochSecond();
        } catch (DateTimeParseException e) {
            return INVALID;
        }
    }
}
