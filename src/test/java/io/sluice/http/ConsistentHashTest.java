package io.sluice.http;

import io.sluice.Sluice;
import io.sluice.config.Balance;
import io.sluice.config.HashOn;
import io.sluice.config.SluiceConfig;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.RawHttpClient;
import io.sluice.testing.RawResponse;
import io.sluice.testing.TestOrigin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Consistent hashing through the proxy: requests with the same key (header, cookie, client address) reach the same
 * server, on every connection and from every Sluice instance started with the same config; different keys spread.
 */
@IntegrationTest
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ConsistentHashTest {
    private static final int USERS = 40;

    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();

    private SluiceConfig start(HashOn hashOn, TestOrigin... origins) {
        ProxyFixture.Setup setup = proxy.setup().cluster("web", 16, origins)
                .clusterConfig("web", c -> ProxyFixture.withBalance(c, Balance.CONSISTENT_HASH, hashOn));
        setup.start();
        return setup.config();
    }

    private static String origin(InetSocketAddress proxyAddress, String... headers) throws IOException {
        try (RawHttpClient c = RawHttpClient.connect(proxyAddress)) {
            c.send(RawHttpClient.request("GET", "/", headers));
            RawResponse r = c.readResponse();
            assertThat(r.status()).as("%s", r).isEqualTo(200);
            return r.header("X-Origin");
        }
    }

    @Test
    void sameHeaderValueSameServerOnEveryConnectionAndInstance() throws Exception {
        TestOrigin a = proxy.origin("a");
        TestOrigin b = proxy.origin("b");
        TestOrigin c = proxy.origin("c");
        SluiceConfig config = start(new HashOn(HashOn.Kind.HEADER, "X-User"), a, b, c);
        Map<String, String> first = new HashMap<>();
        for (int u = 0; u < USERS; u++) {
            first.put("user-" + u, origin(proxy.address(), "Host: t", "x-user: user-" + u));
        }
        assertThat(new HashSet<>(first.values())).as("keys spread over the servers").hasSize(3);
        for (int u = 0; u < USERS; u++) {
            assertThat(origin(proxy.address(), "Host: t", "X-User: user-" + u)).as("user-%d again", u)
                    .isEqualTo(first.get("user-" + u));
        }
        try (Sluice other = Sluice.start(config)) {
            InetSocketAddress otherAddress = other.listenerAddress(ProxyFixture.LISTENER);
            for (int u = 0; u < USERS; u++) {
                assertThat(origin(otherAddress, "Host: t", "X-User: user-" + u))
                        .as("user-%d through another instance", u).isEqualTo(first.get("user-" + u));
            }
        }
    }

    @Test
    void cookieKeyIgnoresOtherCookies() throws Exception {
        TestOrigin a = proxy.origin("a");
        TestOrigin b = proxy.origin("b");
        TestOrigin c = proxy.origin("c");
        start(new HashOn(HashOn.Kind.COOKIE, "sid"), a, b, c);
        Set<String> seen = new HashSet<>();
        for (int u = 0; u < USERS; u++) {
            String alone = origin(proxy.address(), "Host: t", "Cookie: sid=" + u);
            String among = origin(proxy.address(), "Host: t", "Cookie: theme=dark; sid=" + u + "; lang=en");
            String split = origin(proxy.address(), "Host: t", "Cookie: theme=" + u, "Cookie: sid=" + u);
            assertThat(among).as("sid=%d among other cookies", u).isEqualTo(alone);
            assertThat(split).as("sid=%d in a second Cookie field", u).isEqualTo(alone);
            seen.add(alone);
        }
        assertThat(seen).hasSize(3);
    }

    @Test
    void clientAddressKeySendsOneClientToOneServer() throws Exception {
        TestOrigin a = proxy.origin("a");
        TestOrigin b = proxy.origin("b");
        start(HashOn.CLIENT_ADDRESS, a, b);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            seen.add(origin(proxy.address(), "Host: t", "X-User: " + i));
        }
        assertThat(seen).as("every request of 127.0.0.1 on one server").hasSize(1);
    }
}
