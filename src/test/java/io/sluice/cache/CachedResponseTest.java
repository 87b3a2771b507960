package io.sluice.cache;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static io.sluice.cache.CacheTesting.T;
import static io.sluice.cache.CacheTesting.fields;
import static io.sluice.cache.CacheTesting.get;
import static io.sluice.cache.CacheTesting.httpDate;
import static io.sluice.cache.CacheTesting.stored;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A stored response on its own: what may be stored (RFC 9111 §3), its freshness lifetime (§4.2.1) and age (§4.2.3),
 * the fields kept and refreshed (§3.1, §4.3.4), and the variant it is (§4.1). Times are given, never read: T.
 */
class CachedResponseTest {
    private static final CacheRequest PLAIN = get("/");

    private static String refusal(int status, String... nameValues) {
        return CachedResponse.refusal(PLAIN, status, fields(nameValues));
    }

    @ParameterizedTest
    @ValueSource(ints = {100, 201, 206, 304, 400, 403, 500, 502, 503})
    void aStatusTheCacheDoesNotStoreIsRefused(int status) {
        assertThat(refusal(status, "Cache-Control", "max-age=60")).isEqualTo("status");
    }

    @ParameterizedTest
    @ValueSource(ints = {200, 203, 204, 301, 302, 307, 308, 404, 410, 501})
    void aStorableStatusWithFreshnessIsStored(int status) {
        assertThat(refusal(status, "Cache-Control", "max-age=60")).isNull();
    }

    @Test
    void noStoreInTheResponseOrTheRequestIsRefused() {
        assertThat(refusal(200, "Cache-Control", "max-age=60, no-store")).isEqualTo("no-store");
        assertThat(CachedResponse.refusal(get("/", "Cache-Control", "no-store"), 200,
                fields("Cache-Control", "max-age=60"))).isEqualTo("no-store");
    }

    @Test
    void aPrivateResponseIsRefusedEvenWithFieldNames() {
        assertThat(refusal(200, "Cache-Control", "private, max-age=60")).isEqualTo("private");
        assertThat(refusal(200, "Cache-Control", "private=\"X-User\", max-age=60")).isEqualTo("private");
    }

    @Test
    void aResponseToAnAuthorizedRequestIsStoredOnlyWhenItSaysASharedCacheMay() {
        CacheRequest authorized = get("/", "Authorization", "Bearer x");
        assertThat(CachedResponse.refusal(authorized, 200, fields("Cache-Control", "max-age=60")))
                .isEqualTo("authorization");
        for (String allowing : List.of("public, max-age=60", "s-maxage=60", "max-age=60, must-revalidate")) {
            assertThat(CachedResponse.refusal(authorized, 200, fields("Cache-Control", allowing)))
                    .as(allowing).isNull();
        }
    }

    @Test
    void varyStarIsRefusedWhereverItIsInTheList() {
        assertThat(refusal(200, "Cache-Control", "max-age=60", "Vary", "Accept-Encoding, *")).isEqualTo("vary");
        assertThat(refusal(200, "Cache-Control", "max-age=60", "Vary", "Accept", "Vary", "*")).isEqualTo("vary");
    }

    @Test
    void aResponseSettingACookieIsRefused() {
        assertThat(refusal(200, "Cache-Control", "public, max-age=60", "set-cookie", "s=1")).isEqualTo("set-cookie");
    }

    @Test
    void aResponseStaleAtOnceWithoutAValidatorIsRefused() {
        assertThat(refusal(200)).isEqualTo("stale");
        assertThat(refusal(200, "Cache-Control", "max-age=0")).isEqualTo("stale");
        assertThat(refusal(200, "Cache-Control", "no-cache, max-age=60")).isEqualTo("stale");
        assertThat(refusal(200, "Expires", "0")).isEqualTo("stale");
    }

    @Test
    void anExpiresInTheFutureGivesFreshness() {
        long now = System.currentTimeMillis();
        // an hour either way: far from the second the refusal reads the clock in
        assertThat(refusal(200, "Date", httpDate(now), "Expires", httpDate(now + 3_600_000))).isNull();
        assertThat(refusal(200, "Date", httpDate(now), "Expires", httpDate(now - 3_600_000))).isEqualTo("stale");
    }

    @Test
    void aResponseWithAValidatorIsStoredEvenWhenItMustAlwaysBeRevalidated() {
        assertThat(refusal(200, "Cache-Control", "no-cache", "ETag", "\"v1\"")).isNull();
        assertThat(refusal(200, "Last-Modified", "Sun, 06 Nov 1994 08:49:37 GMT")).isNull();
    }

    @Test
    void sMaxAgeComesBeforeMaxAgeWhichComesBeforeExpires() {
        String date = httpDate(T);
        String expires = httpDate(T + 300_000);
        assertThat(stored(PLAIN, "Cache-Control", "max-age=20, s-maxage=10", "Date", date, "Expires", expires)
                .freshnessLifetime).isEqualTo(10);
        assertThat(stored(PLAIN, "Cache-Control", "max-age=20", "Date", date, "Expires", expires)
                .freshnessLifetime).isEqualTo(20);
        assertThat(stored(PLAIN, "Date", date, "Expires", expires).freshnessLifetime).isEqualTo(300);
    }

    @Test
    void expiresCountsFromDateOrElseFromWhenTheResponseArrived() {
        assertThat(stored(PLAIN, "Date", httpDate(T - 100_000), "Expires", httpDate(T + 200_000))
                .freshnessLifetime).isEqualTo(300);
        assertThat(stored(PLAIN, "Expires", httpDate(T + 200_000)).freshnessLifetime).isEqualTo(200);
        assertThat(stored(PLAIN, "Date", httpDate(T), "Expires", httpDate(T - 5_000)).freshnessLifetime).isZero();
    }

    @Test
    void anInvalidExpiresOrMaxAgeMeansStale() {
        assertThat(stored(PLAIN, "Expires", "0", "ETag", "\"v\"").freshnessLifetime).isZero();
        // RFC 9111 §4.2.1: invalid freshness information is stale, even with an Expires that would give some
        assertThat(stored(PLAIN, "Cache-Control", "max-age=soon", "Expires", httpDate(T + 60_000), "ETag", "\"v\"")
                .freshnessLifetime).isZero();
    }

    @Test
    void ageIsTheAgeFieldPlusTheResponseDelayPlusTheTimeSinceItArrived() {
        CachedResponse r = CachedResponse.of(PLAIN, 200, "OK",
                fields("Cache-Control", "max-age=60", "Date", httpDate(T), "Age", "30"), new byte[0], T - 2_000, T);
        assertThat(r.ageSeconds(T)).isEqualTo(32);
        assertThat(r.ageSeconds(T + 10_999)).isEqualTo(42);
    }

    @Test
    void aDateInThePastGivesAnApparentAgeWhenLargerThanTheAgeField() {
        CachedResponse r = CachedResponse.of(PLAIN, 200, "OK",
                fields("Cache-Control", "max-age=600", "Date", httpDate(T - 100_000), "Age", "30"), new byte[0],
                T - 1_000, T);
        assertThat(r.ageSeconds(T)).isEqualTo(100);
    }

    @Test
    void aDateInTheFutureOrABadAgeFieldAddsNoAge() {
        CachedResponse r = CachedResponse.of(PLAIN, 200, "OK",
                fields("Cache-Control", "max-age=60", "Date", httpDate(T + 100_000), "Age", "x"), new byte[0], T, T);
        assertThat(r.ageSeconds(T)).isZero();
    }

    @Test
    void ttlIsLifetimeMinusAgeInWholeSeconds() {
        CachedResponse r = stored(PLAIN, "Cache-Control", "max-age=60", "Date", httpDate(T));
        assertThat(r.ttlSeconds(T)).isEqualTo(60);
        assertThat(r.ttlSeconds(T + 15_500)).isEqualTo(45);
        assertThat(r.ttlSeconds(T + 90_000)).isEqualTo(-30);
        assertThat(r.fresh(T + 59_999)).isTrue();
        assertThat(r.fresh(T + 60_000)).isFalse();
    }

    @Test
    void hopByHopAndFramingFieldsAreNotStored() {
        CachedResponse r = CachedResponse.of(PLAIN, 200, "OK", fields(
                "Connection", "keep-alive, X-Hop", "X-Hop", "1", "Keep-Alive", "timeout=5",
                "Transfer-Encoding", "chunked", "Content-Length", "4", "Age", "3", "Proxy-Connection", "close",
                "TE", "trailers", "Trailer", "X-Sum", "Upgrade", "h2c", "Proxy-Authenticate", "Basic",
                "Cache-Control", "max-age=60", "Content-Type", "text/plain", "X-Kept", "1"),
                new byte[4], T, T);
        assertThat(r.fields).extracting(Field::name).containsExactly("Cache-Control", "Content-Type", "X-Kept");
    }

    @Test
    void aNotModifiedReplacesTheFieldsItNamesAndKeepsTheOthers() {
        CachedResponse r = CachedResponse.of(PLAIN, 200, "OK", fields("Cache-Control", "max-age=10",
                "ETag", "\"v1\"", "Content-Type", "text/plain", "Link", "</a>", "Link", "</b>", "X-Version", "1"),
                CacheTesting.bytes("body"), T, T);
        CachedResponse refreshed = r.refreshed(fields("Date", httpDate(T + 60_000), "link", "</c>",
                "X-Version", "2", "Connection", "X-Hop", "X-Hop", "1"), T + 59_000, T + 60_000);
        assertThat(refreshed.fields).containsExactlyInAnyOrder(new Field("Cache-Control", "max-age=10"),
                new Field("ETag", "\"v1\""), new Field("Content-Type", "text/plain"),
                new Field("Date", httpDate(T + 60_000)), new Field("link", "</c>"), new Field("X-Version", "2"));
        assertThat(refreshed.body).isSameAs(r.body);
        assertThat(refreshed.status).isEqualTo(200);
    }

    @Test
    void aNotModifiedStartsTheAgeAnewWithTheFreshnessItGives() {
        CachedResponse r = stored(PLAIN, "Cache-Control", "max-age=10", "Date", httpDate(T), "ETag", "\"v1\"");
        assertThat(r.fresh(T + 60_000)).isFalse();
        CachedResponse refreshed = r.refreshed(fields("Cache-Control", "max-age=100",
                "Date", httpDate(T + 60_000)), T + 60_000, T + 60_000);
        assertThat(refreshed.freshnessLifetime).isEqualTo(100);
        assertThat(refreshed.ageSeconds(T + 60_000)).isZero();
        assertThat(refreshed.ttlSeconds(T + 70_000)).isEqualTo(90);
    }

    @Test
    void validatorsAreTheConditionsThatAskForTheStoredResponse() {
        assertThat(stored(PLAIN, "ETag", "W/\"v1\"", "Last-Modified", "Sun, 06 Nov 1994 08:49:37 GMT").validators())
                .isEqualTo("If-None-Match: W/\"v1\"\r\nIf-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n");
        assertThat(stored(PLAIN, "Last-Modified", "Sun, 06 Nov 1994 08:49:37 GMT").validators())
                .isEqualTo("If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n");
        assertThat(stored(PLAIN, "Cache-Control", "max-age=60").validators()).isEmpty();
    }

    @Test
    void aRequestSelectsTheVariantWhenTheVaryFieldsHaveTheSameValues() {
        CachedResponse r = stored(get("/", "Accept-Encoding", "gzip, br", "Accept-Language", "en"),
                "Cache-Control", "max-age=60", "Vary", "accept-encoding", "Vary", "Accept-Language");
        assertThat(r.matches(get("/", "ACCEPT-ENCODING", "gzip,br", "Accept-Language", "en"))).isTrue();
        // whitespace around commas is not a difference
        assertThat(r.matches(get("/", "Accept-Encoding", " gzip ,\t br ", "Accept-Language", "en"))).isTrue();
        assertThat(r.matches(get("/", "Accept-Encoding", "gzip", "Accept-Encoding", "br", "Accept-Language", "en")))
                .isTrue();
        assertThat(r.matches(get("/", "Accept-Encoding", "br, gzip", "Accept-Language", "en"))).isFalse();
        assertThat(r.matches(get("/", "Accept-Encoding", "gzip, br"))).isFalse();
    }

    @Test
    void aNotModifiedWithoutDateDatesTheResponseNowSoThatExpiresStillCounts() {
        CachedResponse r = stored(PLAIN, "Date", httpDate(T), "Expires", httpDate(T + 60_000), "ETag", "\"v1\"");
        CachedResponse refreshed = r.refreshed(fields("ETag", "\"v1\""), T + 120_000, T + 120_000);
        assertThat(refreshed.fields).contains(new Field("Date", httpDate(T + 120_000)))
                .doesNotContain(new Field("Date", httpDate(T)));
        assertThat(refreshed.fresh(T + 120_000)).isFalse();
    }

    @Test
    void aFieldSentEmptyIsNotAnAbsentOne() {
        CachedResponse r = stored(PLAIN, "Cache-Control", "max-age=60", "Vary", "Accept-Language");
        assertThat(r.matches(get("/", "Accept-Language", ""))).isFalse();
        CachedResponse empty = stored(get("/", "Accept-Language", ""), "Cache-Control", "max-age=60",
                "Vary", "Accept-Language");
        assertThat(empty.matches(get("/"))).isFalse();
        assertThat(empty.matches(get("/", "Accept-Language", ""))).isTrue();
    }

    @Test
    void aFieldAbsentWhenStoredMustBeAbsentToMatch() {
        CachedResponse r = stored(PLAIN, "Cache-Control", "max-age=60", "Vary", "Accept-Language");
        assertThat(r.matches(get("/"))).isTrue();
        assertThat(r.matches(get("/", "Accept-Language", "en"))).isFalse();
    }
}
