package io.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Durations, sizes, addresses and HTTP syntax on their own, for the edge cases that are noise in whole-file tests. */
class ValueParsersTest {

    @Test
    void durations() {
        assertThat(Durations.parse("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(Durations.parse("5s")).isEqualTo(Duration.ofSeconds(5));
        assertThat(Durations.parse("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(Durations.parse("24h")).isEqualTo(Duration.ofHours(24));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "5", "5 s", "5S", "1.5s", "-1s", "5sec", "s", "1d", "99999999999999s"})
    void badDurations(String text) {
        assertThatThrownBy(() -> Durations.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("bad duration \"" + text + "\" (expected e.g. 250ms, 5s, 2m)");
    }

    @Test
    void durationsThatMayBeZero() {
        assertThat(Durations.parseOrZero("0")).isZero();
        assertThat(Durations.parseOrZero("0s")).isZero();
        assertThat(Durations.parseOrZero("000ms")).isZero();
        assertThat(Durations.parseOrZero("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThatThrownBy(() -> Durations.parseOrZero("00"))
                .hasMessage("bad duration \"00\" (expected e.g. 250ms, 5s, 2m)");
        assertThatThrownBy(() -> Durations.parseOrZero("-0s"))
                .hasMessage("bad duration \"-0s\" (expected e.g. 250ms, 5s, 2m)");
        assertThatThrownBy(() -> Durations.parseOrZero("25h")).hasMessage("bad duration \"25h\" (must be at most 24h)");
    }

    @Test
    void durationFormat() {
        assertThat(Durations.format(Duration.ZERO)).isEqualTo("0s");
        assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
        assertThat(Durations.format(Duration.ofSeconds(90))).isEqualTo("90s");
        assertThat(Durations.format(Duration.ofMinutes(5))).isEqualTo("5m");
        assertThat(Durations.format(Duration.ofHours(24))).isEqualTo("24h");
    }

    @Test
    void sizes() {
        assertThat(Sizes.parse("512")).isEqualTo(512);
        assertThat(Sizes.parse("512B")).isEqualTo(512);
        assertThat(Sizes.parse("64KiB")).isEqualTo(64 * 1024);
        assertThat(Sizes.parse("1MiB")).isEqualTo(1024 * 1024);
        assertThat(Sizes.parse("2GiB")).isEqualTo(2L * 1024 * 1024 * 1024);
        assertThat(Sizes.parse("64GiB")).isEqualTo(64L * 1024 * 1024 * 1024);
        assertThat(Sizes.parse("1TiB")).isEqualTo(1024L * 1024 * 1024 * 1024);
        assertThat(Sizes.parse("3000GiB")).isEqualTo(3000L * 1024 * 1024 * 1024);
        assertThat(Sizes.format(1024 * 1024)).isEqualTo("1MiB");
        assertThat(Sizes.format(0)).isEqualTo("0B");
        assertThat(Sizes.format(64L << 30)).isEqualTo("64GiB");
        assertThat(Sizes.format(1L << 40)).isEqualTo("1TiB");
        assertThat(Sizes.format(3L << 39)).as("1.5TiB").isEqualTo("1536GiB");
        assertThat(Sizes.format(1536)).isEqualTo("1536B");
        assertThatThrownBy(() -> Sizes.parse("999999999999GiB")).hasMessage("bad size \"999999999999GiB\" (too large)");
        assertThatThrownBy(() -> Sizes.parse("8388608TiB")).as("2^63")
                .hasMessage("bad size \"8388608TiB\" (too large)");
        assertThat(Sizes.parse("8388607TiB")).isEqualTo(8388607L << 40);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "8KB", "8k", "1.5MiB", "-1", "KiB", "8 KiB", "1TB", "1tib", "1PiB"})
    void badSizes(String text) {
        assertThatThrownBy(() -> Sizes.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("bad size \"" + text + "\" (expected e.g. 512, 64KiB, 1MiB)");
    }

    @Test
    void addresses() {
        assertThat(Addresses.parse("127.0.0.1:8080")).isEqualTo(new HostPort("127.0.0.1", 8080));
        assertThat(Addresses.parse("[::1]:0")).isEqualTo(new HostPort("::1", 0));
        assertThat(Addresses.parse("[2001:DB8::1]:65535")).isEqualTo(new HostPort("2001:db8::1", 65535));
        assertThat(Addresses.parse("Api-1.Example.com:80")).isEqualTo(new HostPort("api-1.example.com", 80));
        assertThat(Addresses.parse("localhost:9001")).isEqualTo(new HostPort("localhost", 9001));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ":80", "host", "host:", "host:http", "host:65536", "host:-1", "::1:80", "[::1]",
            "[::1]80", "[nothost]:80", "[::g]:80", "1.2.3:80", "256.1.1.1:80", "-host:80", "a..b:80", "a_b:80",
            "[fe80::1%eth0]:80", "h st:80"})
    void badAddresses(String text) {
        assertThatThrownBy(() -> Addresses.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("bad address \"" + text + "\" (expected host:port)");
    }

    @Test
    void routeHosts() {
        assertThat(Addresses.isHost("api.example.com")).isTrue();
        assertThat(Addresses.isHost("10.0.0.1")).isTrue();
        assertThat(Addresses.isHost("[::1]")).isTrue();
        assertThat(Addresses.isHost("api.example.com:443")).isFalse();
        assertThat(Addresses.isHost("[::1]:443")).isFalse();
        assertThat(Addresses.isHost("")).isFalse();
    }

    @Test
    void wildcardHostRemainders() {
        assertThat(Addresses.isHostName("example.com")).isTrue();
        assertThat(Addresses.isHostName("localhost")).isTrue();
        assertThat(Addresses.isHostName("10.0.0.1")).as("an address, not a name").isFalse();
        assertThat(Addresses.isHostName("[::1]")).isFalse();
        assertThat(Addresses.isHostName("*.example.com")).isFalse();
        assertThat(Addresses.isHostName("")).isFalse();
    }

    @Test
    void tokens() {
        assertThat(HttpSyntax.isToken("X-Request-Id")).isTrue();
        assertThat(HttpSyntax.isToken("!#$%&'*+-.^_`|~09azAZ")).isTrue();
        for (String bad : new String[] {"", "a b", "a:b", "a\"b", "(a)", "a/b", "a@b", "é", "a\tb"}) {
            assertThat(HttpSyntax.isToken(bad)).as(bad).isFalse();
        }
        assertThatThrownBy(() -> HttpSyntax.token("a b", "cookie name"))
                .hasMessage("bad cookie name \"a b\" (expected a token: letters, digits and !#$%&'*+-.^_`|~)");
    }

    @Test
    void methods() {
        assertThat(HttpSyntax.method("GET")).isEqualTo("GET");
        assertThat(HttpSyntax.method("M-SEARCH")).isEqualTo("M-SEARCH");
        assertThatThrownBy(() -> HttpSyntax.method("Get"))
                .hasMessage("bad method \"Get\" (methods are case-sensitive: expected upper case, e.g. GET)");
        assertThatThrownBy(() -> HttpSyntax.method("GET /"))
                .hasMessage("bad method \"GET /\" (expected a token such as GET)");
    }

    @Test
    void fieldValues() {
        assertThat(HttpSyntax.fieldValue("")).isEmpty();
        assertThat(HttpSyntax.fieldValue("a b\tc ~!")).isEqualTo("a b\tc ~!");
        assertThatThrownBy(() -> HttpSyntax.fieldValue("a\rb"))
                .hasMessage("bad header value \"a\\rb\" (CR, LF and NUL are not allowed)");
        assertThatThrownBy(() -> HttpSyntax.fieldValue("a\u007fb"))
                .hasMessage("bad header value \"a\\x7fb\" (control characters are not allowed)");
        assertThatThrownBy(() -> HttpSyntax.fieldValue("\tx"))
                .hasMessage("bad header value \"\\tx\" (must not start or end with a space or tab)");
        assertThatThrownBy(() -> HttpSyntax.fieldValue("\u00ff"))
                .hasMessage("bad header value \"\u00ff\" (only ASCII characters are allowed)");
    }

    @Test
    void managedFieldsIgnoreCase() {
        assertThat(HttpSyntax.isManagedField("Transfer-Encoding")).isTrue();
        assertThat(HttpSyntax.isManagedField("TE")).isTrue();
        assertThat(HttpSyntax.isManagedField("Host")).isTrue();
        assertThat(HttpSyntax.isManagedField("X-Forwarded-For")).isTrue();
        assertThat(HttpSyntax.isManagedField("VIA")).isTrue();
        assertThat(HttpSyntax.isManagedField("X-Forwarded-Port")).isFalse();
    }
}
