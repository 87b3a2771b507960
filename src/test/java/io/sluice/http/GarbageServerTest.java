package io.sluice.http;

import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.TestOrigin;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** A server that answers with something that is not HTTP: 502, and that server connection is never reused. */
@IntegrationTest
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class GarbageServerTest {
    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();

    @ParameterizedTest
    @ValueSource(strings = {"/garbage", "/garbage-close"})
    void garbageIsA502(String path) throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 1, origin).start();
        ServerFaults.assertGeneratedError(proxy.get(path), 502);
        ServerFaults.assertNewConnectionWorks(proxy);
        assertThat(origin.requests().get(1).connection()).as("the garbage connection is not reused")
                .isNotEqualTo(origin.requests().get(0).connection());
    }
}
