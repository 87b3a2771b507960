package io.sluice.cache;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Cache-Control parsing (RFC 9111 §5.2): the syntax a real field mixes, and the arguments that are not numbers. */
class CacheControlTest {

    @Test
    void directiveNamesAreCaseInsensitive() {
        CacheControl cc = CacheControl.parse("Max-Age=5, NO-STORE, Public, S-MaxAge=7, Must-Revalidate");
        assertThat(cc.maxAge).isEqualTo(5);
        assertThat(cc.sMaxAge).isEqualTo(7);
        assertThat(cc.noStore).isTrue();
        assertThat(cc.isPublic).isTrue();
        assertThat(cc.mustRevalidate).isTrue();
    }

    @Test
    void aCommaInsideAQuotedArgumentDoesNotEndTheDirective() {
        CacheControl cc = CacheControl.parse("private=\"a,b\", max-age=5");
        assertThat(cc.isPrivate).isTrue();
        assertThat(cc.maxAge).isEqualTo(5);
    }

    @Test
    void anEscapedQuoteDoesNotEndAQuotedArgument() {
        CacheControl cc = CacheControl.parse("no-cache=\"a\\\",b\", max-age=1");
        assertThat(cc.noCache).isTrue();
        assertThat(cc.maxAge).isEqualTo(1);
    }

    @Test
    void noCacheWithFieldNamesCountsAsNoCacheForTheWholeResponse() {
        CacheControl cc = CacheControl.parse("no-cache=\"Set-Cookie\", s-maxage=7");
        assertThat(cc.noCache).isTrue();
        assertThat(cc.sMaxAge).isEqualTo(7);
    }

    @ParameterizedTest
    @ValueSource(strings = {"max-age=abc", "max-age=", "max-age=-1", "max-age=1.5", "max-age=5s", "max-age",
            "max-age=\" 5\""})
    void anArgumentThatIsNotDeltaSecondsIsInvalid(String value) {
        assertThat(CacheControl.parse(value).maxAge).isEqualTo(CacheControl.INVALID);
    }

    @Test
    void aValueTooLargeToHoldIsCappedAtTheLargestDelta() {
        assertThat(CacheControl.parse("max-age=99999999999999999999999").maxAge).isEqualTo(CacheControl.MAX_DELTA);
        assertThat(CacheControl.parse("max-age=2147483647").maxAge).isEqualTo(2147483647L);
    }

    @Test
    void aRepeatedDirectiveCountsAsFirstWritten() {
        // RFC 9111 §4.2.1: the first occurrence (or stale); not a later, longer one
        assertThat(CacheControl.parse("max-age=5, max-age=100").maxAge).isEqualTo(5);
        assertThat(CacheControl.parse("s-maxage=1, s-maxage=600").sMaxAge).isEqualTo(1);
    }

    @Test
    void unknownDirectivesAreIgnored() {
        CacheControl cc = CacheControl.parse("foo, bar=\"baz, max-age=1\", stale-while-revalidate=30, max-age=3");
        assertThat(cc.maxAge).isEqualTo(3);
        assertThat(cc.noStore || cc.noCache || cc.isPrivate || cc.isPublic).isFalse();
    }

    @Test
    void whitespaceAndEmptyListElementsAroundDirectivesAreIgnored() {
        CacheControl cc = CacheControl.parse("  , max-age = 5 ,\tno-cache  ,, min-fresh=2\t");
        assertThat(cc.maxAge).isEqualTo(5);
        assertThat(cc.noCache).isTrue();
        assertThat(cc.minFresh).isEqualTo(2);
    }

    @Test
    void noFieldMeansNoDirective() {
        CacheControl cc = CacheControl.parse(null);
        assertThat(cc.maxAge).isEqualTo(CacheControl.ABSENT);
        assertThat(cc.sMaxAge).isEqualTo(CacheControl.ABSENT);
        assertThat(cc.minFresh).isEqualTo(CacheControl.ABSENT);
        assertThat(cc.noStore || cc.noCache || cc.onlyIfCached).isFalse();
    }
}
