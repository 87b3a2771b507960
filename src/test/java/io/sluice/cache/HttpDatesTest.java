package io.sluice.cache;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** HTTP dates: only IMF-fixdate is taken; anything else is INVALID, which makes an Expires mean "expired". */
class HttpDatesTest {

    @Test
    void anImfFixdateIsSecondsSinceTheEpoch() {
        assertThat(HttpDates.parse("Sun, 06 Nov 1994 08:49:37 GMT")).isEqualTo(784_111_777L);
        assertThat(HttpDates.parse(" Sun, 06 Nov 1994 08:49:37 GMT ")).isEqualTo(784_111_777L);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "0", "-1", "tomorrow", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994",
            "Sun, 06 Nov 1994 25:49:37 GMT"})
    void anythingElseIsInvalid(String text) {
        assertThat(HttpDates.parse(text)).isEqualTo(HttpDates.INVALID);
    }

    @Test
    void noDateIsInvalid() {
        assertThat(HttpDates.parse(null)).isEqualTo(HttpDates.INVALID);
    }
}
