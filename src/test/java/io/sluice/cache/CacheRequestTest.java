package io.sluice.cache;

import org.junit.jupiter.api.Test;

import static io.sluice.cache.CacheTesting.T;
import static io.sluice.cache.CacheTesting.get;
import static io.sluice.cache.CacheTesting.httpDate;
import static io.sluice.cache.CacheTesting.stored;
import static org.assertj.core.api.Assertions.assertThat;

/** A request's say in what the cache answers: its Cache-Control and Pragma, Range, and its own conditions. */
class CacheRequestTest {
    private static final String LAST_MODIFIED = "Sun, 06 Nov 1994 08:49:37 GMT";

    /** Fresh for 60 s from T, with both validators. */
    private static CachedResponse sixtySeconds() {
        return stored(get("/"), "Cache-Control", "max-age=60", "Date", httpDate(T), "ETag", "\"v1\"",
                "Last-Modified", LAST_MODIFIED);
    }

    @Test
    void theKeyIsOnePerUrlWithTheHostInAnyCase() {
        assertThat(CacheRequest.key("Example.ORG", "/a?b=C")).isEqualTo(CacheRequest.key("example.org", "/a?b=C"));
        assertThat(CacheRequest.key("example.org", "/A")).isNotEqualTo(CacheRequest.key("example.org", "/a"));
        assertThat(CacheRequest.key("a.example", "/")).isNotEqualTo(CacheRequest.key("b.example", "/"));
    }

    @Test
    void noCacheOrMaxAgeZeroRequiresValidation() {
        assertThat(get("/", "Cache-Control", "no-cache").requiresValidation()).isTrue();
        assertThat(get("/", "cache-control", "MAX-AGE=0").requiresValidation()).isTrue();
        assertThat(get("/", "Cache-Control", "max-age=5").requiresValidation()).isFalse();
        assertThat(get("/").requiresValidation()).isFalse();
    }

    @Test
    void pragmaNoCacheCountsOnlyWithoutCacheControl() {
        assertThat(get("/", "Pragma", "no-cache").requiresValidation()).isTrue();
        assertThat(get("/", "Pragma", "No-Cache").requiresValidation()).isTrue();
        assertThat(get("/", "Pragma", "no-cache", "Cache-Control", "max-age=60").requiresValidation()).isFalse();
    }

    @Test
    void aFreshResponseIsAcceptedWhileNotOlderThanTheClientsMaxAge() {
        CachedResponse r = sixtySeconds();
        assertThat(get("/").accepts(r, T + 59_000)).isTrue();
        assertThat(get("/").accepts(r, T + 60_000)).isFalse();
        CacheRequest maxAge30 = get("/", "Cache-Control", "max-age=30");
        assertThat(maxAge30.accepts(r, T + 30_999)).isTrue();
        assertThat(maxAge30.accepts(r, T + 31_000)).isFalse();
        // not a number: as if absent
        assertThat(get("/", "Cache-Control", "max-age=x").accepts(r, T + 59_000)).isTrue();
    }

    @Test
    void minFreshAsksForThatManySecondsOfFreshnessLeft() {
        CachedResponse r = sixtySeconds();
        CacheRequest minFresh30 = get("/", "Cache-Control", "min-fresh=30");
        assertThat(minFresh30.accepts(r, T + 30_000)).isTrue();
        assertThat(minFresh30.accepts(r, T + 31_000)).isFalse();
    }

    @Test
    void aResponseThatMustBeRevalidatedIsNeverAccepted() {
        CachedResponse r = stored(get("/"), "Cache-Control", "no-cache, max-age=60", "ETag", "\"v1\"");
        assertThat(get("/").accepts(r, T)).isFalse();
        assertThat(get("/", "Cache-Control", "no-cache").accepts(sixtySeconds(), T)).isFalse();
    }

    @Test
    void ifNoneMatchComparesEntityTagsWeakly() {
        CachedResponse r = sixtySeconds();
        assertThat(get("/", "If-None-Match", "W/\"v1\"").notModified(r)).isTrue();
        assertThat(get("/", "If-None-Match", "\"v0\", \"v1\"").notModified(r)).isTrue();
        assertThat(get("/", "If-None-Match", "\"v0\"").notModified(r)).isFalse();
        assertThat(get("/", "If-None-Match", "*").notModified(stored(get("/"), "Cache-Control", "max-age=60")))
                .isFalse(); // nothing to compare with: no ETag
    }

    @Test
    void ifModifiedSinceHoldsWhenNotModifiedAfterIt() {
        CachedResponse r = sixtySeconds();
        assertThat(get("/", "If-Modified-Since", LAST_MODIFIED).notModified(r)).isTrue();
        assertThat(get("/", "If-Modified-Since", "Mon, 07 Nov 1994 08:49:37 GMT").notModified(r)).isTrue();
        assertThat(get("/", "If-Modified-Since", "Sat, 05 Nov 1994 08:49:37 GMT").notModified(r)).isFalse();
        assertThat(get("/", "If-Modified-Since", "yesterday").notModified(r)).isFalse();
    }

    @Test
    void withoutLastModifiedIfModifiedSinceComparesWithDate() {
        CachedResponse r = stored(get("/"), "Cache-Control", "max-age=60", "Date", LAST_MODIFIED);
        assertThat(get("/", "If-Modified-Since", LAST_MODIFIED).notModified(r)).isTrue();
        assertThat(get("/", "If-Modified-Since", "Sat, 05 Nov 1994 08:49:37 GMT").notModified(r)).isFalse();
    }

    @Test
    void ifNoneMatchOverridesIfModifiedSince() {
        // RFC 9110 §13.1.3: If-Modified-Since is ignored when If-None-Match is present
        assertThat(get("/", "If-None-Match", "\"v0\"", "If-Modified-Since", LAST_MODIFIED).notModified(sixtySeconds()))
                .isFalse();
    }

    @Test
    void aRangeRequestBypassesTheCache() {
        assertThat(get("/", "Range", "bytes=0-9").bypass()).isEqualTo("bypass");
        assertThat(get("/").bypass()).isNull();
    }
}
