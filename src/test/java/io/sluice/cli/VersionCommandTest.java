package io.sluice.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code sluice version} prints a version and exits 0. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class VersionCommandTest {
    @Test
    void printsAVersion() throws Exception {
        ChildJvm.Result r = ChildJvm.run(Duration.ofSeconds(30), "version");
        assertThat(r.exitCode()).as("%s", r).isZero();
        assertThat(r.stdout()).as("%s", r).containsPattern("\\d+\\.\\d+");
    }
}
