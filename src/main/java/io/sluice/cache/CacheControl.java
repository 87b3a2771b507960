package io.sluice.cache;

import java.util.Locale;

/**
 * The directives of a Cache-Control field (RFC 9111 §5.2), request or response. Directive names are
 * case-insensitive; an argument may be a token or a quoted string. Unknown directives are ignored (§5.2.3).
 */
final class CacheControl {
    /** Seconds, for a delta-seconds value too large to hold (RFC 9111 §1.2.2). */
    static final long MAX_DELTA = 2_147_483_648L;
    /** A directive that is absent, or whose argument is not delta-seconds. */
    static final long ABSENT = -1;
    /** A response's max-age or s-maxage with a bad argument: the response is stale (RFC 9111 §4.2.1). */
    static final long INVALID = -2;

    static final CacheControl NONE = new CacheControl();

    boolean noStore;
    boolean noCache;
    boolean isPrivate;
    boolean isPublic;
    boolean mustRevalidate;
    boolean proxyRevalidate;
    boolean onlyIfCached;
    long maxAge = ABSENT;
    long sMaxAge = ABSENT;
    long minFresh = ABSENT;

    private CacheControl() {
    }

    /** The directives of {@code value} (every Cache-Control field joined), or {@link #NONE} for {@code null}. */
    static CacheControl parse(String value) {
        if (value == null) {
            return NONE;
        }
        CacheControl cc = new CacheControl();
        int i = 0;
        int n = value.length();
        while (i < n) {
            while (i < n && (value.charAt(i) == ',' || value.charAt(i) == ' ' || value.charAt(i) == '\t')) {
                i++;
            }
            int nameStart = i;
            while (i < n && value.charAt(i) != '=' && value.charAt(i) != ',') {
                i++;
            }
            String name = value.substring(nameStart, i).trim().toLowerCase(Locale.ROOT);
            String argument = null;
            if (i < n && value.charAt(i) == '=') {
                i++;
                if (i < n && value.charAt(i) == '"') {
                    StringBuilder quoted = new StringBuilder();
                    i++;
                    while (i < n && value.charAt(i) != '"') {
                        if (value.charAt(i) == '\\' && i + 1 < n) {
                            i++;
                        }
                        quoted.append(value.charAt(i++));
                    }
                    i++; // the closing quote
                    argument = quoted.toString();
                    while (i < n && value.charAt(i) != ',') {
                        i++;
                    }
                } else {
                    int argStart = i;
                    while (i < n && value.charAt(i) != ',') {
                        i++;
                    }
                    argument = value.substring(argStart, i).trim();
                }
            }
            if (!name.isEmpty()) {
                cc.apply(name, argument);
            }
        }
        return cc;
    }

    private void apply(String name, String argument) {
        switch (name) {
            case "no-store" -> noStore = true;
            // with field names (no-cache="Set-Cookie"), the whole response is revalidated: allowed, and simpler
            case "no-cache" -> noCache = true;
            // private="field" likewise: a shared cache does not store it at all
            case "private" -> isPrivate = true;
            case "public" -> isPublic = true;
            case "must-revalidate" -> mustRevalidate = true;
            case "proxy-revalidate" -> proxyRevalidate = true;
            case "only-if-cached" -> onlyIfCached = true;
            // repeated: the first counts (RFC 9111 §4.2.1)
            case "max-age" -> maxAge = maxAge == ABSENT ? deltaSeconds(argument) : maxAge;
            case "s-maxage" -> sMaxAge = sMaxAge == ABSENT ? deltaSeconds(argument) : sMaxAge;
            case "min-fresh" -> minFresh = minFresh == ABSENT ? deltaSeconds(argument) : minFresh;
            default -> {
            }
        }
    }

    /** delta-seconds (RFC 9111 §1.2.2): digits, capped at {@link #MAX_DELTA}; {@link #INVALID} otherwise. */
    static long deltaSeconds(String argument) {
        if (argument == null || argument.isEmpty()) {
            return INVALID;
        }
        long value = 0;
        for (int i = 0; i < argument.length(); i++) {
            char c = argument.charAt(i);
            if (c < '0' || c > '9') {
                return INVALID;
            }
            value = Math.min(MAX_DELTA, value * 10 + (c - '0'));
        }
        return value;
    }
}
