package io.sluice.http;

import io.sluice.testing.BodyPattern;
import io.sluice.testing.IntegrationTest;
import io.sluice.testing.ProxyFixture;
import io.sluice.testing.RawHttpClient;
import io.sluice.testing.RawResponse;
import io.sluice.testing.TestOrigin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.OutputStream;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A server that closes during a response: before the head → 502; after the head was passed on → the client
 * connection is closed, so the client sees a truncated body and never a response that looks complete. A
 * close-delimited response (a legitimate close) arrives whole. A server that closes or resets while the request
 * body is still being sent to it makes the body writes fail: the client gets a 502 or a close, never a hang, and
 * the server connection is given back.
 */
@IntegrationTest
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ServerCloseTest {
    @RegisterExtension
    final ProxyFixture proxy = new ProxyFixture();

    @Test
    void closeBeforeAnyResponseIs502() throws Exception {
        proxy.start(proxy.origin());
        ServerFaults.assertGeneratedError(proxy.get("/close-no-response"), 502);
        ServerFaults.assertNewConnectionWorks(proxy);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/close-mid-body", "/chunked-cut"})
    void closeMidBodyClosesTheClientConnection(String path) throws Exception {
        proxy.start(proxy.origin());
        try (RawHttpClient c = proxy.connect()) {
            c.send(RawHttpClient.request("GET", path, "Host: t"));
            RawResponse r = c.readResponse();
            if (r.status() == 502) {
                ServerFaults.assertGeneratedError(r, 502);       // allowed: nothing had been sent yet
            } else {
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.complete()).as("the client must see the truncation: %s", r).isFalse();
                assertThat(r.body()).hasSizeLessThan(1000);
            }
            assertThat(c.closedByPeer(Duration.ofSeconds(5))).isTrue();
        }
        ServerFaults.assertNewConnectionWorks(proxy);
    }

    @Test
    void closeDelimitedResponseArrivesWhole() throws Exception {
        proxy.start(proxy.origin());
        try (RawHttpClient c = proxy.connect()) {
            c.send(RawHttpClient.request("GET", "/close-delimited/100000", "Host: t"));
            RawResponse r = c.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.complete()).isTrue();
            assertThat(r.body()).hasSize(100_000);
            assertThat(BodyPattern.firstMismatch(r.body())).isEqualTo(-1);
            if (r.framing() != RawResponse.Framing.UNTIL_CLOSE) {
                c.send(RawHttpClient.request("GET", "/size/5", "Host: t"));
                assertThat(c.readResponse().header("X-Target")).isEqualTo("/size/5");
            }
        }
        ServerFaults.assertNewConnectionWorks(proxy);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/fin-mid-upload/50000", "/reset-mid-upload/50000"})
    void serverClosingDuringTheUploadIs502OrAClose(String path) throws Exception {
        TestOrigin origin = proxy.origin();
        proxy.setup().cluster("web", 4, origin).start();
        int answered502 = 0;
        for (int i = 0; i < 20; i++) {
            try (RawHttpClient c = proxy.connect()) {
                c.timeout(Duration.ofSeconds(5));
                c.send("POST " + path + "?i=" + i + " HTTP/1.1\r\nHost: t\r\nContent-Length: 10000000\r\n\r\n");
                OutputStream out = c.output();
                byte[] chunk = new byte[512];
                try {
                    for (int k = 0; k < 4000; k++) {   // 2 MB of the 10 MB announced
                        out.write(chunk);
                        out.flush();
                    }
                } catch (IOException e) {
                    // Sluice closed the connection while we were sending: allowed
                }
                try {
                    RawResponse r = c.readResponse("POST");
                    ServerFaults.assertGeneratedError(r, 502);
                    assertThat(r.hasToken("Connection", "close")).as("the request body was not read whole").isTrue();
                    answered502++;
                } catch (SocketTimeoutException e) {
                    throw new AssertionError("upload " + i + ": neither an answer nor a close (hang)", e);
                } catch (RawHttpClient.ClosedBeforeResponseException | SocketException e) {
                    // closed without an answer: allowed
                }
                assertThat(c.closedByPeer(Duration.ofSeconds(5))).as("upload %d: connection closed", i).isTrue();
            }
            proxy.awaitNoLeases();
        }
        System.out.printf("%s: %d of 20 uploads answered 502, the others closed%n", path, answered502);
        assertThat(origin.requests()).hasSize(20).allMatch(TestOrigin.Request::dropped);
        ServerFaults.assertNewConnectionWorks(proxy);
    }
}
