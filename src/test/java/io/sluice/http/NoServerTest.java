package io.sluice.http;

import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.RawResponse;
import io.sluice.testing.TestOrigin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;

import static org.assertj.core.api.Assertions.assertThat;

/** No server reachable (connection refused on every server): 503; one refusing server among live ones: no error. */
@IntegrationTest
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class NoServerTest {
    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();

    @Test
    void everyServerRefusingIs503() throws Exception {
        proxy.setup().cluster("web", 4, ProxyFixture.deadAddress(), ProxyFixture.deadAddress()).start();
        for (int i = 0; i < 3; i++) {
            ServerFaults.assertGeneratedError(proxy.get("/x?i=" + i), 503);
        }
    }

    @Test
    void refusingServerIsSkipped() throws Exception {
        TestOrigin live = proxy.origin();
        InetSocketAddress dead = ProxyFixture.deadAddress();
        proxy.setup().cluster("web", 4, dead, live.address()).start();
        for (int i = 0; i < 6; i++) {
            RawResponse r = proxy.get("/size/10?i=" + i);
            assertThat(r.status()).as("request %d: %s", i, r).isEqualTo(200);
        }
        assertThat(live.requests()).hasSize(6);
    }
}
