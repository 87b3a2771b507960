package io.sluice.cache;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Weak comparison of entity tags (RFC 9110 §8.8.3.2), as If-None-Match uses it. */
class EntityTagsTest {

    @Test
    void weaknessIsIgnoredOnEitherSide() {
        assertThat(EntityTags.matchesWeakly("\"v1\"", "\"v1\"")).isTrue();
        assertThat(EntityTags.matchesWeakly("W/\"v1\"", "\"v1\"")).isTrue();
        assertThat(EntityTags.matchesWeakly("\"v1\"", "W/\"v1\"")).isTrue();
        assertThat(EntityTags.matchesWeakly("W/\"v1\"", "W/\"v1\"")).isTrue();
    }

    @Test
    void anyTagOfAListMatches() {
        assertThat(EntityTags.matchesWeakly("\"a\", W/\"b\",\"c\"", "\"b\"")).isTrue();
        assertThat(EntityTags.matchesWeakly("\"a\" ,\t\"c\"", "\"c\"")).isTrue();
        assertThat(EntityTags.matchesWeakly("\"a\", , \"c\"", "\"b\"")).isFalse();
    }

    @Test
    void theOpaqueTagMustBeEqualQuotesIncluded() {
        assertThat(EntityTags.matchesWeakly("\"V1\"", "\"v1\"")).isFalse();
        assertThat(EntityTags.matchesWeakly("\"v1\"", "\"v10\"")).isFalse();
        assertThat(EntityTags.matchesWeakly("w/\"v1\"", "\"v1\"")).isFalse(); // W/ is case-sensitive
    }

    @Test
    void aCommaInsideATagIsPartOfIt() {
        assertThat(EntityTags.matchesWeakly("\"a,b\"", "\"a,b\"")).isTrue();
        assertThat(EntityTags.matchesWeakly("\"x\", W/\"a,b\"", "\"a,b\"")).isTrue();
        assertThat(EntityTags.matchesWeakly("\"a,b\"", "\"a\"")).isFalse();
    }

    @Test
    void aStarMatchesAnyTag() {
        assertThat(EntityTags.matchesWeakly("*", "W/\"anything\"")).isTrue();
        assertThat(EntityTags.matchesWeakly("\"x\", *", "\"y\"")).isTrue();
    }
}
